package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

const schema = "svc"

type bundle struct {
	pool   *pgxpool.Pool
	js     jetstream.JetStream
	nc     *nats.Conn
	outbox *events.Outbox
	relay  *events.Relay
}

func setup(t testing.TB) bundle {
	t.Helper()
	pool := testkit.Postgres(t, map[string][]postgres.Source{schema: nil})
	_, err := pool.Exec(context.Background(), `CREATE TABLE svc.effects (id serial PRIMARY KEY, value text NOT NULL)`)
	require.NoError(t, err)
	nc, js := testkit.NATS(t)
	return bundle{
		pool:   pool,
		js:     js,
		nc:     nc,
		outbox: events.NewOutbox(pool, schema),
		relay:  events.NewRelay(pool, js, schema, testkit.Logger(t), nil, events.RelayOptions{PollInterval: 50 * time.Millisecond}),
	}
}

func newEvent(t testing.TB, subject, value string) events.Event {
	t.Helper()
	ev, err := events.New(context.Background(), "/test", subject, wrapperspb.String(value))
	require.NoError(t, err)
	return ev
}

func (b bundle) commit(t testing.TB, evs ...events.Event) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), b.pool, func(tx pgx.Tx) error {
		return b.outbox.Add(context.Background(), tx, evs...)
	})
	require.NoError(t, err)
}

// flush runs the relay until it has published want events. A relay holds
// back rows younger than any transaction still running on the server, other
// tests' included, so one pass may publish fewer.
func (b bundle) flush(t *testing.T, want int) {
	t.Helper()
	total := 0
	testkit.Eventually(t, 10*time.Second, fmt.Sprintf("%d events published", want), func() bool {
		n, err := b.relay.Flush(context.Background())
		require.NoError(t, err)
		total += n
		return total >= want
	})
	require.Equal(t, want, total)
}

// runRelayPollingHourly runs a relay of b until the test ends. Its poll is
// an hour away, so whatever it publishes meanwhile it was woken for.
func (b bundle) runRelayPollingHourly(t *testing.T) {
	t.Helper()
	relay := events.NewRelay(b.pool, b.js, schema, testkit.Logger(t), nil, events.RelayOptions{PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// firstDeadLetter waits for the first message on the dead-letter stream.
func firstDeadLetter(t *testing.T, js jetstream.JetStream) jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dl, err := js.OrderedConsumer(ctx, events.StreamDeadLetter, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	msg, err := dl.Next(jetstream.FetchMaxWait(10 * time.Second))
	require.NoError(t, err)
	return msg
}

func readAll(t *testing.T, js jetstream.JetStream, subject string, want int) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamDemand, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	require.NoError(t, err)
	var got []jetstream.Msg
	for len(got) < want {
		batch, err := cons.Fetch(want-len(got), jetstream.FetchMaxWait(2*time.Second))
		require.NoError(t, err)
		n := 0
		for m := range batch.Messages() {
			got = append(got, m)
			n++
		}
		if n == 0 {
			break
		}
	}
	return got
}

func TestRelayPublishesCommittedEventsWithCloudEventsHeaders(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	ev := newEvent(t, "ocop.demand.demand.d1", "posted")
	b.commit(t, ev)

	rolledBack := newEvent(t, "ocop.demand.demand.d1", "never")
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, b.outbox.Add(ctx, tx, rolledBack))
	require.NoError(t, tx.Rollback(ctx))

	b.flush(t, 1)

	msgs := readAll(t, b.js, "ocop.demand.demand.d1", 2)
	require.Len(t, msgs, 1, "only the committed event is published")
	h := msgs[0].Headers()
	require.Equal(t, ev.ID, h.Get("ce-id"))
	require.Equal(t, ev.ID, h.Get(nats.MsgIdHdr))
	require.Equal(t, "google.protobuf.StringValue", h.Get("ce-type"))
	require.Equal(t, "/test", h.Get("ce-source"))
	require.Equal(t, "1.0", h.Get("ce-specversion"))
	require.NotEmpty(t, h.Get("ce-time"))
	require.NotEmpty(t, h.Get("traceparent"))
	require.Equal(t, "application/protobuf; proto=google.protobuf.StringValue", h.Get("content-type"))

	n, err := b.relay.Flush(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a published row is not published again")
}

// A transaction that started first but commits last must not be skipped, and
// must not be overtaken by the younger transaction's events.
func TestRelayWaitsForSlowTransactionAndKeepsCommitOrder(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	slow, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	first := newEvent(t, "ocop.demand.demand.d2", "first")
	require.NoError(t, b.outbox.Add(ctx, slow, first))

	second := newEvent(t, "ocop.demand.demand.d2", "second")
	b.commit(t, second)

	n, err := b.relay.Flush(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "the younger transaction waits while an older one is open")

	require.NoError(t, slow.Commit(ctx))
	b.flush(t, 2)

	msgs := readAll(t, b.js, "ocop.demand.demand.d2", 2)
	require.Len(t, msgs, 2)
	require.Equal(t, first.ID, msgs[0].Headers().Get("ce-id"))
	require.Equal(t, second.ID, msgs[1].Headers().Get("ce-id"))
}

// Events committed while no relay runs (the process died between commit and
// publish) are published by the next relay.
func TestEventsCommittedWithoutRelayArePublishedLater(t *testing.T) {
	b := setup(t)
	for i := range 25 {
		b.commit(t, newEvent(t, "ocop.demand.demand.d3", fmt.Sprint(i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.relay.Run(ctx) }()
	testkit.Eventually(t, 10*time.Second, "25 events published", func() bool {
		info, err := b.js.Stream(context.Background(), events.StreamDemand)
		return err == nil && info.CachedInfo().State.Msgs == 25
	})
	cancel()
	require.NoError(t, <-done)
}

func TestConsumerHandlesEachEventOnceAndRetriesTransientFailures(t *testing.T) {
	b := setup(t)
	var calls atomic.Int32
	handler := func(ctx context.Context, tx pgx.Tx, m events.Message) error {
		if calls.Add(1) <= 2 {
			return errors.New("database hiccup")
		}
		var v wrapperspb.StringValue
		if err := m.Decode(&v); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO svc.effects (value) VALUES ($1)`, v.Value)
		return err
	}
	cons := events.NewConsumer(b.js, b.pool, schema, events.ConsumerSpec{
		Stream: events.StreamDemand, Durable: "test-effects", Subjects: []string{"ocop.demand.>"},
	}, handler, testkit.Logger(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()

	ev := newEvent(t, "ocop.demand.demand.d4", "effect")
	b.commit(t, ev)
	b.flush(t, 1)

	// The same event again under another Nats-Msg-Id, as after JetStream's
	// duplicate window: the inbox must still refuse it.
	again := nats.NewMsg(ev.Subject)
	again.Data = ev.Data
	again.Header.Set("ce-id", ev.ID)
	again.Header.Set("ce-type", ev.Type)
	_, err := b.js.PublishMsg(context.Background(), again, jetstream.WithMsgID("replay-"+ev.ID))
	require.NoError(t, err)

	countEffects := func() int {
		var n int
		require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT count(*) FROM svc.effects`).Scan(&n))
		return n
	}
	testkit.Eventually(t, 20*time.Second, "the effect applied after retries", func() bool { return countEffects() == 1 })
	testkit.Eventually(t, 10*time.Second, "the replay reached the consumer", func() bool { return calls.Load() >= 3 })
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 1, countEffects(), "a redelivered event changes nothing")
	cancel()
	require.NoError(t, <-done)
}

// Events already waiting are handled many to a transaction; one that fails
// sends its batch back to one-at-a-time handling, so the rest still apply
// once and only it is dead-lettered.
func TestConsumerBatchesWaitingEventsAndIsolatesAFailingOne(t *testing.T) {
	b := setup(t)
	handler := func(ctx context.Context, tx pgx.Tx, m events.Message) error {
		var v wrapperspb.StringValue
		if err := m.Decode(&v); err != nil {
			return err
		}
		if v.Value == "poison" {
			return events.Permanent(errors.New("product references an unknown category"))
		}
		_, err := tx.Exec(ctx, `INSERT INTO svc.effects (value) VALUES ($1)`, v.Value)
		return err
	}
	var evs []events.Event
	for i := range 300 {
		value := fmt.Sprintf("product-%d", i)
		if i == 150 {
			value = "poison"
		}
		evs = append(evs, newEvent(t, fmt.Sprintf("ocop.demand.product.p%d", i), value))
	}
	b.commit(t, evs...)
	b.flush(t, len(evs))
	replay := nats.NewMsg(evs[7].Subject)
	replay.Data = evs[7].Data
	replay.Header.Set("ce-id", evs[7].ID)
	replay.Header.Set("ce-type", evs[7].Type)
	_, err := b.js.PublishMsg(context.Background(), replay, jetstream.WithMsgID("replay-"+evs[7].ID))
	require.NoError(t, err)

	cons := events.NewConsumer(b.js, b.pool, schema, events.ConsumerSpec{
		Stream: events.StreamDemand, Durable: "test-batches", Subjects: []string{"ocop.demand.>"}, Batch: 50,
	}, handler, testkit.Logger(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()

	count := func(sql string) int {
		var n int
		require.NoError(t, b.pool.QueryRow(context.Background(), sql).Scan(&n))
		return n
	}
	testkit.Eventually(t, 20*time.Second, "every good event applied", func() bool {
		return count(`SELECT count(*) FROM svc.effects`) == len(evs)-1
	})
	msg := firstDeadLetter(t, b.js)
	require.Equal(t, evs[150].ID, msg.Headers().Get("ce-id"))
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, len(evs)-1, count(`SELECT count(DISTINCT value) FROM svc.effects`), "each once, the replay refused")
	require.Equal(t, len(evs)-1, count(`SELECT count(*) FROM svc.effects`))
	require.Less(t, count(`SELECT count(DISTINCT xmin::text) FROM svc.effects`), (len(evs)-1)/5, "many events to a transaction")
	cancel()
	require.NoError(t, <-done)
}

// A consumer stopped while it prepares a batch gives back the events it has
// not begun, instead of preparing them all first; they are handled once,
// when a consumer runs again.
func TestStoppedConsumerGivesBackTheEventsNotBegun(t *testing.T) {
	b := setup(t)
	var evs []events.Event
	for i := range 100 {
		evs = append(evs, newEvent(t, fmt.Sprintf("ocop.demand.product.p%d", i), fmt.Sprintf("product-%d", i)))
	}
	b.commit(t, evs...)
	b.flush(t, len(evs))

	spec := events.ConsumerSpec{Stream: events.StreamDemand, Durable: "test-stop", Subjects: []string{"ocop.demand.>"}, Batch: 100}
	ctx, cancel := context.WithCancel(context.Background())
	var prepared atomic.Int32
	write := func(ctx context.Context, tx pgx.Tx, m events.Message) error {
		var v wrapperspb.StringValue
		if err := m.Decode(&v); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO svc.effects (value) VALUES ($1)`, v.Value)
		return err
	}
	slow := events.NewPreparedConsumer(b.js, b.pool, schema, spec, func(context.Context, events.Message) (events.Handler, error) {
		if prepared.Add(1) == 10 {
			cancel()
		}
		return write, nil
	}, testkit.Logger(t), nil)
	require.NoError(t, slow.Run(ctx))
	count := func(sql string) int {
		var n int
		require.NoError(t, b.pool.QueryRow(context.Background(), sql).Scan(&n))
		return n
	}
	require.Less(t, count(`SELECT count(*) FROM svc.effects`), len(evs), "stopped before preparing every event in hand")

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- events.NewConsumer(b.js, b.pool, schema, spec, write, testkit.Logger(t), nil).Run(ctx)
	}()
	testkit.Eventually(t, 20*time.Second, "the events given back handled", func() bool {
		return count(`SELECT count(*) FROM svc.effects`) == len(evs)
	})
	require.Equal(t, len(evs), count(`SELECT count(DISTINCT value) FROM svc.effects`))
	cancel()
	require.NoError(t, <-done)
}

func TestConsumerDeadLettersPoisonEvents(t *testing.T) {
	b := setup(t)
	handler := func(ctx context.Context, tx pgx.Tx, m events.Message) error {
		return events.Permanent(errors.New("demand references an unknown unit"))
	}
	cons := events.NewConsumer(b.js, b.pool, schema, events.ConsumerSpec{
		Stream: events.StreamDemand, Durable: "test-poison", Subjects: []string{"ocop.demand.>"},
	}, handler, testkit.Logger(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = cons.Run(ctx) }()

	ev := newEvent(t, "ocop.demand.demand.d5", "poison")
	b.commit(t, ev)
	b.flush(t, 1)

	msg := firstDeadLetter(t, b.js)
	require.Equal(t, "ocop.deadletter.test-poison", msg.Subject())
	require.Equal(t, ev.ID, msg.Headers().Get("ce-id"))
	require.Equal(t, "demand references an unknown unit", msg.Headers().Get("ocop-reason"))
	require.Equal(t, "ocop.demand.demand.d5", msg.Headers().Get("ocop-original-subject"))
}

// Two relays over one outbox (two replicas of a service) publish every event
// exactly once between them.
func TestConcurrentRelaysPublishEachEventOnce(t *testing.T) {
	b := setup(t)
	other := events.NewRelay(b.pool, b.js, schema, testkit.Logger(t), nil, events.RelayOptions{Batch: 7})
	const total = 200
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range total / 4 {
				b.commit(t, newEvent(t, "ocop.demand.demand.c", fmt.Sprintf("%d-%d", w, i)))
			}
		}()
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = b.relay.Run(ctx) }()
	go func() { _ = other.Run(ctx) }()
	wg.Wait()
	testkit.Eventually(t, 20*time.Second, "all events published", func() bool {
		var n int
		require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT count(*) FROM svc.outbox WHERE published_at IS NULL`).Scan(&n))
		return n == 0
	})
	cancel()
	info, err := b.js.Stream(context.Background(), events.StreamDemand)
	require.NoError(t, err)
	require.EqualValues(t, total, info.CachedInfo().State.Msgs)
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for n := uint64(1); n <= 4; n++ {
		d := events.Backoff(n)
		base := 200 * time.Millisecond << (n - 1)
		require.GreaterOrEqual(t, d, base/2)
		require.LessOrEqual(t, d, base)
		require.Greater(t, base, prev)
		prev = base
	}
	require.LessOrEqual(t, events.Backoff(50), time.Minute)
}

// A running relay publishes rows held back behind an older transaction as
// soon as that transaction ends: no NOTIFY comes then, and its poll here is
// an hour away.
func TestRunningRelayPublishesHeldBackRowsWhenOlderTransactionsEnd(t *testing.T) {
	b := setup(t)
	b.runRelayPollingHourly(t)

	slow, err := b.pool.Begin(context.Background())
	require.NoError(t, err)
	first := newEvent(t, "ocop.demand.demand.d9", "first")
	require.NoError(t, b.outbox.Add(context.Background(), slow, first))
	second := newEvent(t, "ocop.demand.demand.d9", "second")
	b.commit(t, second)
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, slow.Commit(context.Background()))

	msgs := readAll(t, b.js, "ocop.demand.demand.d9", 2)
	require.Len(t, msgs, 2)
	require.Equal(t, first.ID, msgs[0].Headers().Get("ce-id"))
	require.Equal(t, second.ID, msgs[1].Headers().Get("ce-id"))
}

func TestHorizonTellsWhenOlderTransactionsHaveEnded(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := events.NewHorizon(b.pool)
	go h.Run(ctx)

	older, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = older.Rollback(ctx) }()
	var olderID uint64
	require.NoError(t, older.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&olderID))

	ended, stop := h.Ended(olderID)
	defer stop()
	select {
	case <-ended:
		t.Fatal("the transaction is still running")
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, older.Rollback(ctx))
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the horizon did not pass the ended transaction")
	}
}

// A commit through postgres.InTx wakes the relays of its own process
// directly and sends no NOTIFY, which would hold PostgreSQL's notification
// lock until the commit is flushed; the relay's poll here is an hour away.
func TestRelayIsWokenByItsProcessCommitsWithoutNotify(t *testing.T) {
	b := setup(t)
	b.runRelayPollingHourly(t)

	listener, err := b.pool.Acquire(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = listener.Conn().Close(context.Background()); listener.Release() })
	_, err = listener.Exec(context.Background(), `LISTEN ocop_outbox_svc`)
	require.NoError(t, err)
	// The relay publishes what is in the outbox when it starts; wait for
	// it to have started, with nothing there.
	time.Sleep(200 * time.Millisecond)

	ev := newEvent(t, "ocop.demand.demand.d10", "woken")
	require.NoError(t, postgres.InTx(context.Background(), b.pool, func(tx pgx.Tx) error {
		return b.outbox.Add(context.Background(), tx, ev)
	}))
	msgs := readAll(t, b.js, "ocop.demand.demand.d10", 1)
	require.Equal(t, ev.ID, msgs[0].Headers().Get("ce-id"))

	wait, stop := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer stop()
	_, err = listener.Conn().WaitForNotification(wait)
	require.ErrorIs(t, err, context.DeadlineExceeded, "no NOTIFY was sent")
}

// A relay woken by its process's commit while another replica's relay
// holds the lock tries again shortly: that relay may have read its batch
// before the commit, and nothing else wakes this one.
func TestRelayLockedOutByAnotherReplicaTriesAgain(t *testing.T) {
	b := setup(t)
	b.runRelayPollingHourly(t)
	time.Sleep(200 * time.Millisecond)

	other, err := b.pool.Begin(context.Background())
	require.NoError(t, err)
	_, err = other.Exec(context.Background(), `SELECT pg_advisory_xact_lock(hashtext('ocop.outbox.' || $1))`, schema)
	require.NoError(t, err)
	ev := newEvent(t, "ocop.demand.demand.d11", "locked out")
	require.NoError(t, postgres.InTx(context.Background(), b.pool, func(tx pgx.Tx) error {
		return b.outbox.Add(context.Background(), tx, ev)
	}))
	time.Sleep(100 * time.Millisecond)
	var published bool
	require.NoError(t, b.pool.QueryRow(context.Background(), `SELECT published_at IS NOT NULL FROM svc.outbox WHERE event_id = $1`, ev.ID).Scan(&published))
	require.False(t, published, "the other replica holds the lock")
	require.NoError(t, other.Rollback(context.Background()))

	msgs := readAll(t, b.js, "ocop.demand.demand.d11", 1)
	require.Equal(t, ev.ID, msgs[0].Headers().Get("ce-id"))
}
