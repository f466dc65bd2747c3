// Package postgres stores the catalogue in its own schema and writes each
// change's events to the outbox in the change's transaction.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// Schema is the catalogue's Postgres schema.
const Schema = "catalogue"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the catalogue's own tables.
var Migrations = pgplatform.Source{Name: "catalogue", FS: migrations}

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

const producerColumns = `id, name, kind, province, legacy_province, legacy_district, commune, lat, lon, email, version, created_at, updated_at`

func scanProducer(row pgx.Row) (domain.Producer, error) {
	var p domain.Producer
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.Province, &p.LegacyProvince, &p.LegacyDistrict, &p.Commune,
		&p.Lat, &p.Lon, &p.Email, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

const productColumns = `id, producer_id, name, description, "group", category, ocop_stars, ocop_year,
	ocop_certified_on, ocop_expires_on, certifications, unit, price_vnd, monthly_capacity, min_order,
	seasonal_months, shelf_life_days, tags, withdrawn_at, version, created_at, updated_at`

func scanProduct(row pgx.Row) (domain.Product, error) {
	var p domain.Product
	var months []int16
	err := row.Scan(&p.ID, &p.ProducerID, &p.Name, &p.Description, &p.Group, &p.Category, &p.OCOPStars, &p.OCOPYear,
		&p.OCOPCertifiedOn, &p.OCOPExpiresOn, &p.Certifications, &p.Unit, &p.PriceVND, &p.MonthlyCapacity, &p.MinOrder,
		&months, &p.ShelfLifeDays, &p.Tags, &p.WithdrawnAt, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	for _, m := range months {
		p.SeasonalMonths = append(p.SeasonalMonths, int(m))
	}
	return p, err
}

func productArgs(p domain.Product) []any {
	months := make([]int16, len(p.SeasonalMonths))
	for i, m := range p.SeasonalMonths {
		months[i] = int16(m)
	}
	return []any{p.ID, p.ProducerID, p.Name, p.Description, p.Group, p.Category, p.OCOPStars, p.OCOPYear,
		p.OCOPCertifiedOn, p.OCOPExpiresOn, p.Certifications, p.Unit, p.PriceVND, p.MonthlyCapacity, p.MinOrder,
		months, p.ShelfLifeDays, p.Tags, p.WithdrawnAt, p.Version, p.CreatedAt, p.UpdatedAt}
}

// CreateProducer implements app.Repository.
func (r *Repository) CreateProducer(ctx context.Context, p domain.Producer, emit func(context.Context, domain.Producer) ([]events.Event, error)) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO catalogue.producers (`+producerColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			p.ID, p.Name, p.Kind, p.Province, p.LegacyProvince, p.LegacyDistrict, p.Commune, p.Lat, p.Lon, p.Email,
			p.Version, p.CreatedAt, p.UpdatedAt)
		if pgplatform.IsUniqueViolation(err, "producers_pkey") {
			return errs.Errorf(errs.Conflict, "producer %s already exists", p.ID)
		}
		if err != nil {
			return fmt.Errorf("inserting producer %s: %w", p.ID, err)
		}
		evs, err := emit(ctx, p)
		if err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// Producer implements app.Repository.
func (r *Repository) Producer(ctx context.Context, id string) (domain.Producer, error) {
	p, err := scanProducer(r.pool.QueryRow(ctx, `SELECT `+producerColumns+` FROM catalogue.producers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errs.Errorf(errs.NotFound, "no producer %s", id)
	}
	if err != nil {
		return p, fmt.Errorf("loading producer %s: %w", id, err)
	}
	return p, nil
}

// CreateProduct implements app.Repository.
func (r *Repository) CreateProduct(ctx context.Context, p domain.Product, emit app.Emit) (domain.Product, error) {
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		producer, err := scanProducer(tx.QueryRow(ctx, `SELECT `+producerColumns+` FROM catalogue.producers WHERE id = $1 FOR SHARE`, p.ProducerID))
		if errors.Is(err, pgx.ErrNoRows) {
			var v errs.Validation
			v.Add("producer_id", "no producer %s: register the producer first", p.ProducerID)
			return v.Err()
		}
		if err != nil {
			return fmt.Errorf("loading producer %s: %w", p.ProducerID, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO catalogue.products (`+productColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			productArgs(p)...)
		if pgplatform.IsUniqueViolation(err, "products_pkey") {
			return errs.Errorf(errs.Conflict, "product %s already exists", p.ID)
		}
		if err != nil {
			return fmt.Errorf("inserting product %s: %w", p.ID, err)
		}
		evs, err := emit(ctx, p, producer)
		if err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return p, err
}

// Product implements app.Repository.
func (r *Repository) Product(ctx context.Context, id string) (domain.Product, error) {
	p, err := scanProduct(r.pool.QueryRow(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errs.Errorf(errs.NotFound, "no product %s", id)
	}
	if err != nil {
		return p, fmt.Errorf("loading product %s: %w", id, err)
	}
	return p, nil
}

// UpdateProduct implements app.Repository: the product is locked, changed by
// fn and written with its events in one transaction.
func (r *Repository) UpdateProduct(ctx context.Context, id string, fn func(*domain.Product) error, emit app.Emit) (domain.Product, error) {
	var out domain.Product
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		p, err := scanProduct(tx.QueryRow(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no product %s", id)
		}
		if err != nil {
			return fmt.Errorf("loading product %s: %w", id, err)
		}
		if err := fn(&p); err != nil {
			if errors.Is(err, app.ErrUnchanged) {
				out = p
				return nil
			}
			return err
		}
		args := productArgs(p)
		_, err = tx.Exec(ctx, `UPDATE catalogue.products SET producer_id = $2, name = $3, description = $4, "group" = $5,
			category = $6, ocop_stars = $7, ocop_year = $8, ocop_certified_on = $9, ocop_expires_on = $10,
			certifications = $11, unit = $12, price_vnd = $13, monthly_capacity = $14, min_order = $15,
			seasonal_months = $16, shelf_life_days = $17, tags = $18, withdrawn_at = $19, version = $20,
			created_at = $21, updated_at = $22 WHERE id = $1`, args...)
		if err != nil {
			return fmt.Errorf("updating product %s: %w", id, err)
		}
		producer, err := scanProducer(tx.QueryRow(ctx, `SELECT `+producerColumns+` FROM catalogue.producers WHERE id = $1`, p.ProducerID))
		if err != nil {
			return fmt.Errorf("loading producer %s: %w", p.ProducerID, err)
		}
		evs, err := emit(ctx, p, producer)
		if err != nil {
			return err
		}
		out = p
		return r.outbox.Add(ctx, tx, evs...)
	})
	return out, err
}
