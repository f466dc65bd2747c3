package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// errDryRun rolls a dry run's transaction back after it did everything.
var errDryRun = errors.New("dry run")

// Import implements app.Repository: fn runs in one transaction whose events
// are written to the outbox at the end; a dry run is rolled back.
func (r *Repository) Import(ctx context.Context, dryRun bool, fn func(app.ImportTx) error) error {
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		itx := &importTx{tx: tx}
		if err := fn(itx); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return r.outbox.Add(ctx, tx, itx.events...)
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

type importTx struct {
	tx     pgx.Tx
	events []events.Event
}

func (t *importTx) ProducersByCode(ctx context.Context, codes []string) (map[string]domain.Producer, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+producerColumns+` FROM catalogue.producers
		WHERE registration_code = ANY ($1) AND registration_code <> '' FOR UPDATE`, codes)
	if err != nil {
		return nil, fmt.Errorf("loading producers by code: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Producer, error) { return scanProducer(row) })
	if err != nil {
		return nil, fmt.Errorf("loading producers by code: %w", err)
	}
	out := make(map[string]domain.Producer, len(list))
	for _, p := range list {
		out[p.RegistrationCode] = p
	}
	return out, nil
}

func (t *importTx) ProductsByKey(ctx context.Context, keys []app.ProductKey) (map[app.ProductKey]domain.Product, error) {
	producers := make([]string, len(keys))
	names := make([]string, len(keys))
	for i, k := range keys {
		producers[i], names[i] = k.ProducerID, k.Name
	}
	rows, err := t.tx.Query(ctx, `SELECT `+qualified(productColumns, "p")+` FROM catalogue.products p
		JOIN unnest($1::text[], $2::text[]) AS k(producer_id, name) ON p.producer_id = k.producer_id AND lower(p.name) = k.name
		FOR UPDATE OF p`, producers, names)
	if err != nil {
		return nil, fmt.Errorf("loading products by name: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Product, error) { return scanProduct(row) })
	if err != nil {
		return nil, fmt.Errorf("loading products by name: %w", err)
	}
	out := make(map[app.ProductKey]domain.Product, len(list))
	for _, p := range list {
		out[app.ProductKey{ProducerID: p.ProducerID, Name: strings.ToLower(p.Name)}] = p
	}
	return out, nil
}

func (t *importTx) ProductsOf(ctx context.Context, producerID string) ([]domain.Product, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE producer_id = $1 ORDER BY id`, producerID)
	if err != nil {
		return nil, fmt.Errorf("loading products of %s: %w", producerID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Product, error) { return scanProduct(row) })
}

// Row runs fn under a savepoint: when it fails, only its writes are undone
// and the transaction goes on with the next row.
func (t *importTx) Row(ctx context.Context, fn func() error) error {
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("opening a savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return fmt.Errorf("%w (and undoing the row: %v)", err, rbErr)
		}
		return err
	}
	return sp.Commit(ctx)
}

func (t *importTx) InsertProducer(ctx context.Context, p domain.Producer) error {
	return insertProducer(ctx, t.tx, p)
}

func (t *importTx) UpdateProducer(ctx context.Context, p domain.Producer) error {
	return updateProducer(ctx, t.tx, p)
}

func (t *importTx) InsertProduct(ctx context.Context, p domain.Product) error {
	return insertProduct(ctx, t.tx, p)
}

func (t *importTx) UpdateProduct(ctx context.Context, p domain.Product) error {
	return updateProduct(ctx, t.tx, p)
}

func (t *importTx) Emit(evs ...events.Event) { t.events = append(t.events, evs...) }
