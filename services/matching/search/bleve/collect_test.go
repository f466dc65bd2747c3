package bleve

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// collect answers as Bleve's SearchInContext does: the same products, in
// the same order (equal scores in the order found), with the same scores.
func TestCollectAnswersAsBleveDoes(t *testing.T) {
	idx := temporaryIndex(t)
	writeProducts(t, idx, 0, 3000, 1)
	ctx := context.Background()
	at := snapshotOf(t, idx)
	for _, text := range []string{"vải thiều sấy khô", "mỳ chũ", "khăn lụa thêu", "vai thieu"} {
		q := search.Query{Text: text, Group: "thuc_pham", Limit: 20}
		terms := search.Terms(q.Text, nil)
		freq, err := frequencies(ctx, at.reader, terms.Words)
		require.NoError(t, err)
		for _, s := range candidateSteps(q, terms, freq, 3000) {
			built := buildQuery(q, terms, freq, s)
			for _, size := range []int{1, 20, 5000} {
				want, err := idx.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(built, size, 0, false))
				require.NoError(t, err)
				got, total, err := idx.collect(ctx, at.reader, built, size)
				require.NoError(t, err)
				require.Equal(t, want.Total, total, "%q, %d hits", text, size)
				require.Len(t, got, len(want.Hits), "%q, %d hits", text, size)
				for k, h := range want.Hits {
					require.Equal(t, scored{ID: h.ID, Score: h.Score}, got[k], "%q, hit %d of %d", text, k, size)
				}
			}
		}
	}
}
