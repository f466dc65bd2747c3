// Package postgres stores demands, quotes, deals and buyers in the demand
// service's schema and writes each change's events to the outbox in the
// change's transaction.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

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
	return &Repository{pool: pool, outbox: events.NewOutbox(pool, Schema)}
}

// columns are those every change writes, in the order of args; allColumns
// adds created_at, which only CreateDemand writes.
const (
	columns = `id, buyer_id, buyer_kind, title, text, "group", quantity, unit, max_price_vnd, min_stars,
	required_certifications, delivery_province, delivery_lat, delivery_lon, needed_by, public, status, closed_reason,
	version, posted_at, updated_at`
	allColumns = columns + `, created_at`
)

func scan(row pgx.Row) (domain.Demand, error) {
	var d domain.Demand
	err := row.Scan(&d.ID, &d.BuyerID, &d.BuyerKind, &d.Title, &d.Text, &d.Group, &d.Quantity, &d.Unit, &d.MaxPriceVND,
		&d.MinStars, &d.RequiredCertifications, &d.DeliveryProvince, &d.DeliveryLat, &d.DeliveryLon, &d.NeededBy,
		&d.Public, &d.Status, &d.ClosedReason, &d.Version, &d.PostedAt, &d.UpdatedAt, &d.CreatedAt)
	return d, err
}

func args(d domain.Demand) []any {
	return []any{d.ID, d.BuyerID, d.BuyerKind, d.Title, d.Text, d.Group, d.Quantity, d.Unit, d.MaxPriceVND, d.MinStars,
		d.RequiredCertifications, d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon, d.NeededBy, d.Public, d.Status,
		d.ClosedReason, d.Version, d.PostedAt, d.UpdatedAt}
}

// CreateDemand implements app.Repository.
func (r *Repository) CreateDemand(ctx context.Context, d domain.Demand, evs []events.Event) error {
	// The demand and its events go in one round trip: a posted demand's
	// event waits for this transaction to end.
	return pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(`INSERT INTO demand.demands (`+allColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			append(args(d), d.CreatedAt)...)
		r.outbox.Queue(tx, &b, evs...)
		results := tx.SendBatch(ctx, &b)
		_, err := results.Exec()
		if err == nil {
			err = results.Close()
		} else {
			_ = results.Close()
		}
		if pgplatform.IsUniqueViolation(err, "demands_pkey") {
			return errs.Errorf(errs.Conflict, "demand %s already exists", d.ID)
		}
		if err != nil {
			return fmt.Errorf("inserting demand %s: %w", d.ID, err)
		}
		return nil
	})
}

func writeDemand(ctx context.Context, tx pgx.Tx, d domain.Demand) error {
	_, err := tx.Exec(ctx, `UPDATE demand.demands SET buyer_id = $2, buyer_kind = $3, title = $4, text = $5, "group" = $6,
		quantity = $7, unit = $8, max_price_vnd = $9, min_stars = $10, required_certifications = $11,
		delivery_province = $12, delivery_lat = $13, delivery_lon = $14, needed_by = $15, public = $16, status = $17,
		closed_reason = $18, version = $19, posted_at = $20, updated_at = $21,
		closed_at = CASE WHEN $17 IN ('awarded', 'closed', 'expired') THEN coalesce(closed_at, now()) END
		WHERE id = $1`, args(d)...)
	if err != nil {
		return fmt.Errorf("updating demand %s: %w", d.ID, err)
	}
	return nil
}

func lockDemand(ctx context.Context, tx pgx.Tx, id string) (domain.Demand, error) {
	d, err := scan(tx.QueryRow(ctx, `SELECT `+allColumns+` FROM demand.demands WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.Errorf(errs.NotFound, "no demand %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("loading demand %s: %w", id, err)
	}
	return d, nil
}

// UpdateDemand implements app.Repository.
func (r *Repository) UpdateDemand(ctx context.Context, id string, fn func(*domain.Demand) ([]events.Event, error)) (domain.Demand, error) {
	var out domain.Demand
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		d, err := lockDemand(ctx, tx, id)
		if err != nil {
			return err
		}
		version, updated := d.Version, d.UpdatedAt
		evs, err := fn(&d)
		if err != nil {
			return err
		}
		out = d
		// Every change stamps UpdatedAt; a no-op (publishing an open demand)
		// writes nothing.
		if d.Version == version && d.UpdatedAt.Equal(updated) {
			return nil
		}
		if err := writeDemand(ctx, tx, d); err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

// Demand implements app.Repository.
func (r *Repository) Demand(ctx context.Context, id string) (domain.Demand, error) {
	d, err := scan(r.pool.QueryRow(ctx, `SELECT `+allColumns+` FROM demand.demands WHERE id = $1`, id))
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
		where string
		a     []any
	)
	arg := func(v any) string {
		a = append(a, v)
		return "$" + strconv.Itoa(len(a))
	}
	and := func(cond string) {
		if where == "" {
			where = " WHERE " + cond
		} else {
			where += " AND " + cond
		}
	}
	if f.BuyerID != "" {
		and("buyer_id = " + arg(f.BuyerID))
	}
	if f.Status != "" {
		and("status = " + arg(f.Status))
	}
	if f.After != nil {
		and("(posted_at, id) < (" + arg(f.After.PostedAt) + ", " + arg(f.After.ID) + ")")
	}
	rows, err := r.pool.Query(ctx, `SELECT `+allColumns+` FROM demand.demands`+where+
		` ORDER BY posted_at DESC, id DESC LIMIT `+arg(f.Limit), a...)
	if err != nil {
		return nil, fmt.Errorf("listing demands: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Demand, error) { return scan(row) })
}

// ExpireDemands implements app.Repository.
func (r *Repository) ExpireDemands(ctx context.Context, today time.Time, fn func(*domain.Demand) (events.Event, error)) (int, error) {
	n := 0
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+allColumns+` FROM demand.demands
			WHERE status = 'open' AND needed_by < $1 ORDER BY id FOR UPDATE SKIP LOCKED`, today)
		if err != nil {
			return fmt.Errorf("finding demands past their date: %w", err)
		}
		due, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Demand, error) { return scan(row) })
		if err != nil {
			return err
		}
		evs := make([]events.Event, 0, len(due))
		for i := range due {
			ev, err := fn(&due[i])
			if err != nil {
				return err
			}
			if err := writeDemand(ctx, tx, due[i]); err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		n = len(due)
		return r.outbox.Add(ctx, tx, evs...)
	})
	return n, err
}

// ReplaceMatches implements app.Repository. A match for a demand this
// service no longer has (never, in practice) is ignored rather than retried.
func (r *Repository) ReplaceMatches(ctx context.Context, tx pgx.Tx, demandID string, matches []app.MatchedProduct) error {
	ranked := slices.SortedStableFunc(slices.Values(matches), func(a, b app.MatchedProduct) int { return a.Rank - b.Rank })
	products, producers := make([]string, len(ranked)), make([]string, len(ranked))
	for i, m := range ranked {
		products[i], producers[i] = m.ProductID, m.ProducerID
	}
	_, err := tx.Exec(ctx, `INSERT INTO demand.matches (demand_id, product_ids, producer_ids)
		SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM demand.demands WHERE id = $1)
		ON CONFLICT (demand_id) DO UPDATE SET product_ids = excluded.product_ids, producer_ids = excluded.producer_ids`,
		demandID, products, producers)
	if err != nil {
		return fmt.Errorf("recording matches of %s: %w", demandID, err)
	}
	return nil
}
