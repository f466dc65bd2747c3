// Package postgres stores fairs, booths and bookings in the fairs service's
// schema and writes each change's events to the outbox in its transaction.
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
	return &Repository{pool: pool, outbox: events.NewOutbox(Schema)}
}

// CreateFair implements app.Repository.
func (r *Repository) CreateFair(ctx context.Context, f domain.Fair, evs []events.Event) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO fairs.fairs (id, organiser_id, name, description, venue, province, lat, lon,
			starts_on, ends_on, groups, status, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			f.ID, f.OrganiserID, f.Name, f.Description, f.Venue, f.Province, f.Lat, f.Lon, f.StartsOn, f.EndsOn, f.Groups,
			f.Status, f.Version, f.CreatedAt, f.UpdatedAt)
		if pgplatform.IsUniqueViolation(err, "fairs_pkey") {
			return errs.Errorf(errs.Conflict, "fair %s already exists", f.ID)
		}
		if err != nil {
			return fmt.Errorf("inserting fair %s: %w", f.ID, err)
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// Fair implements app.Repository: the fair and its booths in code order,
// each with the booking holding it.
func (r *Repository) Fair(ctx context.Context, id string) (domain.Fair, []domain.Booth, error) {
	var f domain.Fair
	err := r.pool.QueryRow(ctx, `SELECT id, organiser_id, name, description, venue, province, lat, lon, starts_on, ends_on,
		groups, status, version, created_at, updated_at FROM fairs.fairs WHERE id = $1`, id).
		Scan(&f.ID, &f.OrganiserID, &f.Name, &f.Description, &f.Venue, &f.Province, &f.Lat, &f.Lon, &f.StartsOn, &f.EndsOn,
			&f.Groups, &f.Status, &f.Version, &f.CreatedAt, &f.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, nil, errs.Errorf(errs.NotFound, "no fair %s", id)
	}
	if err != nil {
		return f, nil, fmt.Errorf("loading fair %s: %w", id, err)
	}
	rows, err := r.pool.Query(ctx, `SELECT b.id, b.fair_id, b.code, b.type, b.price_vnd, b.width_m, b.depth_m, b.created_at,
			k.id, k.producer_id, k.booked_at
		FROM fairs.booths b LEFT JOIN fairs.bookings k ON k.booth_id = b.id AND k.status = 'confirmed'
		WHERE b.fair_id = $1 ORDER BY b.code`, id)
	if err != nil {
		return f, nil, fmt.Errorf("loading booths of %s: %w", id, err)
	}
	booths, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Booth, error) {
		var (
			b                   domain.Booth
			bookingID, producer *string
			bookedAt            *time.Time
		)
		if err := row.Scan(&b.ID, &b.FairID, &b.Code, &b.Type, &b.PriceVND, &b.WidthM, &b.DepthM, &b.CreatedAt,
			&bookingID, &producer, &bookedAt); err != nil {
			return b, err
		}
		if bookingID != nil {
			b.Booking = &domain.Booking{ID: *bookingID, FairID: b.FairID, BoothID: b.ID, BoothCode: b.Code, ProducerID: *producer, BookedAt: *bookedAt}
		}
		return b, nil
	})
	return f, booths, err
}

// AddBooth implements app.Repository.
func (r *Repository) AddBooth(ctx context.Context, b domain.Booth, evs []events.Event) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO fairs.booths (id, fair_id, code, type, price_vnd, width_m, depth_m, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, b.ID, b.FairID, b.Code, b.Type, b.PriceVND, b.WidthM, b.DepthM, b.CreatedAt)
		if pgplatform.IsUniqueViolation(err, "booths_code_unique") {
			return errs.Errorf(errs.Conflict, "fair %s already has a booth %s", b.FairID, b.Code)
		}
		if err != nil {
			return fmt.Errorf("inserting booth %s: %w", b.Code, err)
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// Book implements app.Repository. The partial unique indexes decide races:
// of two concurrent bookings of one booth, the second insert fails.
func (r *Repository) Book(ctx context.Context, bk domain.Booking, emit func(domain.Booking) ([]events.Event, error)) (domain.Booking, error) {
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT code FROM fairs.booths WHERE id = $1 AND fair_id = $2`, bk.BoothID, bk.FairID).Scan(&bk.BoothCode)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "fair %s has no booth %s", bk.FairID, bk.BoothID)
		}
		if err != nil {
			return fmt.Errorf("loading booth %s: %w", bk.BoothID, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO fairs.bookings (id, fair_id, booth_id, producer_id, status, booked_at)
			VALUES ($1, $2, $3, $4, 'confirmed', $5)`, bk.ID, bk.FairID, bk.BoothID, bk.ProducerID, bk.BookedAt)
		switch {
		case pgplatform.IsUniqueViolation(err, "bookings_booth_once"):
			return errs.Errorf(errs.Conflict, "booth %s is already booked: choose another booth", bk.BoothCode)
		case pgplatform.IsUniqueViolation(err, "bookings_producer_once"):
			return errs.Errorf(errs.Conflict, "producer %s already holds a booth at fair %s", bk.ProducerID, bk.FairID)
		case err != nil:
			return fmt.Errorf("booking booth %s: %w", bk.BoothID, err)
		}
		evs, err := emit(bk)
		if err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return bk, err
}
