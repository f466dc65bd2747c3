package bleve

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

func docs() []search.Document {
	return []search.Document{
		{ID: "dried", ProducerID: "prd-1", Name: "Vải thiều sấy khô Lục Ngạn", Group: "thuc_pham", Category: "dried_fruit",
			Stars: 4, ExpiresOn: "2027-03-03", Certifications: []string{"HACCP", "VietGAP"}, Tags: []string{"vải sấy"}, Province: "Bắc Ninh"},
		{ID: "fresh", ProducerID: "prd-2", Name: "Vải thiều tươi", Description: "Quả vải thiều tươi chín đỏ.", Group: "thuc_pham", Category: "fresh_fruit",
			Stars: 5, ExpiresOn: "2027-01-01", Certifications: []string{"GlobalGAP"}},
		{ID: "apart", ProducerID: "prd-3", Name: "Vải lụa thêu tay", Description: "Khăn vải lụa thêu, sợi thiều tơ.", Group: "thu_cong_my_nghe", Category: "silk",
			Stars: 3, ExpiresOn: "2027-01-01"},
		{ID: "expired", ProducerID: "prd-4", Name: "Vải thiều sấy", Group: "thuc_pham", Category: "dried_fruit", Stars: 4, ExpiresOn: "2026-04-30",
			Certifications: []string{"HACCP"}},
		{ID: "noodle", ProducerID: "prd-5", Name: "Mỳ Chũ gạo bao thai", Group: "thuc_pham", Category: "noodles", Stars: 4, ExpiresOn: "2028-01-01"},
	}
}

// temporaryIndex opens an empty index, removed when the test ends.
func temporaryIndex(tb testing.TB) *Index {
	tb.Helper()
	idx, err := OpenTemporary()
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = idx.Close() })
	return idx
}

// setup opens a temporary index holding docs.
func setup(tb testing.TB) *Index {
	tb.Helper()
	idx := temporaryIndex(tb)
	var changes []search.Change
	for _, d := range docs() {
		changes = append(changes, search.Change{Upsert: &d})
	}
	require.NoError(tb, idx.Apply(context.Background(), changes, 42))
	return idx
}

func ids(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestFoldedQueryFindsDiacritics(t *testing.T) {
	idx := setup(t)
	with, err := idx.Search(context.Background(), search.Query{Text: "vải thiều sấy", Limit: 10})
	require.NoError(t, err)
	without, err := idx.Search(context.Background(), search.Query{Text: "vai thieu say", Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, without)
	require.Contains(t, ids(without)[:2], "dried")
	require.ElementsMatch(t, ids(with), ids(without), "the same products with or without diacritics")
}

func TestSyllablesTogetherBeatSyllablesApart(t *testing.T) {
	idx := setup(t)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vải thiều", Limit: 10})
	require.NoError(t, err)
	got := ids(hits)
	require.Less(t, indexOf(got, "fresh"), indexOf(got, "apart"))
	require.Less(t, indexOf(got, "dried"), indexOf(got, "apart"))
}

func TestFiltersAreHard(t *testing.T) {
	idx := setup(t)
	on := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	hits, err := idx.Search(context.Background(), search.Query{
		Text: "vải thiều sấy", Group: "thuc_pham", MinStars: 4, Certifications: []string{"HACCP"}, ValidOn: on, Limit: 10,
	})
	require.NoError(t, err)
	require.Equal(t, []string{"dried"}, ids(hits), "group, stars, certification and a rating valid on the day all filter")

	expiry, err := idx.Search(context.Background(), search.Query{Text: "vải thiều sấy", ValidOn: time.Date(2026, 4, 29, 0, 0, 0, 0, time.UTC), Limit: 10})
	require.NoError(t, err)
	require.Contains(t, ids(expiry), "expired", "a rating is valid the day before it expires")
	expiry, err = idx.Search(context.Background(), search.Query{Text: "vải thiều sấy", ValidOn: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), Limit: 10})
	require.NoError(t, err)
	require.NotContains(t, ids(expiry), "expired", "and not on its expiry day")
}

func TestFilterValuesCannotInjectQuerySyntax(t *testing.T) {
	idx := setup(t)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vải", Group: `thuc_pham OR group:*`, Limit: 10})
	require.NoError(t, err)
	require.Empty(t, hits, "a group value is one exact term, never query syntax")
	hits, err = idx.Search(context.Background(), search.Query{Text: `vải) OR (group:thu_cong_my_nghe`, Group: "thuc_pham", Limit: 10})
	require.NoError(t, err)
	for _, h := range hits {
		require.Equal(t, "thuc_pham", h.Group, "text never widens the filters")
	}
}

func TestApplyUpdatesDeletesAndCheckpoints(t *testing.T) {
	idx := setup(t)
	ctx := context.Background()
	seq, err := idx.Sequence(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 42, seq)

	before, err := idx.Search(ctx, search.Query{Text: "mỳ chũ gạo bao thai", Limit: 10})
	require.NoError(t, err)
	require.Len(t, before, 1, "read once, so the product is cached")
	renamed := docs()[4]
	renamed.Name = "Miến dong Bình Liêu"
	require.NoError(t, idx.Apply(ctx, []search.Change{{Upsert: &renamed}, {Delete: "apart"}}, 43))
	n, err := idx.Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 4, n)
	hits, err := idx.Search(ctx, search.Query{Text: "mien dong", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{"noodle"}, ids(hits))
	require.Equal(t, renamed.Name, hits[0].Name, "the cached product is replaced by its change")
	seq, err = idx.Sequence(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 43, seq)
}

// reopened indexes d at checkpoint 7, lets before change the index, closes
// it and opens it again.
func reopened(t *testing.T, d search.Document, before func(*Index)) *Index {
	t.Helper()
	dir := t.TempDir() + "/products.bleve"
	idx, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, idx.Apply(context.Background(), []search.Change{{Upsert: &d}}, 7))
	before(idx)
	require.NoError(t, idx.Close())
	idx, err = Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestReopenKeepsDocumentsAndCheckpoint(t *testing.T) {
	d := docs()[0]
	idx := reopened(t, d, func(*Index) {})
	seq, err := idx.Sequence(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 7, seq)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vai thieu", Limit: 5})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	require.Equal(t, d.Name, hits[0].Name, "hits carry the stored document")
	require.Equal(t, []string{"HACCP", "VietGAP"}, hits[0].Certifications)
}

func TestIndexOfAnOlderMappingIsRebuiltFromTheStream(t *testing.T) {
	idx := reopened(t, docs()[0], func(idx *Index) {
		require.NoError(t, idx.idx.SetInternal(mappingKey, []byte("1")))
	})
	seq, err := idx.Sequence(context.Background())
	require.NoError(t, err)
	require.Zero(t, seq, "a checkpoint of 0 makes the indexer replay the catalogue stream")
	n, err := idx.Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return len(s) + 1
}

func TestCategoryAndProductFilters(t *testing.T) {
	idx := setup(t)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vải thiều", Categories: []string{"fresh_fruit", "silk"}, Limit: 10})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"fresh", "apart"}, ids(hits))
	hits, err = idx.Search(context.Background(), search.Query{Text: "vải thiều", ProductIDs: []string{"dried", "noodle"}, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{"dried"}, ids(hits))
	hits, err = idx.Search(context.Background(), search.Query{ProductIDs: []string{"noodle", "expired"}, Limit: 10})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"noodle", "expired"}, ids(hits), "filters alone list what they keep")
}

func TestExactDiacriticsRankAboveFolded(t *testing.T) {
	idx := temporaryIndex(t)
	cam := search.Document{ID: "cam", Name: "Cam sành Hàm Yên", Group: "thuc_pham", ExpiresOn: "2028-01-01"}
	cam2 := search.Document{ID: "cám", Name: "Cám gạo sành điệu", Group: "thuc_pham", ExpiresOn: "2028-01-01"}
	require.NoError(t, idx.Apply(context.Background(), []search.Change{{Upsert: &cam2}, {Upsert: &cam}}, 1))

	hits, err := idx.Search(context.Background(), search.Query{Text: "cam sành", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{"cam", "cám"}, ids(hits), "typed with diacritics: the exact spelling first")
	hits, err = idx.Search(context.Background(), search.Query{Text: "cám", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, "cám", hits[0].ID)
}

func TestTyposForgivenInLongWordsOnly(t *testing.T) {
	idx := setup(t)
	hits, err := idx.Search(context.Background(), search.Query{Text: "thieo", Limit: 10})
	require.NoError(t, err)
	require.Contains(t, ids(hits), "dried", "one typo in a five-letter word")
	hits, err = idx.Search(context.Background(), search.Query{Text: "vau", Limit: 10})
	require.NoError(t, err)
	require.Empty(t, hits, "a short syllable with a typo is another word")
}

// A word of a thousand letters (pasted text, found by fuzzing) would need a
// typo automaton larger than the engine builds; it is matched as spelled.
func TestOverlongWordIsSearchedAsSpelled(t *testing.T) {
	idx := setup(t)
	word := strings.Repeat("ab", 500)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vải thiều " + word, Terms: []string{word}, Limit: 10})
	require.NoError(t, err)
	require.Contains(t, ids(hits), "dried")
}

// A bulk import is written in batches, each a segment; Bleve's default
// policy would keep six segments of 2,000 products, which every term a
// search looks up is then looked up in.
func TestBulkWritesAreMergedIntoFewSegments(t *testing.T) {
	idx := temporaryIndex(t)
	idx.compact.after = 1 << 30 // Bleve's own plan, without the merge into one
	writeBulk(t, idx)
	require.Eventually(t, func() bool { return idx.segments() <= 3 }, 30*time.Second, 50*time.Millisecond,
		"12,000 products in %d segments", idx.segments())
	n, err := idx.Count(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 12000, n)
}

// Bleve writes an index's path into the configuration it is opened with;
// one index opened after another must not be sent to the first one's files.
func TestIndexesInTwoDirectoriesStayApart(t *testing.T) {
	root := t.TempDir()
	for i, d := range docs()[:2] {
		idx, err := Open(fmt.Sprintf("%s/%d.bleve", root, i))
		require.NoError(t, err)
		require.NoError(t, idx.Apply(context.Background(), []search.Change{{Upsert: &d}}, uint64(i+1)))
		require.NoError(t, idx.Close())
	}
	idx, err := Open(root + "/0.bleve")
	require.NoError(t, err)
	t.Cleanup(func() { _ = idx.Close() })
	seq, err := idx.Sequence(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 1, seq)
	hits, err := idx.Search(context.Background(), search.Query{Text: "vải thiều", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{docs()[0].ID}, ids(hits))
}

// Once a bulk write pauses, the index is merged into one segment, and what
// it holds is found as before; a trickle of edits sets off no merge.
func TestBulkWriteIsMergedIntoOneSegmentOncePaused(t *testing.T) {
	idx := temporaryIndex(t)
	idx.compact.after, idx.compact.quiet = 3000, 300*time.Millisecond
	// Bleve's own plan leaves 12,000 products in two or three segments
	// (TestBulkWritesAreMergedIntoFewSegments).
	writeBulk(t, idx)
	require.True(t, idx.Merging(), "a merge waits for the writes to pause")
	merged := func() bool { return !idx.Merging() && idx.segments() == 1 }
	require.Eventually(t, merged, 30*time.Second, 20*time.Millisecond, "12,000 products in %d segments", idx.segments())
	n, err := idx.Count(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 12000, n)
	hits, err := idx.Search(context.Background(), search.Query{Text: "mỳ chũ", Limit: 5})
	require.NoError(t, err)
	require.Len(t, hits, 5)

	for i := range 10 {
		writeProducts(t, idx, 12000+i, 1, uint64(7+i))
	}
	require.False(t, idx.Merging(), "ten edits wait for no merge")
}

// An index closed before its merge, or rebuilt by `ocop reindex`, is merged
// once opened.
func TestUnmergedIndexIsMergedOnceOpened(t *testing.T) {
	dir := t.TempDir() + "/index"
	idx, err := Open(dir)
	require.NoError(t, err)
	idx.compact.after = 1 << 30
	writeBulk(t, idx)
	require.Eventually(t, func() bool { return idx.segments() > 1 }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, idx.Close())

	idx, err = Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = idx.Close() })
	require.True(t, idx.Merging())
	require.Eventually(t, func() bool { return !idx.Merging() && idx.segments() == 1 }, 30*time.Second, 20*time.Millisecond,
		"12,000 products in %d segments", idx.segments())
}

// writeProducts writes n products, p-from to p-(from+n-1), as one write.
func writeProducts(t testing.TB, idx *Index, from, n int, seq uint64) {
	t.Helper()
	changes := make([]search.Change, n)
	for i := range changes {
		d := docs()[(from+i)%len(docs())]
		d.ID = fmt.Sprintf("p-%d", from+i)
		changes[i] = search.Change{Upsert: &d}
	}
	require.NoError(t, idx.Apply(context.Background(), changes, seq))
}

// writeBulk writes 12,000 products in six writes of 2,000, as the indexer
// does a bulk import.
func writeBulk(t *testing.T, idx *Index) {
	t.Helper()
	for batch := range 6 {
		writeProducts(t, idx, batch*2000, 2000, uint64(batch+1))
	}
}
