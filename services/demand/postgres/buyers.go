package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/errs"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/demand/domain"
)

const buyerColumns = `id, name, kind, province, lat, lon, address, email, created_at, updated_at`

func scanBuyer(row pgx.Row) (domain.Buyer, error) {
	var b domain.Buyer
	err := row.Scan(&b.ID, &b.Name, &b.Kind, &b.Province, &b.Lat, &b.Lon, &b.Address, &b.Email, &b.CreatedAt, &b.UpdatedAt)
	return b, err
}

// CreateBuyer implements app.Repository.
func (r *Repository) CreateBuyer(ctx context.Context, b domain.Buyer) error {
	_, err := r.pool.Exec(ctx, `INSERT INTO demand.buyers (`+buyerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		b.ID, b.Name, b.Kind, b.Province, b.Lat, b.Lon, b.Address, b.Email, b.CreatedAt, b.UpdatedAt)
	if pgplatform.IsUniqueViolation(err, "buyers_pkey") {
		return errs.Errorf(errs.Conflict, "buyer %s is already registered", b.ID)
	}
	if err != nil {
		return fmt.Errorf("inserting buyer %s: %w", b.ID, err)
	}
	return nil
}

// UpdateBuyer implements app.Repository.
func (r *Repository) UpdateBuyer(ctx context.Context, id string, fn func(*domain.Buyer) error) (domain.Buyer, error) {
	var out domain.Buyer
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		b, err := scanBuyer(tx.QueryRow(ctx, `SELECT `+buyerColumns+` FROM demand.buyers WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no buyer %s", id)
		}
		if err != nil {
			return fmt.Errorf("loading buyer %s: %w", id, err)
		}
		if err := fn(&b); err != nil {
			return err
		}
		out = b
		_, err = tx.Exec(ctx, `UPDATE demand.buyers SET name = $2, kind = $3, province = $4, lat = $5, lon = $6, address = $7,
			email = $8, updated_at = $9 WHERE id = $1`, b.ID, b.Name, b.Kind, b.Province, b.Lat, b.Lon, b.Address, b.Email, b.UpdatedAt)
		return err
	})
	return out, err
}

// Buyer implements app.Repository.
func (r *Repository) Buyer(ctx context.Context, id string) (domain.Buyer, error) {
	b, err := scanBuyer(r.pool.QueryRow(ctx, `SELECT `+buyerColumns+` FROM demand.buyers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, errs.Errorf(errs.NotFound, "no buyer %s", id)
	}
	if err != nil {
		return b, fmt.Errorf("loading buyer %s: %w", id, err)
	}
	return b, nil
}
