package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// RemindExpiringRatings implements app.Repository: for each threshold, every
// listed product whose rating lapses within that many days and has not been
// warned at that threshold gets a RatingExpiring event, recorded so that it is
// warned once. The smallest threshold reached wins, so a product first seen
// five days before expiry gets the 7-day warning, not all three.
func (r *Repository) RemindExpiringRatings(ctx context.Context, today time.Time, daysLeft []int,
	emit func(context.Context, domain.Product, int) (events.Event, error)) (int, error) {
	sent := 0
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+productColumns+`, t.days
			FROM catalogue.products
			CROSS JOIN LATERAL (SELECT min(d) AS days FROM unnest($2::int[]) d
				WHERE ocop_expires_on > $1::date AND ocop_expires_on <= $1::date + d) t
			WHERE withdrawn_at IS NULL AND t.days IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM catalogue.rating_reminders rr
				WHERE rr.product_id = products.id AND rr.ocop_expires_on = products.ocop_expires_on AND rr.days_left <= t.days)
			ORDER BY id FOR UPDATE OF products SKIP LOCKED`, today, daysLeft)
		if err != nil {
			return fmt.Errorf("finding ratings about to lapse: %w", err)
		}
		type due struct {
			p    domain.Product
			days int
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (due, error) {
			var d due
			var err error
			d.p, err = scanProduct(row, &d.days)
			return d, err
		})
		if err != nil {
			return err
		}
		evs := make([]events.Event, 0, len(list))
		for _, d := range list {
			if _, err := tx.Exec(ctx, `INSERT INTO catalogue.rating_reminders (product_id, ocop_expires_on, days_left)
				VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, d.p.ID, d.p.OCOPExpiresOn, d.days); err != nil {
				return fmt.Errorf("recording the reminder of %s: %w", d.p.ID, err)
			}
			ev, err := emit(ctx, d.p, d.days)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		sent = len(evs)
		return r.outbox.Add(ctx, tx, evs...)
	})
	return sent, err
}
