package bleve

import (
	"context"
	"testing"
	"time"

	"github.com/ocopvn/ocop/services/matching/search"
)

// FuzzTextNeverWidensFilters: whatever a buyer types, the hard constraints
// hold: only the group asked, only ratings valid that day, only the stars.
func FuzzTextNeverWidensFilters(f *testing.F) {
	idx := setup(f)
	for _, seed := range []string{"vải thiều", "group:thu_cong_my_nghe", "* OR 1=1", `"vải" +lụa -thiều`, "ocop_stars:>0", ""} {
		f.Add(seed)
	}
	on := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		hits, err := idx.Search(context.Background(), search.Query{Text: text, Terms: []string{text}, Group: "thuc_pham", MinStars: 4, ValidOn: on, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		for _, h := range hits {
			if h.Group != "thuc_pham" || h.Stars < 4 || h.ExpiresOn <= "2026-05-01" {
				t.Fatalf("%q found %s (%s, %d★, expires %s)", text, h.ID, h.Group, h.Stars, h.ExpiresOn)
			}
		}
	})
}
