package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

// readStream is one live stream's read, alone in its statement.
func readStream(t *testing.T, repo *Repository, role, recipientID string, after StreamCursor) ([]StreamedNotification, uint64, error) {
	t.Helper()
	next, err := repo.NotificationsAfter(context.Background(), []StreamRead{{Role: role, RecipientID: recipientID, After: after}}, 100)
	if err != nil {
		return nil, 0, err
	}
	require.Len(t, next, 1)
	return next[0].Notifications, next[0].HeldBy, nil
}

// waitUntilOldest waits until the transaction xid is the oldest running.
// Transaction ids are the cluster's: another package's test running a
// transaction in its own database holds a stream back as well, which is
// right, but not what these tests are about.
func waitUntilOldest(t *testing.T, pool *pgxpool.Pool, xid uint64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for oldest := uint64(0); oldest != xid; {
		require.True(t, time.Now().Before(deadline), "a transaction older than this test's stayed open for a minute")
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&oldest))
		if oldest != xid {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// A transaction younger than another may take a lower seq and commit after
// it: the live stream must neither pass its notification nor send one whose
// older transactions are still running.
func TestLiveStreamPassesNoNotificationOfALaterCommit(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, Migrations}})
	repo := New(pool, testkit.Logger(t))
	ctx := context.Background()
	begin := func() (pgx.Tx, uint64) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tx.Rollback(ctx) })
		var xid uint64
		require.NoError(t, tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&xid))
		return tx, xid
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
	older, _ := begin()
	younger, youngerID := begin()
	youngest, _ := begin()
	notify(younger, "younger")
	notify(older, "older")
	notify(youngest, "youngest")
	require.NoError(t, older.Commit(ctx))
	require.NoError(t, youngest.Commit(ctx))
	waitUntilOldest(t, pool, youngerID)

	ns, heldBy, err := readStream(t, repo, "producer", "prd-1", start)
	require.NoError(t, err)
	require.Equal(t, []string{"older"}, titles(ns), "the younger transaction's lower seq is not passed")
	require.NotZero(t, heldBy, "the youngest waits for the younger to end")
	last := ns[0].At

	require.NoError(t, younger.Commit(ctx))
	ns, heldBy, err = readStream(t, repo, "producer", "prd-1", last)
	require.NoError(t, err)
	require.Equal(t, []string{"younger", "youngest"}, titles(ns))
	require.Zero(t, heldBy)
	require.Less(t, ns[0].At.Seq, ns[1].At.Seq)

	again, ok := ParseStreamCursor(ns[1].At.String())
	require.True(t, ok)
	require.Equal(t, ns[1].At, again)
	ns, _, err = readStream(t, repo, "producer", "prd-1", again)
	require.NoError(t, err)
	require.Empty(t, ns, "resumed after the last one: nothing twice")
	for _, bad := range []string{"12", "a-1", "1-", "-1", "1--2"} {
		_, ok := ParseStreamCursor(bad)
		require.False(t, ok, bad)
	}
}

// One call records many notifications in one statement: each keeps its
// fields, a fact told before (in an earlier call or earlier in the same
// call) is not added, and a recipient's stream follows the call's order.
func TestNotificationsAreAddedTogetherOnceEach(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, Migrations}})
	repo := New(pool, testkit.Logger(t))
	ctx := context.Background()
	add := func(ns []Notification) []Notification {
		var added []Notification
		require.NoError(t, repo.InTx(ctx, func(tx pgx.Tx) (err error) {
			added, err = repo.AddNotifications(ctx, tx, ns)
			return err
		}))
		return added
	}
	require.Len(t, add([]Notification{{RecipientRole: "producer", RecipientID: "prd-2", Kind: "quote_decided", DedupeKey: "told", Title: "told before"}}), 1)

	added := add([]Notification{
		{RecipientRole: "producer", RecipientID: "prd-1", Kind: "match", DedupeKey: "m1", Title: "first", Rank: 1, Score: 0.9,
			Reasons: []string{"cùng loại", "4 sao"}, Data: map[string]any{"producer_id": "prd-1"}},
		{RecipientRole: "producer", RecipientID: "prd-2", Kind: "quote_decided", DedupeKey: "told", Title: "told again"},
		{RecipientRole: "buyer", RecipientID: "buy-1", Kind: "quote_submitted", DedupeKey: "q1", Title: "to the buyer", Reasons: []string{}},
		{RecipientRole: "producer", RecipientID: "prd-1", Kind: "match", DedupeKey: "m1", Title: "first, twice"},
		{RecipientRole: "producer", RecipientID: "prd-1", Kind: "match", DedupeKey: "m2", Title: "second", Rank: 2, Score: 0.5},
	})
	require.Len(t, added, 3)
	for i, title := range []string{"first", "to the buyer", "second"} {
		require.Equal(t, title, added[i].Title)
		require.NotEmpty(t, added[i].ID)
		require.False(t, added[i].CreatedAt.IsZero())
		require.NotNil(t, added[i].Data)
	}

	ns, heldBy, err := readStream(t, repo, "producer", "prd-1", StreamCursor{})
	require.NoError(t, err)
	require.Zero(t, heldBy)
	require.Len(t, ns, 2)
	require.Equal(t, "first", ns[0].Title)
	require.Equal(t, added[0].ID, ns[0].ID)
	require.Equal(t, 1, ns[0].Rank)
	require.InDelta(t, 0.9, ns[0].Score, 1e-9)
	require.Equal(t, []string{"cùng loại", "4 sao"}, ns[0].Reasons)
	require.Equal(t, map[string]any{"producer_id": "prd-1"}, ns[0].Data)
	require.Equal(t, "second", ns[1].Title)
	require.Nil(t, ns[1].Reasons)

	ns, _, err = readStream(t, repo, "buyer", "buy-1", StreamCursor{})
	require.NoError(t, err)
	require.Len(t, ns, 1)
	require.Zero(t, ns[0].Rank, "only a match has a rank")
	require.Equal(t, []string{}, ns[0].Reasons)

	ns, _, err = readStream(t, repo, "producer", "prd-2", StreamCursor{})
	require.NoError(t, err)
	require.Len(t, ns, 1)
	require.Equal(t, "told before", ns[0].Title)
}

// Live streams woken together are read in one statement: each gets its own
// recipient's notifications after its own cursor, at most the limit, and a
// transaction still running holds back only the streams of its recipients.
func TestLiveStreamsAreReadTogether(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, Migrations}})
	repo := New(pool, testkit.Logger(t))
	ctx := context.Background()
	notify := func(tx pgx.Tx, role, id string, titles ...string) {
		ns := make([]Notification, len(titles))
		for i, title := range titles {
			ns[i] = Notification{RecipientRole: role, RecipientID: id, Kind: "quote_decided", DedupeKey: title, Title: title, Body: title}
		}
		_, err := repo.AddNotifications(ctx, tx, ns)
		require.NoError(t, err)
	}
	require.NoError(t, repo.InTx(ctx, func(tx pgx.Tx) error {
		notify(tx, "producer", "prd-1", "p1 first", "p1 second", "p1 third")
		notify(tx, "producer", "prd-2", "p2 first")
		notify(tx, "buyer", "prd-1", "buyer of the same id")
		return nil
	}))
	running, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = running.Rollback(ctx) })
	notify(running, "producer", "prd-2", "p2 running")
	var runningID uint64
	require.NoError(t, running.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&runningID))
	require.NoError(t, repo.InTx(ctx, func(tx pgx.Tx) error {
		notify(tx, "producer", "prd-2", "p2 after the running one")
		return nil
	}))
	waitUntilOldest(t, pool, runningID)
	first, _, err := readStream(t, repo, "producer", "prd-1", StreamCursor{})
	require.NoError(t, err)
	require.Len(t, first, 3)

	next, err := repo.NotificationsAfter(ctx, []StreamRead{
		{Role: "producer", RecipientID: "prd-1", After: first[0].At},
		{Role: "producer", RecipientID: "prd-nobody"},
		{Role: "producer", RecipientID: "prd-2"},
		{Role: "producer", RecipientID: "prd-1"},
		{Role: "buyer", RecipientID: "prd-1"},
	}, 2)
	require.NoError(t, err)
	require.Len(t, next, 5)
	titles := func(sn StreamNext) []string {
		var out []string
		for _, n := range sn.Notifications {
			require.Equal(t, "quote_decided", n.Kind)
			out = append(out, n.Title)
		}
		return out
	}
	require.Equal(t, []string{"p1 second", "p1 third"}, titles(next[0]), "after its own cursor")
	require.Zero(t, next[0].HeldBy)
	require.Empty(t, next[1].Notifications)
	require.Zero(t, next[1].HeldBy)
	require.Equal(t, []string{"p2 first"}, titles(next[2]), "held back behind the running transaction")
	require.Greater(t, next[2].HeldBy, runningID, "held by the younger transaction that committed")
	require.Equal(t, []string{"p1 first", "p1 second"}, titles(next[3]), "at most the limit")
	require.Equal(t, []string{"buyer of the same id"}, titles(next[4]), "a recipient is its role and id")
	for _, n := range next[4].Notifications {
		require.Equal(t, "buyer", n.RecipientRole)
		require.Equal(t, "prd-1", n.RecipientID)
	}
}
