package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

// A transaction younger than another may take a lower seq and commit after
// it: the live stream must neither pass its notification nor send one whose
// older transactions are still running.
func TestLiveStreamPassesNoNotificationOfALaterCommit(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, Migrations}})
	repo := New(pool, testkit.Logger(t))
	ctx := context.Background()
	begin := func() pgx.Tx {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		_, err = tx.Exec(ctx, `SELECT pg_current_xact_id()`)
		require.NoError(t, err)
		return tx
	}
	notify := func(tx pgx.Tx, key string) {
		_, err := repo.AddNotifications(ctx, tx, []Notification{{RecipientRole: "producer", RecipientID: "prd-1",
			Kind: "quote_decided", DedupeKey: key, Title: key, Body: key}})
		require.NoError(t, err)
	}
	titles := func(ns []StreamedNotification) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Title)
		}
		return out
	}

	start, err := repo.StreamStart(ctx, "producer", "prd-1")
	require.NoError(t, err)
	older, younger, youngest := begin(), begin(), begin()
	notify(younger, "younger")
	notify(older, "older")
	notify(youngest, "youngest")
	require.NoError(t, older.Commit(ctx))
	require.NoError(t, youngest.Commit(ctx))

	ns, heldBy, err := repo.NotificationsAfter(ctx, "producer", "prd-1", start, 100)
	require.NoError(t, err)
	require.Equal(t, []string{"older"}, titles(ns), "the younger transaction's lower seq is not passed")
	require.NotZero(t, heldBy, "the youngest waits for the younger to end")
	last := ns[0].At

	require.NoError(t, younger.Commit(ctx))
	ns, heldBy, err = repo.NotificationsAfter(ctx, "producer", "prd-1", last, 100)
	require.NoError(t, err)
	require.Equal(t, []string{"younger", "youngest"}, titles(ns))
	require.Zero(t, heldBy)
	require.Less(t, ns[0].At.Seq, ns[1].At.Seq)

	again, ok := ParseStreamCursor(ns[1].At.String())
	require.True(t, ok)
	require.Equal(t, ns[1].At, again)
	ns, _, err = repo.NotificationsAfter(ctx, "producer", "prd-1", again, 100)
	require.NoError(t, err)
	require.Empty(t, ns, "resumed after the last one: nothing twice")
	for _, bad := range []string{"12", "a-1", "1-", "-1", "1--2"} {
		_, ok := ParseStreamCursor(bad)
		require.False(t, ok, bad)
	}
}
