package bleve

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// On a national catalogue a word in thousands of products picks candidates
// only together with the other common words, while a rare word picks them
// on its own; a province's catalogue is searched as "any word".
func TestCommonWordsFindProductsOnlyTogether(t *testing.T) {
	idx := temporaryIndex(t)
	var changes []search.Change
	add := func(id, name string) {
		changes = append(changes, search.Change{Upsert: &search.Document{ID: id, Name: name, Group: "thuc_pham", ExpiresOn: "2030-01-01"}})
	}
	for i := range commonWord + 1 {
		add(fmt.Sprintf("box-%d", i), "Hộp gỗ")
		add(fmt.Sprintf("gift-%d", i), "Quà lưu niệm")
	}
	add("gift-box", "Hộp quà Tết")
	add("ginger", "Mứt gừng")
	require.NoError(t, idx.Apply(context.Background(), changes, 1))
	ctx := context.Background()

	hits, err := idx.Search(ctx, search.Query{Text: "hộp quà", Limit: 20})
	require.NoError(t, err)
	require.Equal(t, []string{"gift-box"}, ids(hits), "two common words find the products holding both")

	hits, err = idx.Search(ctx, search.Query{Text: "hộp quà mứt gừng", Limit: 20})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"gift-box", "ginger"}, ids(hits), "a rare word finds on its own, common ones together")

	hits, err = idx.Search(ctx, search.Query{Text: "hộp quà mứt gừng", Limit: 20, TextOptional: true})
	require.NoError(t, err)
	require.Len(t, hits, 20, "with the text optional, the filters alone fill the answer")
	require.ElementsMatch(t, []string{"gift-box", "ginger"}, ids(hits[:2]), "products the words find come first")

	hits, err = idx.Search(ctx, search.Query{Text: "gỗ lưu niệm", Limit: 20})
	require.NoError(t, err)
	require.Len(t, hits, 20, "common words never found together: any of them will do")
}

func TestCandidateSteps(t *testing.T) {
	terms := search.Terms("hộp quà mứt gừng", nil)
	freq := map[string]uint64{"hop": 5000, "qua": 4000, "mut": 30, "gung": 0}
	steps := candidateSteps(search.Query{}, terms, freq, 90000)
	require.Len(t, steps, 3)
	require.NotNil(t, steps[0].driver, "rare words first")
	require.Equal(t, uint64(30), steps[0].most, "no more than the rare words' products")
	require.NotNil(t, steps[1].driver, "then the common words together")
	require.Equal(t, uint64(4000), steps[1].most, "together, no more than the rarer of them")
	require.True(t, steps[2].anyWord && steps[2].onlyIfNothing, "then any word, only when nothing was found")

	steps = candidateSteps(search.Query{TextOptional: true}, terms, freq, 90000)
	require.Len(t, steps, 3)
	require.Nil(t, steps[2].driver, "the filters alone last")
	require.False(t, steps[2].anyWord)
	require.Equal(t, uint64(90000), steps[2].most)

	small := map[string]uint64{"hop": 50, "qua": 40, "mut": 30, "gung": 20}
	require.Len(t, candidateSteps(search.Query{}, terms, small, 400), 1, "a small catalogue: one any-word step")
	require.Len(t, candidateSteps(search.Query{}, search.Terms("", nil), small, 400), 1)
}

// A step with more candidates than its shortlist scores them by their
// names' words first, then the shortlist by every clause; lapsed ratings
// filling the shortlist do not hide valid products.
func TestWideStepsScoreTheirShortlistByEveryClause(t *testing.T) {
	idx := temporaryIndex(t)
	var changes []search.Change
	add := func(id, name, description, expires string) {
		changes = append(changes, search.Change{Upsert: &search.Document{ID: id, Name: name, Description: description,
			Group: "thuc_pham", ExpiresOn: expires}})
	}
	for i := range commonWord + 1 {
		add(fmt.Sprintf("box-%d", i), "Hộp gỗ", "", "2030-01-01")
		add(fmt.Sprintf("gift-%d", i), "Quà lưu niệm", "", "2030-01-01")
		add(fmt.Sprintf("cake-%d", i), "Bánh cốm", "đóng hộp làm quà", "2030-01-01")
	}
	var valid []string
	for i := range 3 * shortlistFactor * 20 {
		add(fmt.Sprintf("lapsed-%d", i), "Hộp quà", "", "2020-01-01")
	}
	for i := range 20 {
		valid = append(valid, fmt.Sprintf("tet-%d", i))
		add(valid[i], fmt.Sprintf("Hộp quà %d", i), "", "2030-01-01")
	}
	require.NoError(t, idx.Apply(context.Background(), changes, 1))
	ctx := context.Background()

	q := search.Query{Text: "hộp quà", Limit: 20}
	terms := search.Terms(q.Text, nil)
	at := snapshotOf(t, idx)
	freq, err := frequencies(ctx, at.reader, terms.Words)
	require.NoError(t, err)
	steps := candidateSteps(q, terms, freq, uint64(len(changes)))
	require.Greater(t, steps[0].most, uint64(shortlistFactor*q.Limit), "the step is wide")
	scores := func(hits []search.Hit) []float64 {
		var s []float64
		for _, h := range hits {
			s = append(s, h.Score)
		}
		return s
	}

	hits, err := idx.Search(ctx, q)
	require.NoError(t, err)
	onePass, err := idx.run(ctx, at, buildQuery(q, terms, freq, steps[0]), q.ValidOn, q.Limit)
	require.NoError(t, err)
	require.Equal(t, scores(onePass), scores(hits), "the scores one pass over every candidate gives")
	require.Contains(t, hits[0].ID, "lapsed-", "the shortest name first, when validity is not asked")

	q.ValidOn = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	hits, err = idx.Search(ctx, q)
	require.NoError(t, err)
	require.ElementsMatch(t, valid, ids(hits), "the shortlist held only lapsed ratings: every candidate is scored")

	q.Text, q.Limit, q.ValidOn = "Hộp quà 7", 1, time.Time{}
	hits, err = idx.Search(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []string{"tet-7"}, ids(hits), "a number typed with the name tells products of one name apart")
}

func scoresByID(hits []search.Hit) map[string]float64 {
	s := map[string]float64{}
	for _, h := range hits {
		s[h.ID] = h.Score
	}
	return s
}

// The shortlist is scored without the filters that weigh nothing, and
// with those that do (the driver, kinds, places): its scores are the ones
// a single pass over every candidate under every filter gives.
func TestShortlistScoresAsOnePassUnderEveryFilter(t *testing.T) {
	idx := temporaryIndex(t)
	words := []string{"tết", "gỗ", "quà tặng", "sơn mài", "hộp", "bánh"}
	var changes []search.Change
	for i := range 3 * commonWord {
		d := search.Document{ID: fmt.Sprintf("p-%d", i), Name: "Hộp quà", Group: []string{"thuc_pham", "thu_cong"}[i%2],
			Category: []string{"gift", "cake"}[i/2%2], Province: []string{"Bắc Ninh", "Hà Nội"}[i/4%2],
			Stars: 3 + i%3, ExpiresOn: "2030-01-01"}
		for k := range i % 7 {
			d.Description += words[(i+k)%len(words)] + " "
		}
		if i%5 > 0 {
			d.Certifications = []string{"VietGAP"}
		}
		changes = append(changes, search.Change{Upsert: &d})
	}
	require.NoError(t, idx.Apply(context.Background(), changes, 1))
	ctx := context.Background()

	q := search.Query{Text: "hộp quà tết sơn mài", Group: "thuc_pham", MinStars: 4, Certifications: []string{"VietGAP"},
		Categories: []string{"gift"}, Places: []string{"Bắc Ninh"}, Limit: 20}
	terms := search.Terms(q.Text, nil)
	at := snapshotOf(t, idx)
	freq, err := frequencies(ctx, at.reader, terms.Words)
	require.NoError(t, err)
	steps := candidateSteps(q, terms, freq, uint64(len(changes)))
	wide := 0
	for _, s := range steps {
		if s.most > wideStep {
			wide++
		}
		hits, err := idx.runStep(ctx, at, q, terms, freq, s, q.Limit)
		require.NoError(t, err)
		require.NotEmpty(t, hits)
		same := q
		same.ProductIDs = ids(hits)
		onePass, err := idx.run(ctx, at, buildQuery(same, terms, freq, s), q.ValidOn, q.Limit)
		require.NoError(t, err)
		want := scoresByID(onePass)
		require.Len(t, want, len(hits))
		for _, h := range hits {
			// Equal to the last bits or two: clauses are summed in another order.
			require.InEpsilon(t, want[h.ID], h.Score, 1e-12, "product %s", h.ID)
		}
	}
	require.Positive(t, wide, "a step is wide enough to be shortlisted")
}

// Filters decide what is found and weigh nothing: the products a filtered
// search finds score as they do found by their ids alone.
func TestFiltersWeighNothing(t *testing.T) {
	idx := temporaryIndex(t)
	var changes []search.Change
	for i := range 60 {
		d := search.Document{ID: fmt.Sprintf("p-%d", i), Name: []string{"Mật ong rừng", "Mật ong hoa vải", "Trà xanh"}[i%3],
			Description: []string{"", "mật ong nguyên chất", "đóng chai thủy tinh"}[i/3%3],
			Group:       []string{"thuc_pham", "do_uong"}[i/9%2], Stars: 2 + i%4, ExpiresOn: "2030-01-01"}
		if i%4 > 0 {
			d.Certifications = []string{"VietGAP"}
		}
		changes = append(changes, search.Change{Upsert: &d})
	}
	require.NoError(t, idx.Apply(context.Background(), changes, 1))
	ctx := context.Background()

	filtered := search.Query{Text: "mật ong hoa vải nguyên chất", Group: "thuc_pham", MinStars: 3, Certifications: []string{"VietGAP"}, Limit: 60}
	hits, err := idx.Search(ctx, filtered)
	require.NoError(t, err)
	require.NotEmpty(t, hits)
	for _, h := range hits {
		require.Equal(t, "thuc_pham", h.Group)
		require.GreaterOrEqual(t, h.Stars, 3)
		require.Contains(t, h.Certifications, "VietGAP")
	}
	byID, err := idx.Search(ctx, search.Query{Text: filtered.Text, ProductIDs: ids(hits), Limit: 60})
	require.NoError(t, err)
	want := scoresByID(byID)
	require.Len(t, want, len(hits))
	for _, h := range hits {
		require.InEpsilon(t, want[h.ID], h.Score, 1e-12, "product %s", h.ID)
	}
}

// snapshotOf opens a snapshot of idx for the test's searches.
func snapshotOf(t *testing.T, idx *Index) snapshot {
	t.Helper()
	gen := idx.cache.generation()
	r, err := idx.reader()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return snapshot{reader: r, gen: gen}
}
