// Package postgres holds what every service needs of PostgreSQL: a pgx pool,
// schema-per-service migrations embedded in the binary, transactions and the
// idempotency-key store.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Connect opens a pool and checks that the server answers, so a wrong URL
// fails at start with a message naming the server rather than at first use.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 20
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("PostgreSQL at %s:%d (database %q) does not answer: %w; start it or set DATABASE_URL",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// EnsureDatabase creates the database named in url when it does not exist yet,
// so a developer's first `make run` needs no manual createdb.
func EnsureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s:%d does not answer: %w; start it or set DATABASE_URL", cfg.Host, cfg.Port, err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("checking for database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating database %q: %w", name, err)
	}
	return nil
}

// Querier is what both a pool and a transaction offer.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InTx runs fn in a transaction, committing when it returns nil, then
// runs what fn registered with AfterCommit.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	c := &committing{Tx: tx}
	if err := fn(c); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	for _, f := range c.after {
		f()
	}
	return nil
}

// committing is a transaction begun by InTx, with what to run once it has
// committed.
type committing struct {
	pgx.Tx
	after []func()
}

// AfterCommit has fn run once tx has committed and reports true when tx was
// begun by InTx. Otherwise it reports false and fn is never run: the caller
// then wakes whoever waits on the commit another way, such as a NOTIFY in
// the transaction. A NOTIFY holds PostgreSQL's one notification lock from
// the commit until its WAL is flushed, so committing transactions that send
// one wait on each other; a wake-up after the commit does not.
func AfterCommit(tx pgx.Tx, fn func()) bool {
	c, ok := tx.(*committing)
	if ok {
		c.after = append(c.after, fn)
	}
	return ok
}

// IsUniqueViolation reports whether err is a unique-constraint violation,
// optionally of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// Source is one set of migrations: an embedded migrations/ directory of files
// named NNNN_what.sql, applied in name order.
type Source struct {
	Name string
	FS   fs.FS
}

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Migrate applies, in one transaction, every migration of the sources not yet
// applied to the service's schema. Unqualified names in the SQL land in that
// schema. Concurrent starts of the same service wait for each other.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string, sources ...Source) error {
	if !schemaName.MatchString(schema) {
		return fmt.Errorf("schema name %q: use lowercase letters, digits and underscores", schema)
	}
	return InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ocop.migrate.' || $1))`, schema); err != nil {
			return fmt.Errorf("locking migrations of %s: %w", schema, err)
		}
		ident := pgx.Identifier{schema}.Sanitize()
		setup := "CREATE SCHEMA IF NOT EXISTS " + ident + "; SET LOCAL search_path TO " + ident + `;
			CREATE TABLE IF NOT EXISTS schema_migrations (
				source text NOT NULL,
				name text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now(),
				PRIMARY KEY (source, name))`
		if _, err := tx.Exec(ctx, setup); err != nil {
			return fmt.Errorf("preparing schema %s: %w", schema, err)
		}
		for _, src := range sources {
			if err := applySource(ctx, tx, schema, src); err != nil {
				return err
			}
		}
		return nil
	})
}

func applySource(ctx context.Context, tx pgx.Tx, schema string, src Source) error {
	names, err := fs.Glob(src.FS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("listing %s migrations: %w", src.Name, err)
	}
	sort.Strings(names)
	for _, name := range names {
		var done bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE source = $1 AND name = $2)`, src.Name, path.Base(name)).Scan(&done)
		if err != nil {
			return fmt.Errorf("reading applied migrations of %s: %w", schema, err)
		}
		if done {
			continue
		}
		sql, err := fs.ReadFile(src.FS, name)
		if err != nil {
			return fmt.Errorf("reading migration %s/%s: %w", src.Name, name, err)
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("applying migration %s/%s to schema %s: %w", src.Name, name, schema, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (source, name) VALUES ($1, $2)`, src.Name, path.Base(name)); err != nil {
			return fmt.Errorf("recording migration %s/%s: %w", src.Name, name, err)
		}
	}
	return nil
}
