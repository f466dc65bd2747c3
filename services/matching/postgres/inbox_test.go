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

// A transaction younger than another may take a lower seq and commit after
// it: the live stream must neither pass its notification nor send one whose
// older transactions are still running.
func TestLiveStreamPassesNoNotificationOfALaterCommit(t *testing.T) {
	repo, pool := newRepository(t)
	ctx := context.Background()
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
	older, _ := begin(t, pool)
	younger, youngerID := begin(t, pool)
	youngest, _ := begin(t, pool)
	notify(younger, "younger")
	notify(older, "older")
	notify(youngest, "youngest")
	require.NoError(t, older.Commit(ctx))
	require.NoError(t, youngest.Commit(ctx))
	waitUntilOldestRunning(t, pool, youngerID)

	ns, heldBy := readStream(t, repo, "producer", "prd-1", start)
	require.Equal(t, []string{"older"}, titles(ns), "the younger transaction's lower seq is not passed")
	require.NotZero(t, heldBy, "the youngest waits for the younger to end")
	last := ns[0].At

	require.NoError(t, younger.Commit(ctx))
	ns, heldBy = readStream(t, repo, "producer", "prd-1", last)
	require.Equal(t, []string{"younger", "youngest"}, titles(ns))
	require.Zero(t, heldBy)
	require.Less(t, ns[0].At.Seq, ns[1].At.Seq)

	again, ok := ParseStreamCursor(ns[1].At.String())
	require.True(t, ok)
	require.Equal(t, ns[1].At, again)
	ns, _ = readStream(t, repo, "producer", "prd-1", again)
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
	repo, pool := newRepository(t)
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

	_, later := begin(t, pool)
	waitUntilOldestRunning(t, pool, later)
	ns, heldBy := readStream(t, repo, "producer", "prd-1", StreamCursor{})
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

	ns, _ = readStream(t, repo, "buyer", "buy-1", StreamCursor{})
	require.Len(t, ns, 1)
	require.Zero(t, ns[0].Rank, "only a match has a rank")
	require.Equal(t, []string{}, ns[0].Reasons)

	ns, _ = readStream(t, repo, "producer", "prd-2", StreamCursor{})
	require.Len(t, ns, 1)
	require.Equal(t, "told before", ns[0].Title)
}

// newRepository returns a repository on a database of its own, and its
// pool.
func newRepository(tb testing.TB) (*Repository, *pgxpool.Pool) {
	pool := testkit.Postgres(tb, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, Migrations}})
	return New(pool, testkit.Logger(tb)), pool
}

// begin starts a transaction with its id taken, rolled back at the test's
// end unless committed.
func begin(t *testing.T, pool *pgxpool.Pool) (pgx.Tx, uint64) {
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	var xid uint64
	require.NoError(t, tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&xid))
	return tx, xid
}

// waitUntilOldestRunning waits until transaction xid is the oldest running.
// Transaction ids are the cluster's: another package's test running a
// transaction in its own database holds the streams back as well, which is
// right, but not what these tests are about.
func waitUntilOldestRunning(t *testing.T, pool *pgxpool.Pool, xid uint64) {
	deadline := time.Now().Add(time.Minute)
	for oldest := uint64(0); oldest != xid; {
		require.True(t, time.Now().Before(deadline), "a transaction older than this test's stayed open for a minute")
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&oldest))
		if oldest != xid {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// readStream reads one stream's page, in a statement of its own.
func readStream(t *testing.T, repo *Repository, role, recipientID string, after StreamCursor) ([]StreamedNotification, uint64) {
	pages, err := repo.StreamPages(context.Background(), []StreamRead{{Role: role, RecipientID: recipientID, After: after}}, 100)
	require.NoError(t, err)
	require.Len(t, pages, 1)
	return pages[0].Notifications, pages[0].HeldBy
}

// Streams woken together read in one statement: each page is what its
// stream's read alone finds, whoever else reads beside it and in whatever
// order, including the same recipient from two places.
func TestLiveStreamsReadTogetherFindWhatEachFindsAlone(t *testing.T) {
	repo, pool := newRepository(t)
	ctx := context.Background()
	notify := func(role, id string, titles ...string) {
		var ns []Notification
		for _, title := range titles {
			ns = append(ns, Notification{RecipientRole: role, RecipientID: id, Kind: "quote_decided", DedupeKey: title, Title: title,
				Reasons: []string{title}, Data: map[string]any{title: true}})
		}
		require.NoError(t, repo.InTx(ctx, func(tx pgx.Tx) error {
			_, err := repo.AddNotifications(ctx, tx, ns)
			return err
		}))
	}
	notify("producer", "prd-1", "a", "b", "c")
	notify("producer", "prd-2", "d")
	notify("buyer", "prd-1", "to the buyer with a producer's id")
	_, runningID := begin(t, pool)
	waitUntilOldestRunning(t, pool, runningID)
	notify("producer", "prd-3", "held back")

	first, _ := readStream(t, repo, "producer", "prd-1", StreamCursor{})
	reads := []StreamRead{
		{Role: "producer", RecipientID: "prd-3"},
		{Role: "producer", RecipientID: "prd-1"},
		{Role: "producer", RecipientID: "prd-9"},
		{Role: "buyer", RecipientID: "prd-1"},
		{Role: "producer", RecipientID: "prd-1", After: first[0].At},
		{Role: "producer", RecipientID: "prd-2"},
	}
	pages, err := repo.StreamPages(ctx, reads, 2)
	require.NoError(t, err)
	require.Len(t, pages, len(reads))
	titles := make([][]string, len(pages))
	for i, page := range pages {
		for _, n := range page.Notifications {
			require.Equal(t, reads[i].Role, n.RecipientRole)
			require.Equal(t, reads[i].RecipientID, n.RecipientID)
			titles[i] = append(titles[i], n.Title)
		}
		alone, err := repo.StreamPages(ctx, reads[i:i+1], 2)
		require.NoError(t, err)
		require.Equal(t, alone[0], page, "read %d", i)
	}
	require.Equal(t, [][]string{nil, {"a", "b"}, nil, {"to the buyer with a producer's id"}, {"b", "c"}, {"d"}}, titles)
	require.NotZero(t, pages[0].HeldBy, "prd-3's notification waits for the older running transaction")
	for _, page := range pages[1:] {
		require.Zero(t, page.HeldBy)
	}
}
