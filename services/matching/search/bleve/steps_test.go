package bleve

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// On a national catalogue a word in thousands of products picks candidates
// only together with the other common words, while a rare word picks them
// on its own; a province's catalogue is searched as "any word".
func TestCommonWordsFindProductsOnlyTogether(t *testing.T) {
	idx, err := OpenTemporary()
	require.NoError(t, err)
	t.Cleanup(func() { _ = idx.Close() })
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
	steps := candidateSteps(search.Query{}, terms, freq)
	require.Len(t, steps, 3)
	require.NotNil(t, steps[0].driver, "rare words first")
	require.NotNil(t, steps[1].driver, "then the common words together")
	require.True(t, steps[2].anyWord && steps[2].onlyIfNothing, "then any word, only when nothing was found")

	steps = candidateSteps(search.Query{TextOptional: true}, terms, freq)
	require.Len(t, steps, 3)
	require.Nil(t, steps[2].driver, "the filters alone last")
	require.False(t, steps[2].anyWord)

	small := map[string]uint64{"hop": 50, "qua": 40, "mut": 30, "gung": 20}
	require.Len(t, candidateSteps(search.Query{}, terms, small), 1, "a small catalogue: one any-word step")
	require.Len(t, candidateSteps(search.Query{}, search.Terms("", nil), small), 1)
}
