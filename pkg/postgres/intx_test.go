package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

// What a transaction registers with AfterCommit runs once it has committed,
// in order, and never for a transaction that rolls back.
func TestAfterCommitRunsOnlyOnceCommitted(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]postgres.Source{"svc": nil})
	ctx := context.Background()
	_, err := pool.Exec(ctx, `CREATE TABLE svc.rows (id int, UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`)
	require.NoError(t, err)

	var ran []string
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		require.True(t, postgres.AfterCommit(tx, func() {
			var n int
			require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM svc.rows`).Scan(&n))
			require.Equal(t, 1, n, "the row is committed when the hook runs")
			ran = append(ran, "first")
		}))
		require.True(t, postgres.AfterCommit(tx, func() { ran = append(ran, "second") }))
		require.Empty(t, ran, "nothing runs before the commit")
		_, err := tx.Exec(ctx, `INSERT INTO svc.rows VALUES (1)`)
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []string{"first", "second"}, ran)

	ran = nil
	failed := errors.New("refused")
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		postgres.AfterCommit(tx, func() { ran = append(ran, "rolled back") })
		_, err := tx.Exec(ctx, `INSERT INTO svc.rows VALUES (2)`)
		require.NoError(t, err)
		return failed
	})
	require.ErrorIs(t, err, failed)
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		postgres.AfterCommit(tx, func() { ran = append(ran, "failed commit") })
		_, err := tx.Exec(ctx, `INSERT INTO svc.rows VALUES (1)`)
		return err
	})
	require.Error(t, err, "the duplicate is refused at the commit")
	require.Empty(t, ran)

	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		require.False(t, postgres.AfterCommit(tx, func() { ran = append(ran, "plain") }), "a transaction begun elsewhere runs no hooks")
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, ran)
}
