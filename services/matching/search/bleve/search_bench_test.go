package bleve

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// BenchmarkSearch searches 20,000 products, merged as after an import, for
// words in many of them (the shortlist path: "vải thiều" is in two products
// of five), for a word in none (the typo-forgiving path), and for a
// demand's title and text, which repeats the title's words, as matching
// does for every demand.
func BenchmarkSearch(b *testing.B) {
	idx := temporaryIndex(b)
	for batch := range 10 {
		writeProducts(b, idx, batch*2000, 2000, uint64(batch+1))
	}
	require.Eventually(b, func() bool { return !idx.Merging() && idx.segments() == 1 }, time.Minute, 50*time.Millisecond,
		"20,000 products in %d segments", idx.segments())
	on := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []struct{ name, text string }{
		{"common words", "vải thiều sấy khô Lục Ngạn"},
		{"unknown word", "mứt gừng dotaixa"},
		{"title and text", "Vải thiều sấy khô\nCần vải thiều sấy khô Lục Ngạn cho siêu thị"},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := idx.Search(context.Background(), search.Query{Text: q.text, Group: "thuc_pham", ValidOn: on, Limit: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
