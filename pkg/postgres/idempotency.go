package postgres

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the platform tables every service schema carries (idempotency keys).
var Migrations = Source{Name: "platform", FS: migrations}

// abandonAfter is how long a claimed key may stay unanswered before a retry
// may run the request again: longer than any request can take.
const abandonAfter = 2 * time.Minute

// IdempotencyStore keeps Idempotency-Key answers in a service's schema.
type IdempotencyStore struct {
	pool  *pgxpool.Pool
	table string
}

var _ httpserver.IdempotencyStore = (*IdempotencyStore)(nil)

// NewIdempotencyStore returns a store over schema.idempotency_keys.
func NewIdempotencyStore(pool *pgxpool.Pool, schema string) *IdempotencyStore {
	return &IdempotencyStore{pool: pool, table: pgx.Identifier{schema, "idempotency_keys"}.Sanitize()}
}

// Reserve implements httpserver.IdempotencyStore.
func (s *IdempotencyStore) Reserve(ctx context.Context, scope, key string, fingerprint []byte) (*httpserver.StoredResponse, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO `+s.table+` (scope, key, fingerprint) VALUES ($1, $2, $3)
		ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, claimed_at = now()
		WHERE `+s.table+`.status IS NULL AND `+s.table+`.claimed_at < now() - make_interval(secs => $4)`,
		scope, key, fingerprint, abandonAfter.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claiming idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var (
		stored      []byte
		status      *int
		contentType string
		location    string
		body        []byte
	)
	err = s.pool.QueryRow(ctx, `SELECT fingerprint, status, content_type, location, body FROM `+s.table+` WHERE scope = $1 AND key = $2`,
		scope, key).Scan(&stored, &status, &contentType, &location, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.Errorf(errs.Conflict, "the request with this Idempotency-Key was just released: retry")
	}
	if err != nil {
		return nil, fmt.Errorf("reading idempotency key: %w", err)
	}
	if !bytes.Equal(stored, fingerprint) {
		return nil, errs.Errorf(errs.Conflict, "this Idempotency-Key was already used for a different request: use a new key")
	}
	if status == nil {
		return nil, errs.Errorf(errs.Conflict, "a request with this Idempotency-Key is still in progress: retry in a moment")
	}
	return &httpserver.StoredResponse{Status: *status, ContentType: contentType, Location: location, Body: body}, nil
}

// Complete implements httpserver.IdempotencyStore.
func (s *IdempotencyStore) Complete(ctx context.Context, scope, key string, resp httpserver.StoredResponse) error {
	_, err := s.pool.Exec(ctx, `UPDATE `+s.table+` SET status = $3, content_type = $4, location = $5, body = $6
		WHERE scope = $1 AND key = $2`, scope, key, resp.Status, resp.ContentType, resp.Location, resp.Body)
	if err != nil {
		return fmt.Errorf("storing idempotent response: %w", err)
	}
	return nil
}

// Release implements httpserver.IdempotencyStore.
func (s *IdempotencyStore) Release(ctx context.Context, scope, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM `+s.table+` WHERE scope = $1 AND key = $2 AND status IS NULL`, scope, key)
	if err != nil {
		return fmt.Errorf("releasing idempotency key: %w", err)
	}
	return nil
}
