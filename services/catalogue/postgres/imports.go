package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// errDryRun rolls a dry run's transaction back after it did everything.
var errDryRun = errors.New("dry run")

// errRowFailed stops a batch written without savepoints at its first
// failing row, to write it again row by row.
var errRowFailed = errors.New("a row failed")

// Import implements app.Repository: fn runs in one transaction whose events
// are written to the outbox at the end; a dry run is rolled back.
//
// Most imports are clean, so the batch is first written all or nothing: its
// writes are sent together, without a savepoint per row, in one round trip
// instead of three a row (round trips were most of an import's time). Only
// when a row fails is that attempt undone and the batch written again with
// each row under its own savepoint, so the failing row alone is left out.
func (r *Repository) Import(ctx context.Context, dryRun bool, fn func(app.ImportTx) error) error {
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		itx, err := importOnce(ctx, tx, fn, true)
		if errors.Is(err, errRowFailed) {
			itx, err = importOnce(ctx, tx, fn, false)
		}
		if err != nil {
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

// importOnce runs fn under a savepoint, undone when fn fails.
func importOnce(ctx context.Context, tx pgx.Tx, fn func(app.ImportTx) error, withoutRowSavepoints bool) (*importTx, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening a savepoint: %w", err)
	}
	itx := &importTx{tx: sp}
	if withoutRowSavepoints {
		itx.pending = &pgx.Batch{}
	}
	err = fn(itx)
	if err == nil {
		err = itx.flush(ctx)
	}
	if err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return nil, fmt.Errorf("%w (and undoing the batch: %v)", err, rbErr)
		}
		return nil, err
	}
	return itx, sp.Commit(ctx)
}

// execer runs a write: a transaction, or the writes an all-or-nothing batch
// sends together.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// queue holds writes to send together; their errors come at the flush.
type queue struct{ b *pgx.Batch }

func (q queue) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.b.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

type importTx struct {
	tx     pgx.Tx
	events []events.Event
	// pending, in an all-or-nothing batch, holds the writes not sent yet;
	// a failing row fails the whole attempt (errRowFailed).
	pending *pgx.Batch
}

// db is where writes go.
func (t *importTx) db() execer {
	if t.pending != nil {
		return queue{t.pending}
	}
	return t.tx
}

// flush sends the pending writes, before a read that must see them.
func (t *importTx) flush(ctx context.Context) error {
	if t.pending == nil || t.pending.Len() == 0 {
		return nil
	}
	err := t.tx.SendBatch(ctx, t.pending).Close()
	t.pending = &pgx.Batch{}
	if err != nil {
		return errRowFailed
	}
	return nil
}

func (t *importTx) ProducersByCode(ctx context.Context, codes []string) (map[string]domain.Producer, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
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
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
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

func (t *importTx) ProductsOf(ctx context.Context, producerIDs []string) (map[string][]domain.Product, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE producer_id = ANY($1) ORDER BY id`, producerIDs)
	if err != nil {
		return nil, fmt.Errorf("loading the products of %d producers: %w", len(producerIDs), err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Product, error) { return scanProduct(row) })
	if err != nil {
		return nil, fmt.Errorf("loading the products of %d producers: %w", len(producerIDs), err)
	}
	out := make(map[string][]domain.Product, len(producerIDs))
	for _, p := range list {
		out[p.ProducerID] = append(out[p.ProducerID], p)
	}
	return out, nil
}

// Row runs fn under a savepoint: when it fails, only its writes are undone
// and the transaction goes on with the next row. Written all or nothing, a
// failing row stops the attempt instead; its error is not the row's, so
// that nothing takes the row alone for failed.
func (t *importTx) Row(ctx context.Context, fn func() error) error {
	if t.pending != nil {
		if err := fn(); err != nil {
			return errRowFailed
		}
		return nil
	}
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
	return insertProducer(ctx, t.db(), p)
}

func (t *importTx) UpdateProducer(ctx context.Context, p domain.Producer) error {
	return updateProducer(ctx, t.db(), p)
}

func (t *importTx) InsertProduct(ctx context.Context, p domain.Product) error {
	return insertProduct(ctx, t.db(), p)
}

func (t *importTx) UpdateProduct(ctx context.Context, p domain.Product) error {
	return updateProduct(ctx, t.db(), p)
}

func (t *importTx) Emit(evs ...events.Event) { t.events = append(t.events, evs...) }
