package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Ten streams woken by one match read ten recipients' newest
// notification, each in a statement of its own (alone) or all in one
// (together).
func BenchmarkStreamReads(b *testing.B) {
	repo, _ := newRepository(b)
	ctx := context.Background()
	var reads []StreamRead
	for r := range 10 {
		id := fmt.Sprintf("prd-%d", r)
		for k := range 50 {
			if err := repo.InTx(ctx, func(tx pgx.Tx) error {
				_, err := repo.AddNotifications(ctx, tx, []Notification{{RecipientRole: "producer", RecipientID: id, Kind: "match",
					DedupeKey: fmt.Sprint(k), Title: "Mứt gừng", Body: "Cần mứt gừng cho cửa hàng", Reasons: []string{"cùng loại"}, Data: map[string]any{"k": k}}})
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		pages, err := repo.StreamPages(ctx, []StreamRead{{Role: "producer", RecipientID: id}}, 100)
		if err != nil || len(pages[0].Notifications) != 50 {
			b.Fatal(err)
		}
		reads = append(reads, StreamRead{Role: "producer", RecipientID: id, After: pages[0].Notifications[48].At})
	}
	b.Run("alone", func(b *testing.B) {
		for b.Loop() {
			for _, r := range reads {
				if _, err := repo.StreamPages(ctx, []StreamRead{r}, 100); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("together", func(b *testing.B) {
		for b.Loop() {
			if _, err := repo.StreamPages(ctx, reads, 100); err != nil {
				b.Fatal(err)
			}
		}
	})
}
