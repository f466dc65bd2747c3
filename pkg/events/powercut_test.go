package events_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

// An embedded JetStream that does not fsync each message can come back from
// a power cut without the last events it acknowledged, while PostgreSQL kept
// their published marks. The cut is played with the server's own store: a
// copy taken when it was last in sync on disk, restarted after more events
// were published.
func TestRelayPublishesAgainWhatJetStreamLostInAPowerCut(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Postgres(t, map[string][]postgres.Source{schema: nil})
	dir := t.TempDir()
	store, synced := filepath.Join(dir, "store"), filepath.Join(dir, "synced")
	listen := freeAddress(t)
	start := func(storeDir string) *server.Server {
		ns, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: storeDir, Listen: listen})
		require.NoError(t, err)
		return ns
	}
	ns := start(store)
	nc, js, err := events.Connect("nats://"+listen, nil, t.Name(), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	require.NoError(t, events.DeclareStreams(ctx, js, 1))
	connected := func() {
		testkit.Eventually(t, 10*time.Second, "reconnected to NATS", nc.IsConnected)
	}
	b := bundle{pool: pool, js: js, nc: nc, outbox: events.NewOutbox(pool, schema)}
	newRelay := func() *events.Relay {
		return events.NewRelay(pool, js, schema, testkit.Logger(t), nil, events.RelayOptions{Batch: 2})
	}
	commit := func(label string, n int) []string {
		var ids []string
		for i := range n {
			ev := newEvent(t, "ocop.demand.demand.cut", fmt.Sprintf("%s-%d", label, i))
			b.commit(t, ev)
			ids = append(ids, ev.ID)
		}
		return ids
	}

	b.relay = newRelay()
	kept := commit("kept", 4)
	b.flush(t, 4)
	ns.Shutdown()
	ns.WaitForShutdown()
	require.NoError(t, os.CopyFS(synced, os.DirFS(store)))

	ns = start(store)
	connected()
	lost := commit("lost", 3)
	b.flush(t, 3)
	ns.Shutdown()
	ns.WaitForShutdown()

	ns = start(synced)
	t.Cleanup(ns.Shutdown)
	connected()
	// Right after a restart the server may not answer JetStream requests yet.
	var stream jetstream.Stream
	testkit.Eventually(t, 30*time.Second, "the restarted server serves the stream", func() bool {
		stream, err = js.Stream(ctx, events.StreamDemand)
		return err == nil
	})
	require.EqualValues(t, 4, stream.CachedInfo().State.LastSeq, "the restarted store lacks the last three events")
	waiting := commit("waiting", 1)

	b.relay = newRelay()
	b.flush(t, 4)

	msgs := readAll(t, js, "ocop.demand.demand.cut", 9)
	var got []string
	for i, m := range msgs {
		meta, err := m.Metadata()
		require.NoError(t, err)
		require.EqualValues(t, i+1, meta.Sequence.Stream, "each event is back on the sequence it had")
		got = append(got, m.Headers().Get("ce-id"))
	}
	want := append(append(append([]string{}, kept...), lost...), waiting...)
	require.Equal(t, want, got, "the lost events come back in their order, before the one still waiting")

	n, err := newRelay().Flush(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a relay restarted with nothing lost publishes nothing again")
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 8, info.State.Msgs)
}

func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
