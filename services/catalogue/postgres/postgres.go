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
	return &Repository{pool: pool, outbox: events.NewOutbox(pool, Schema)}
}

const producerColumns = `id, name, kind, province, legacy_province, legacy_district, commune, lat, lon, email,
	registration_code, address, version, created_at, updated_at`

func scanProducer(row pgx.Row) (domain.Producer, error) {
	var p domain.Producer
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.Province, &p.LegacyProvince, &p.LegacyDistrict, &p.Commune,
		&p.Lat, &p.Lon, &p.Email, &p.RegistrationCode, &p.Address, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

func producerArgs(p domain.Producer) []any {
	return []any{p.ID, p.Name, p.Kind, p.Province, p.LegacyProvince, p.LegacyDistrict, p.Commune, p.Lat, p.Lon, p.Email,
		p.RegistrationCode, p.Address, p.Version, p.CreatedAt, p.UpdatedAt}
}

func insertProducer(ctx context.Context, tx execer, p domain.Producer) error {
	_, err := tx.Exec(ctx, `INSERT INTO catalogue.producers (`+producerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, producerArgs(p)...)
	switch {
	case pgplatform.IsUniqueViolation(err, "producers_pkey"):
		return errs.Errorf(errs.Conflict, "producer %s already exists", p.ID)
	case pgplatform.IsUniqueViolation(err, "producers_registration_code"):
		return errs.Errorf(errs.Conflict, "a producer with registration code %s is already registered", p.RegistrationCode)
	case err != nil:
		return fmt.Errorf("inserting producer %s: %w", p.ID, err)
	}
	return nil
}

func updateProducer(ctx context.Context, tx execer, p domain.Producer) error {
	_, err := tx.Exec(ctx, `UPDATE catalogue.producers SET name = $2, kind = $3, province = $4, legacy_province = $5,
		legacy_district = $6, commune = $7, lat = $8, lon = $9, email = $10, registration_code = $11, address = $12,
		version = $13, created_at = $14, updated_at = $15 WHERE id = $1`, producerArgs(p)...)
	if pgplatform.IsUniqueViolation(err, "producers_registration_code") {
		return errs.Errorf(errs.Conflict, "a producer with registration code %s is already registered", p.RegistrationCode)
	}
	if err != nil {
		return fmt.Errorf("updating producer %s: %w", p.ID, err)
	}
	return nil
}

// CreateProducer implements app.Repository.
func (r *Repository) CreateProducer(ctx context.Context, p domain.Producer, emit app.EmitProducer) error {
	return pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		if err := insertProducer(ctx, tx, p); err != nil {
			return err
		}
		evs, err := emit(ctx, p, nil)
		if err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// UpdateProducer implements app.Repository: the producer is locked, changed
// and written with its event and with a new event for each of its products,
// which carry the producer's place to matching.
func (r *Repository) UpdateProducer(ctx context.Context, id string, fn func(*domain.Producer) error, emit app.EmitProducer) (domain.Producer, error) {
	var out domain.Producer
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		p, err := scanProducer(tx.QueryRow(ctx, `SELECT `+producerColumns+` FROM catalogue.producers WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no producer %s", id)
		}
		if err != nil {
			return fmt.Errorf("loading producer %s: %w", id, err)
		}
		if err := fn(&p); err != nil {
			if errors.Is(err, app.ErrUnchanged) {
				out = p
				return nil
			}
			return err
		}
		if err := updateProducer(ctx, tx, p); err != nil {
			return err
		}
		out = p
		return r.emitProducer(ctx, tx, p, emit)
	})
	return out, err
}

// emitProducer writes the producer's event and one for each of its products.
func (r *Repository) emitProducer(ctx context.Context, tx pgx.Tx, p domain.Producer, emit app.EmitProducer) error {
	rows, err := tx.Query(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE producer_id = $1 ORDER BY id`, p.ID)
	if err != nil {
		return fmt.Errorf("loading products of %s: %w", p.ID, err)
	}
	products, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Product, error) { return scanProduct(row) })
	if err != nil {
		return fmt.Errorf("loading products of %s: %w", p.ID, err)
	}
	evs, err := emit(ctx, p, products)
	if err != nil {
		return err
	}
	return r.outbox.Add(ctx, tx, evs...)
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
