package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// Fairs implements app.Repository: soonest first.
func (r *Repository) Fairs(ctx context.Context, f app.FairFilter) ([]domain.Fair, error) {
	where, args := "TRUE", []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.OrganiserID != "" {
		where += " AND organiser_id = " + arg(f.OrganiserID)
	}
	if f.Published {
		where += " AND status = 'published'"
	}
	if !f.EndsFrom.IsZero() {
		where += " AND ends_on >= " + arg(f.EndsFrom)
	}
	rows, err := r.pool.Query(ctx, `SELECT `+fairColumns+` FROM fairs.fairs WHERE `+where+` ORDER BY starts_on, id LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("listing fairs: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Fair, error) { return scanFair(row) })
}

// Exhibitors implements app.Repository: by booth code, with the products
// each shows.
func (r *Repository) Exhibitors(ctx context.Context, fairID string) ([]app.Exhibitor, error) {
	rows, err := r.pool.Query(ctx, `SELECT k.producer_id, b.code, coalesce(h.name, ''), coalesce(a.product_ids, '{}')
		FROM fairs.bookings k JOIN fairs.booths b ON b.id = k.booth_id
		LEFT JOIN fairs.halls h ON h.id = b.hall_id
		LEFT JOIN fairs.applications a ON a.id = k.application_id
		WHERE k.fair_id = $1 AND k.status = 'confirmed' ORDER BY b.code`, fairID)
	if err != nil {
		return nil, fmt.Errorf("listing exhibitors of %s: %w", fairID, err)
	}
	type row struct {
		ex  app.Exhibitor
		ids []string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.ex.ProducerID, &x.ex.BoothCode, &x.ex.Hall, &x.ids)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]app.Exhibitor, 0, len(list))
	for _, x := range list {
		prows, err := r.pool.Query(ctx, `SELECT id, producer_id, producer_name, name, "group", category, stars, expires_on, withdrawn, version
			FROM fairs.products WHERE id = ANY ($1) ORDER BY name`, x.ids)
		if err != nil {
			return nil, err
		}
		x.ex.Products, err = pgx.CollectRows(prows, scanProduct)
		if err != nil {
			return nil, err
		}
		if len(x.ex.Products) > 0 {
			x.ex.ProducerName = x.ex.Products[0].ProducerName
		}
		out = append(out, x.ex)
	}
	return out, nil
}

// Meetings implements app.Repository: in time order.
func (r *Repository) Meetings(ctx context.Context, f app.MeetingFilter) ([]domain.Meeting, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+meetingColumns+` FROM fairs.meetings
		WHERE fair_id = $1 AND ($2 = '' OR buyer_id = $2) AND ($3 = '' OR producer_id = $3)
		  AND (NOT $4 OR status IN ('requested', 'accepted'))
		ORDER BY starts_at, table_no`, f.FairID, f.BuyerID, f.ProducerID, f.Live)
	if err != nil {
		return nil, fmt.Errorf("listing meetings: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Meeting, error) { return scanMeeting(row) })
}

// Stats implements app.Repository.
func (r *Repository) Stats(ctx context.Context, fairID string) (app.FairStats, error) {
	s := app.FairStats{Applications: map[string]int{}, Meetings: map[string]int{}}
	for _, status := range []string{"submitted", "approved", "rejected", "waitlisted", "withdrawn"} {
		s.Applications[status] = 0
	}
	for _, status := range []string{"requested", "accepted", "declined", "expired", "cancelled"} {
		s.Meetings[status] = 0
	}
	rows, err := r.pool.Query(ctx, `SELECT status, count(*) FROM fairs.applications WHERE fair_id = $1 GROUP BY status`, fairID)
	if err != nil {
		return s, err
	}
	if err := collectCounts(rows, s.Applications); err != nil {
		return s, err
	}
	rows, err = r.pool.Query(ctx, `SELECT status, count(*) FROM fairs.meetings WHERE fair_id = $1 GROUP BY status`, fairID)
	if err != nil {
		return s, err
	}
	if err := collectCounts(rows, s.Meetings); err != nil {
		return s, err
	}
	err = r.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM fairs.booths WHERE fair_id = $1),
			(SELECT count(*) FROM fairs.bookings WHERE fair_id = $1 AND status = 'confirmed'),
			(SELECT count(DISTINCT producer_id) FROM fairs.bookings WHERE fair_id = $1 AND status = 'confirmed'),
			(SELECT count(*) FROM fairs.checkins WHERE fair_id = $1 AND role = 'producer'),
			(SELECT count(*) FROM fairs.participants WHERE fair_id = $1),
			(SELECT count(*) FROM fairs.checkins WHERE fair_id = $1 AND role = 'buyer'),
			(SELECT count(*) FROM fairs.meetings WHERE fair_id = $1 AND held),
			(SELECT count(*) FROM fairs.meetings WHERE fair_id = $1 AND NOT held),
			(SELECT count(*) FROM fairs.quotes q JOIN fairs.fairs f ON f.id = $1
				WHERE q.submitted_at >= f.starts_on
				  AND EXISTS (SELECT 1 FROM fairs.participants p WHERE p.fair_id = f.id AND p.buyer_id = q.buyer_id)
				  AND EXISTS (SELECT 1 FROM fairs.bookings k WHERE k.fair_id = f.id AND k.producer_id = q.producer_id AND k.status = 'confirmed'))`,
		fairID).Scan(&s.Booths, &s.BoothsFilled, &s.Exhibitors, &s.ExhibitorsChecked, &s.Buyers, &s.BuyersChecked, &s.MeetingsHeld, &s.NoShows, &s.QuotesAfter)
	return s, err
}

func collectCounts(rows pgx.Rows, into map[string]int) error {
	defer rows.Close()
	for rows.Next() {
		var (
			k string
			n int
		)
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		into[k] = n
	}
	return rows.Err()
}
