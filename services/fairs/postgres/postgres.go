// Package postgres stores fairs, their floors, applications, bookings,
// participants and meetings in the fairs service's schema, and writes each
// change's events to the outbox in the change's transaction.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// Schema is the fairs service's Postgres schema.
const Schema = "fairs"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the fairs service's own tables.
var Migrations = pgplatform.Source{Name: "fairs", FS: migrations}

// Repository implements app.Repository.
type Repository struct {
	pool   *pgxpool.Pool
	outbox *events.Outbox
}

var _ app.Repository = (*Repository)(nil)

// New returns the repository over pool.
func New(pool *pgxpool.Pool) *Repository {
	return &Repository{pool: pool, outbox: events.NewOutbox(pool, Schema)}
}

// InTx implements app.Repository.
func (r *Repository) InTx(ctx context.Context, fn func(app.Tx) error) error {
	return pgplatform.InTx(ctx, r.pool, func(pt pgx.Tx) error {
		t := &tx{tx: pt}
		if err := fn(t); err != nil {
			return err
		}
		return r.outbox.Add(ctx, pt, t.events...)
	})
}

type tx struct {
	tx     pgx.Tx
	events []events.Event
}

var _ app.Tx = (*tx)(nil)

func (t *tx) Emit(evs ...events.Event) { t.events = append(t.events, evs...) }

const fairColumns = `id, organiser_id, name, description, venue, province, lat, lon, starts_on, ends_on, groups, categories,
	applications_open_on, applications_close_on, meeting_slot_minutes, meeting_day_start, meeting_day_end, meeting_tables,
	status, version, created_at, updated_at`

func scanFair(row pgx.Row) (domain.Fair, error) {
	var f domain.Fair
	p := &f.Meetings
	err := row.Scan(&f.ID, &f.OrganiserID, &f.Name, &f.Description, &f.Venue, &f.Province, &f.Lat, &f.Lon, &f.StartsOn, &f.EndsOn,
		&f.Groups, &f.Categories, &f.ApplicationsOpenOn, &f.ApplicationsCloseOn, &p.SlotMinutes, &p.DayStart, &p.DayEnd, &p.Tables,
		&f.Status, &f.Version, &f.CreatedAt, &f.UpdatedAt)
	return f, err
}

func fairArgs(f domain.Fair) []any {
	p := f.Meetings
	return []any{f.ID, f.OrganiserID, f.Name, f.Description, f.Venue, f.Province, f.Lat, f.Lon, f.StartsOn, f.EndsOn,
		f.Groups, f.Categories, f.ApplicationsOpenOn, f.ApplicationsCloseOn, p.SlotMinutes, p.DayStart, p.DayEnd, p.Tables,
		f.Status, f.Version, f.CreatedAt, f.UpdatedAt}
}

func (t *tx) Fair(ctx context.Context, id string, lock bool) (domain.Fair, error) {
	sql := `SELECT ` + fairColumns + ` FROM fairs.fairs WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	f, err := scanFair(t.tx.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, errs.Errorf(errs.NotFound, "no fair %s", id)
	}
	if err != nil {
		return f, fmt.Errorf("loading fair %s: %w", id, err)
	}
	return f, nil
}

func (t *tx) InsertFair(ctx context.Context, f domain.Fair) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.fairs (`+fairColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`, fairArgs(f)...)
	if pgplatform.IsUniqueViolation(err, "fairs_pkey") {
		return errs.Errorf(errs.Conflict, "fair %s already exists", f.ID)
	}
	if err != nil {
		return fmt.Errorf("inserting fair %s: %w", f.ID, err)
	}
	return nil
}

func (t *tx) UpdateFair(ctx context.Context, f domain.Fair) error {
	_, err := t.tx.Exec(ctx, `UPDATE fairs.fairs SET organiser_id = $2, name = $3, description = $4, venue = $5, province = $6,
		lat = $7, lon = $8, starts_on = $9, ends_on = $10, groups = $11, categories = $12, applications_open_on = $13,
		applications_close_on = $14, meeting_slot_minutes = $15, meeting_day_start = $16, meeting_day_end = $17,
		meeting_tables = $18, status = $19, version = $20, created_at = $21, updated_at = $22 WHERE id = $1`, fairArgs(f)...)
	if err != nil {
		return fmt.Errorf("updating fair %s: %w", f.ID, err)
	}
	return nil
}

func (t *tx) Halls(ctx context.Context, fairID string) ([]domain.Hall, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, fair_id, name, width, height FROM fairs.halls WHERE fair_id = $1 ORDER BY name`, fairID)
	if err != nil {
		return nil, fmt.Errorf("loading halls of %s: %w", fairID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Hall, error) {
		var h domain.Hall
		err := row.Scan(&h.ID, &h.FairID, &h.Name, &h.Width, &h.Height)
		return h, err
	})
}

func (t *tx) Hall(ctx context.Context, fairID, id string) (domain.Hall, error) {
	var h domain.Hall
	err := t.tx.QueryRow(ctx, `SELECT id, fair_id, name, width, height FROM fairs.halls WHERE id = $1 AND fair_id = $2 FOR UPDATE`, id, fairID).
		Scan(&h.ID, &h.FairID, &h.Name, &h.Width, &h.Height)
	if errors.Is(err, pgx.ErrNoRows) {
		var v errs.Validation
		v.Add("hall_id", "fair %s has no hall %s", fairID, id)
		return h, v.Err()
	}
	if err != nil {
		return h, fmt.Errorf("loading hall %s: %w", id, err)
	}
	return h, nil
}

func (t *tx) InsertHall(ctx context.Context, h domain.Hall) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.halls (id, fair_id, name, width, height) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, h.FairID, h.Name, h.Width, h.Height)
	if pgplatform.IsUniqueViolation(err, "halls_name_unique") {
		return errs.Errorf(errs.Conflict, "fair %s already has a hall named %q", h.FairID, h.Name)
	}
	if err != nil {
		return fmt.Errorf("inserting hall: %w", err)
	}
	return nil
}

func (t *tx) BoothTypes(ctx context.Context, fairID string) ([]domain.BoothType, error) {
	rows, err := t.tx.Query(ctx, `SELECT fair_id, type, price_vnd, min_stars, groups FROM fairs.booth_types WHERE fair_id = $1 ORDER BY type`, fairID)
	if err != nil {
		return nil, fmt.Errorf("loading booth types of %s: %w", fairID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.BoothType, error) {
		var bt domain.BoothType
		err := row.Scan(&bt.FairID, &bt.Type, &bt.PriceVND, &bt.MinStars, &bt.Groups)
		return bt, err
	})
}

func (t *tx) SaveBoothType(ctx context.Context, bt domain.BoothType) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.booth_types (fair_id, type, price_vnd, min_stars, groups) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (fair_id, type) DO UPDATE SET price_vnd = EXCLUDED.price_vnd, min_stars = EXCLUDED.min_stars, groups = EXCLUDED.groups`,
		bt.FairID, bt.Type, bt.PriceVND, bt.MinStars, bt.Groups)
	if err != nil {
		return fmt.Errorf("saving booth type %s: %w", bt.Type, err)
	}
	return nil
}

func (t *tx) Booths(ctx context.Context, fairID string) ([]domain.Booth, error) {
	rows, err := t.tx.Query(ctx, `SELECT b.id, b.fair_id, coalesce(b.hall_id, ''), b.code, b.type, b.price_vnd, b.x, b.y, b.w, b.h,
			nullif(b.width_m, 0), nullif(b.depth_m, 0), b.created_at, k.id, k.producer_id, k.booked_at, k.application_id
		FROM fairs.booths b LEFT JOIN fairs.bookings k ON k.booth_id = b.id AND k.status = 'confirmed'
		WHERE b.fair_id = $1 ORDER BY b.code`, fairID)
	if err != nil {
		return nil, fmt.Errorf("loading booths of %s: %w", fairID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Booth, error) {
		var (
			b                   domain.Booth
			bookingID, producer *string
			bookedAt            *time.Time
			applicationID       *string
		)
		if err := row.Scan(&b.ID, &b.FairID, &b.HallID, &b.Code, &b.Type, &b.PriceVND, &b.X, &b.Y, &b.W, &b.H, &b.WidthM, &b.DepthM, &b.CreatedAt,
			&bookingID, &producer, &bookedAt, &applicationID); err != nil {
			return b, err
		}
		if bookingID != nil {
			b.Booking = &domain.Booking{ID: *bookingID, FairID: b.FairID, BoothID: b.ID, BoothCode: b.Code, ProducerID: *producer, BookedAt: *bookedAt}
			if applicationID != nil {
				b.Booking.ApplicationID = *applicationID
			}
		}
		return b, nil
	})
}

func (t *tx) InsertBooth(ctx context.Context, b domain.Booth) error {
	var hall *string
	if b.HallID != "" {
		hall = &b.HallID
	}
	// A size not given is 0 in the table and nil in Go.
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.booths (id, fair_id, hall_id, code, type, price_vnd, width_m, depth_m, x, y, w, h, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::double precision, 0), coalesce($8::double precision, 0), $9, $10, $11, $12, $13)`,
		b.ID, b.FairID, hall, b.Code, b.Type, b.PriceVND, b.WidthM, b.DepthM, b.X, b.Y, b.W, b.H, b.CreatedAt)
	if pgplatform.IsUniqueViolation(err, "booths_code_unique") {
		return errs.Errorf(errs.Conflict, "fair %s already has a booth %s", b.FairID, b.Code)
	}
	if err != nil {
		return fmt.Errorf("inserting booth %s: %w", b.Code, err)
	}
	return nil
}

func (t *tx) Products(ctx context.Context, ids []string) ([]domain.Product, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, producer_id, producer_name, name, "group", category, stars, expires_on, withdrawn, version
		FROM fairs.products WHERE id = ANY ($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading products: %w", err)
	}
	return pgx.CollectRows(rows, scanProduct)
}

func scanProduct(row pgx.CollectableRow) (domain.Product, error) {
	var p domain.Product
	err := row.Scan(&p.ID, &p.ProducerID, &p.ProducerName, &p.Name, &p.Group, &p.Category, &p.Stars, &p.ExpiresOn, &p.Withdrawn, &p.Version)
	return p, err
}

// UpsertProduct implements app.Repository.
func (r *Repository) UpsertProduct(ctx context.Context, pt pgx.Tx, p domain.Product) error {
	_, err := pt.Exec(ctx, `INSERT INTO fairs.products (id, producer_id, producer_name, name, "group", category, stars, expires_on, withdrawn, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET producer_id = EXCLUDED.producer_id, producer_name = EXCLUDED.producer_name,
			name = EXCLUDED.name, "group" = EXCLUDED."group", category = EXCLUDED.category, stars = EXCLUDED.stars,
			expires_on = EXCLUDED.expires_on, withdrawn = EXCLUDED.withdrawn, version = EXCLUDED.version
		WHERE fairs.products.version <= EXCLUDED.version`,
		p.ID, p.ProducerID, p.ProducerName, p.Name, p.Group, p.Category, p.Stars, p.ExpiresOn, p.Withdrawn, p.Version)
	if err != nil {
		return fmt.Errorf("keeping product %s: %w", p.ID, err)
	}
	return nil
}

// RecordQuote implements app.Repository.
func (r *Repository) RecordQuote(ctx context.Context, pt pgx.Tx, id, buyerID, producerID string, at time.Time) error {
	_, err := pt.Exec(ctx, `INSERT INTO fairs.quotes (id, buyer_id, producer_id, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		id, buyerID, producerID, at)
	return err
}
