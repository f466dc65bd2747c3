package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/errs"
)

// Fair is a fair as matching keeps it.
type Fair struct {
	ID          string
	OrganiserID string
	Name        string
	Venue       string
	Lat, Lon    float64
	StartsOn    time.Time
	EndsOn      time.Time
	Groups      []string
	Categories  []string
	Status      string
	SlotMinutes int
	DayStart    int
	DayEnd      int
	Tables      int
}

// Exhibitor is a producer holding a booth at a fair, showing products.
type Exhibitor struct {
	ProducerID string
	BoothCode  string
	ProductIDs []string
}

// FairMeeting is a live B2B meeting holding a slot.
type FairMeeting struct {
	BuyerID    string
	ProducerID string
	Table      int
	StartsAt   time.Time
}

const fairColumns = `id, organiser_id, name, venue, lat, lon, starts_on, ends_on, groups, categories, status, slot_minutes, day_start, day_end, tables`

func scanFair(row pgx.Row) (Fair, error) {
	var f Fair
	err := row.Scan(&f.ID, &f.OrganiserID, &f.Name, &f.Venue, &f.Lat, &f.Lon, &f.StartsOn, &f.EndsOn, &f.Groups, &f.Categories,
		&f.Status, &f.SlotMinutes, &f.DayStart, &f.DayEnd, &f.Tables)
	return f, err
}

// SaveFair keeps a fair's latest state.
func (r *Repository) SaveFair(ctx context.Context, tx pgx.Tx, f Fair) error {
	_, err := tx.Exec(ctx, `INSERT INTO matching.fairs (`+fairColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (id) DO UPDATE SET organiser_id = EXCLUDED.organiser_id, name = EXCLUDED.name, venue = EXCLUDED.venue,
			lat = EXCLUDED.lat, lon = EXCLUDED.lon, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on,
			groups = EXCLUDED.groups, categories = EXCLUDED.categories, status = EXCLUDED.status,
			slot_minutes = EXCLUDED.slot_minutes, day_start = EXCLUDED.day_start, day_end = EXCLUDED.day_end, tables = EXCLUDED.tables`,
		f.ID, f.OrganiserID, f.Name, f.Venue, f.Lat, f.Lon, f.StartsOn, f.EndsOn, f.Groups, f.Categories, f.Status,
		f.SlotMinutes, f.DayStart, f.DayEnd, f.Tables)
	if err != nil {
		return fmt.Errorf("keeping fair %s: %w", f.ID, err)
	}
	return nil
}

// SaveExhibitor records a producer exhibiting at a fair.
func (r *Repository) SaveExhibitor(ctx context.Context, tx pgx.Tx, fairID, bookingID string, e Exhibitor) error {
	_, err := tx.Exec(ctx, `INSERT INTO matching.fair_exhibitors (fair_id, producer_id, booking_id, booth_code, product_ids)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM matching.fairs WHERE id = $1)
		ON CONFLICT (fair_id, producer_id) DO UPDATE SET booking_id = EXCLUDED.booking_id, booth_code = EXCLUDED.booth_code,
			product_ids = EXCLUDED.product_ids`, fairID, e.ProducerID, bookingID, e.BoothCode, e.ProductIDs)
	if err != nil {
		return fmt.Errorf("keeping exhibitor %s: %w", e.ProducerID, err)
	}
	return nil
}

// RemoveExhibitor forgets the exhibitor of a cancelled booking.
func (r *Repository) RemoveExhibitor(ctx context.Context, tx pgx.Tx, fairID, bookingID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM matching.fair_exhibitors WHERE fair_id = $1 AND booking_id = $2`, fairID, bookingID)
	return err
}

// SaveParticipant records a buyer attending a fair.
func (r *Repository) SaveParticipant(ctx context.Context, tx pgx.Tx, fairID, buyerID string) error {
	_, err := tx.Exec(ctx, `INSERT INTO matching.fair_participants (fair_id, buyer_id)
		SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM matching.fairs WHERE id = $1) ON CONFLICT DO NOTHING`, fairID, buyerID)
	return err
}

// SaveMeeting keeps a meeting's latest status.
func (r *Repository) SaveMeeting(ctx context.Context, tx pgx.Tx, id, fairID, status string, m FairMeeting) error {
	_, err := tx.Exec(ctx, `INSERT INTO matching.fair_meetings (id, fair_id, buyer_id, producer_id, table_no, starts_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status`,
		id, fairID, m.BuyerID, m.ProducerID, m.Table, m.StartsAt, status)
	return err
}

// Fair returns a kept fair.
func (r *Repository) Fair(ctx context.Context, id string) (Fair, error) {
	f, err := scanFair(r.pool.QueryRow(ctx, `SELECT `+fairColumns+` FROM matching.fairs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, errs.Errorf(errs.NotFound, "no published fair %s", id)
	}
	return f, err
}

// FairsAround returns the published fairs whose days overlap [from, to].
func (r *Repository) FairsAround(ctx context.Context, from, to time.Time) ([]Fair, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+fairColumns+` FROM matching.fairs
		WHERE status = 'published' AND ends_on >= $1 AND starts_on <= $2 ORDER BY starts_on, id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("finding fairs: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Fair, error) { return scanFair(row) })
}

// Exhibitors returns a fair's exhibitors.
func (r *Repository) Exhibitors(ctx context.Context, fairID string) ([]Exhibitor, error) {
	rows, err := r.pool.Query(ctx, `SELECT producer_id, booth_code, product_ids FROM matching.fair_exhibitors WHERE fair_id = $1 ORDER BY booth_code`, fairID)
	if err != nil {
		return nil, fmt.Errorf("loading exhibitors of %s: %w", fairID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Exhibitor, error) {
		var e Exhibitor
		err := row.Scan(&e.ProducerID, &e.BoothCode, &e.ProductIDs)
		return e, err
	})
}

// Participants returns the buyers attending a fair.
func (r *Repository) Participants(ctx context.Context, fairID string) ([]string, error) {
	rows, err := r.pool.Query(ctx, `SELECT buyer_id FROM matching.fair_participants WHERE fair_id = $1 ORDER BY buyer_id`, fairID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LiveMeetings returns a fair's requested and accepted meetings.
func (r *Repository) LiveMeetings(ctx context.Context, fairID string) ([]FairMeeting, error) {
	rows, err := r.pool.Query(ctx, `SELECT buyer_id, producer_id, table_no, starts_at FROM matching.fair_meetings
		WHERE fair_id = $1 AND status IN ('requested', 'accepted')`, fairID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (FairMeeting, error) {
		var m FairMeeting
		err := row.Scan(&m.BuyerID, &m.ProducerID, &m.Table, &m.StartsAt)
		return m, err
	})
}

// OpenDemandsOf returns the open demands of the buyers.
func (r *Repository) OpenDemandsOf(ctx context.Context, buyerIDs []string) ([]Demand, error) {
	rows, err := r.pool.Query(ctx, `SELECT id, buyer_id, version, status, demand, posted_at, matched_at FROM matching.demands
		WHERE buyer_id = ANY ($1) AND status = 'open' ORDER BY posted_at, id`, buyerIDs)
	if err != nil {
		return nil, fmt.Errorf("loading open demands: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Demand, error) {
		var (
			d   Demand
			id  string
			raw []byte
		)
		if err := row.Scan(&id, &d.BuyerID, &d.Version, &d.Status, &raw, &d.PostedAt, &d.MatchedAt); err != nil {
			return d, err
		}
		var err error
		d.Demand, err = decodeDemand(id, d.BuyerID, raw)
		return d, err
	})
}
