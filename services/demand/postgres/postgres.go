// Package postgres stores demands in the demand service's schema and writes
// each change's events to the outbox in the change's transaction.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Schema is the demand service's Postgres schema.
const Schema = "demand"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the demand service's own tables.
var Migrations = pgplatform.Source{Name: "demand", FS: migrations}

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

const columns = `id, buyer_id, buyer_kind, title, text, "group", quantity, unit, max_price_vnd, min_stars,
	required_certifications, delivery_province, delivery_lat, delivery_lon, needed_by, status, version, posted_at, updated_at`

func scan(row pgx.Row) (domain.Demand, error) {
	var d domain.Demand
	err := row.Scan(&d.ID, &d.BuyerID, &d.BuyerKind, &d.Title, &d.Text, &d.Group, &d.Quantity, &d.Unit, &d.MaxPriceVND,
		&d.MinStars, &d.RequiredCertifications, &d.DeliveryProvince, &d.DeliveryLat, &d.DeliveryLon, &d.NeededBy,
		&d.Status, &d.Version, &d.PostedAt, &d.UpdatedAt)
	return d, err
}

// Create implements app.Repository.
func (r *Repository) Create(ctx context.Context, d domain.Demand, evs []events.Event) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO demand.demands (`+columns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
			d.ID, d.BuyerID, d.BuyerKind, d.Title, d.Text, d.Group, d.Quantity, d.Unit, d.MaxPriceVND, d.MinStars,
			d.RequiredCertifications, d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon, d.NeededBy, d.Status, d.Version,
			d.PostedAt, d.UpdatedAt)
		if pgplatform.IsUniqueViolation(err, "demands_pkey") {
			return errs.Errorf(errs.Conflict, "demand %s already exists", d.ID)
		}
		if err != nil {
			return fmt.Errorf("inserting demand %s: %w", d.ID, err)
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// Demand implements app.Repository.
func (r *Repository) Demand(ctx context.Context, id string) (domain.Demand, error) {
	d, err := scan(r.pool.QueryRow(ctx, `SELECT `+columns+` FROM demand.demands WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.Errorf(errs.NotFound, "no demand %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("loading demand %s: %w", id, err)
	}
	return d, nil
}

// List implements app.Repository: newest first, after the cursor.
func (r *Repository) List(ctx context.Context, f app.ListFilter) ([]domain.Demand, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.BuyerID != "" {
		where = append(where, "buyer_id = "+arg(f.BuyerID))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.After != nil {
		where = append(where, "(posted_at, id) < ("+arg(f.After.PostedAt)+", "+arg(f.After.ID)+")")
	}
	sql := `SELECT ` + columns + ` FROM demand.demands`
	for i, w := range where {
		if i == 0 {
			sql += " WHERE " + w
		} else {
			sql += " AND " + w
		}
	}
	sql += " ORDER BY posted_at DESC, id DESC LIMIT " + arg(f.Limit)
	rows, err := r.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("listing demands: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Demand, error) { return scan(row) })
}
