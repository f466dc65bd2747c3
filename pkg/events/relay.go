package events

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// RelayOptions tunes a relay; zero values take the defaults.
type RelayOptions struct {
	Batch        int           // rows per publish round, default 500
	PollInterval time.Duration // fallback when no NOTIFY arrives, default 1s
	AckTimeout   time.Duration // wait for JetStream acks, default 10s
	Retention    time.Duration // keep published rows this long, default 24h
	InboxTTL     time.Duration // keep handled event ids this long, default 30 days
}

func (o *RelayOptions) defaults() {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 10 * time.Second
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.InboxTTL <= 0 {
		o.InboxTTL = 30 * 24 * time.Hour
	}
}

// Relay publishes a service's outbox rows to JetStream in commit order and
// marks them published after the acks. It is woken by the commits of its
// own process (postgres.AfterCommit) and by NOTIFY, and polls as a
// fallback. Several replicas of a service may run relays: an advisory lock
// lets one publish at a time, so order is kept.
type Relay struct {
	pool    *pgxpool.Pool
	js      jetstream.JetStream
	schema  string
	log     *zap.Logger
	opts    RelayOptions
	table   string
	inbox   string
	channel string
	horizon *Horizon
	// restored is set once the events JetStream lost, if any, are published
	// again: nothing new may take their stream sequences first.
	restored atomic.Bool
	// lockedOut is set when the last batch found another relay of the
	// service holding the lock.
	lockedOut atomic.Bool
	// oldestHeldBack is the oldest transaction whose rows the last batch left
	// for older transactions to end (0 for none).
	oldestHeldBack atomic.Uint64

	published prometheus.Counter
	lag       prometheus.Gauge
}

// NewRelay returns the relay of one service schema. reg may be nil.
func NewRelay(pool *pgxpool.Pool, js jetstream.JetStream, schema string, log *zap.Logger, reg prometheus.Registerer, opts RelayOptions) *Relay {
	opts.defaults()
	r := &Relay{
		pool:    pool,
		js:      js,
		schema:  schema,
		log:     log.With(zap.String("relay", schema)),
		opts:    opts,
		table:   pgx.Identifier{schema, "outbox"}.Sanitize(),
		inbox:   pgx.Identifier{schema, "inbox"}.Sanitize(),
		channel: notifyChannel(schema),
		horizon: NewHorizon(pool),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocop_outbox_published_total", Help: "Outbox events published to JetStream.",
			ConstLabels: prometheus.Labels{"service": schema},
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ocop_outbox_oldest_unpublished_seconds", Help: "Age of the oldest event waiting in the outbox.",
			ConstLabels: prometheus.Labels{"service": schema},
		}),
	}
	if reg != nil {
		reg.MustRegister(r.published, r.lag)
	}
	return r
}

// Run publishes until ctx ends; on the way out it makes one last pass so
// events committed during shutdown are not left for the next start.
func (r *Relay) Run(ctx context.Context) error {
	key := relayKey(r.pool.Config().ConnConfig, r.schema)
	wake, unsubscribe := localRelays.Subscribe(key)
	defer unsubscribe()
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	go r.listen(listenCtx, func() { localRelays.Wake(key) })
	go r.horizon.Run(listenCtx)

	maintain := time.NewTicker(time.Minute)
	defer maintain.Stop()
	poll := time.NewTimer(0)
	defer poll.Stop()
	var ended <-chan struct{}
	stopWaiting := func() {}
	defer func() { stopWaiting() }()
	for {
		select {
		case <-ctx.Done():
			r.finalFlush()
			return nil
		case <-wake:
		case <-poll.C:
		case <-ended:
		case <-maintain.C:
			r.maintain(ctx)
		}
		stopWaiting()
		ended, stopWaiting = nil, func() {}
		if _, err := r.Flush(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("publishing outbox events failed; retrying", zap.Error(err))
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		poll.Reset(r.opts.PollInterval)
		// Another replica's relay is publishing, and may have read its batch
		// before this process's rows committed: only this relay was woken
		// for them.
		if r.lockedOut.Load() {
			poll.Reset(lockedOutRetry)
		}
		// Rows waiting for older transactions to end go out as soon as those
		// end, usually within milliseconds: no NOTIFY comes then.
		if txid := r.oldestHeldBack.Load(); txid != 0 {
			ended, stopWaiting = r.horizon.Ended(txid)
		}
	}
}

// finalFlush publishes what the service committed before it stopped. Rows
// held back behind transactions still running elsewhere are waited for,
// up to AckTimeout: a stopped service leaves its outbox empty whenever it
// can, and whatever is left goes out at the next start.
func (r *Relay) finalFlush() {
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.AckTimeout)
	defer cancel()
	for {
		if _, err := r.Flush(ctx); err != nil {
			r.log.Warn("final outbox flush failed; the events stay in the outbox for the next start", zap.Error(err))
			return
		}
		if !r.heldBack(ctx) {
			return
		}
		select {
		case <-ctx.Done():
			r.log.Warn("events still held back behind running transactions at stop; they go out at the next start")
			return
		case <-time.After(heldBackPoll):
		}
	}
}

// heldBackPoll is how often a stopping relay looks again for rows held back
// behind running transactions.
const heldBackPoll = 5 * time.Millisecond

// lockedOutRetry is how soon a relay that found another replica's relay
// publishing tries again.
const lockedOutRetry = 5 * time.Millisecond

// heldBack reports whether unpublished rows remain.
func (r *Relay) heldBack(ctx context.Context) bool {
	var pending bool
	err := r.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+r.table+` WHERE published_at IS NULL)`).Scan(&pending)
	return err == nil && pending
}

// Flush publishes every publishable row and returns how many it published.
// The first Flush of a relay first publishes again what JetStream lost.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	total := 0
	if !r.restored.Load() {
		n, err := r.restore(ctx)
		if err != nil {
			return 0, err
		}
		r.restored.Store(true)
		total = n
	}
	for {
		n, err := r.publishBatch(ctx)
		total += n
		if err != nil || n < r.opts.Batch {
			return total, err
		}
	}
}

type outboxRow struct {
	id    int64
	event Event
}

// restore publishes again, in their stream order, the events JetStream
// acknowledged but no longer holds. A server that does not fsync each
// message (the embedded one by default) comes back from a power cut without
// the last it acknowledged, while PostgreSQL kept their published marks: the
// outbox still has them, with the sequences they were stored at. Published
// again before anything new, each lands on its old sequence, so consumers
// and search indexes that had gone past it stay in step.
func (r *Relay) restore(ctx context.Context) (int, error) {
	// Another relay of the service holding the lock is running, so it did
	// this when it started.
	tx, err := r.begin(ctx)
	if err != nil || tx == nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var (
		subject string
		last    int64
	)
	err = tx.QueryRow(ctx, `SELECT subject, stream_sequence FROM `+r.table+`
		WHERE stream_sequence IS NOT NULL ORDER BY stream_sequence DESC LIMIT 1`).Scan(&subject, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the last published event: %w", err)
	}
	name, err := r.js.StreamNameBySubject(ctx, subject)
	if err != nil {
		return 0, fmt.Errorf("finding the stream of %s: %w", subject, err)
	}
	stream, err := r.js.Stream(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("reading stream %s: %w", name, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading stream %s: %w", name, err)
	}
	held := int64(info.State.LastSeq)
	if held >= last {
		return 0, nil
	}
	r.log.Warn("JetStream lost events it had acknowledged; publishing them again",
		zap.String("stream", name), zap.Int64("stream_last_sequence", held), zap.Int64("outbox_last_sequence", last))
	total := 0
	for after := held; ; {
		rows, err := tx.Query(ctx, `SELECT `+outboxColumns+`, stream_sequence FROM `+r.table+`
			WHERE stream_sequence > $1 ORDER BY stream_sequence LIMIT $2`, after, r.opts.Batch)
		if err != nil {
			return total, fmt.Errorf("reading lost events: %w", err)
		}
		var sequences []int64
		batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outboxRow, error) {
			var seq int64
			o, err := scanOutbox(row, &seq)
			sequences = append(sequences, seq)
			return o, err
		})
		if err != nil {
			return total, fmt.Errorf("reading lost events: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if total == 0 && sequences[0] != held+1 {
			r.log.Error("lost events are past the outbox retention and cannot be published again",
				zap.String("stream", name), zap.Int64("from_sequence", held+1), zap.Int64("to_sequence", sequences[0]-1))
		}
		acked, err := r.publish(ctx, batch)
		if len(acked) > 0 {
			if err := r.markPublished(ctx, tx, acked); err != nil {
				return total, err
			}
		}
		if err != nil {
			return total, err
		}
		total += len(acked)
		after = sequences[len(sequences)-1]
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("committing published marks: %w", err)
	}
	r.published.Add(float64(total))
	return total, nil
}

// published is an outbox row JetStream acknowledged, and where it stored it.
type published struct {
	id       int64
	sequence uint64
}

const outboxColumns = `id, event_id::text, subject, type, source, event_time, traceparent, payload`

// scanOutbox reads outboxColumns, then into more.
func scanOutbox(row pgx.CollectableRow, more ...any) (outboxRow, error) {
	var o outboxRow
	err := row.Scan(append([]any{&o.id, &o.event.ID, &o.event.Subject, &o.event.Type, &o.event.Source, &o.event.Time, &o.event.TraceParent, &o.event.Data}, more...)...)
	return o, err
}

// takeRelayLock takes the relay lock of the service schema $1 for the
// transaction, if no other relay of the service holds it.
const takeRelayLock = `SELECT pg_try_advisory_xact_lock(hashtext('ocop.outbox.' || $1))`

// begin starts a transaction holding the relay lock of the service, which
// the caller rolls back or commits; nil means another relay of the service
// holds the lock.
func (r *Relay) begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting outbox transaction: %w", err)
	}
	var locked bool
	err = tx.QueryRow(ctx, takeRelayLock, r.schema).Scan(&locked)
	if err != nil || !locked {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("taking the relay lock: %w", err)
		}
		return nil, nil
	}
	return tx, nil
}

// publishBatch publishes one batch in a transaction that holds the relay lock.
// Only rows of transactions older than every running one are read
// (transaction_id < pg_snapshot_xmin): a slow transaction that commits late is
// published after, never skipped, and never overtaken by a younger one. The
// lock, the batch and the oldest transaction whose rows are held back go in
// one round trip; a batch read without the lock is dropped.
func (r *Relay) publishBatch(ctx context.Context) (int, error) {
	r.oldestHeldBack.Store(0)
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("starting outbox transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var (
		b        pgx.Batch
		locked   bool
		batch    []outboxRow
		heldBack *uint64
	)
	b.Queue(takeRelayLock, r.schema).QueryRow(func(row pgx.Row) error {
		return row.Scan(&locked)
	})
	b.Queue(`SELECT `+outboxColumns+` FROM `+r.table+`
		WHERE published_at IS NULL AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY transaction_id, id
		LIMIT $1`, r.opts.Batch).Query(func(rows pgx.Rows) (err error) {
		batch, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (outboxRow, error) { return scanOutbox(row) })
		return err
	})
	b.Queue(`SELECT min(transaction_id)::text::bigint FROM ` + r.table + `
		WHERE published_at IS NULL AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`).QueryRow(func(row pgx.Row) error {
		return row.Scan(&heldBack)
	})
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return 0, fmt.Errorf("reading the outbox: %w", err)
	}
	r.lockedOut.Store(!locked)
	if !locked {
		return 0, nil
	}
	if heldBack != nil {
		r.oldestHeldBack.Store(*heldBack)
	}
	if len(batch) == 0 {
		return 0, nil
	}

	acked, pubErr := r.publish(ctx, batch)
	if len(acked) > 0 {
		if err := r.markPublished(ctx, tx, acked); err != nil {
			return 0, err
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, fmt.Errorf("committing published marks: %w", err)
		}
		r.published.Add(float64(len(acked)))
	}
	if pubErr != nil {
		return len(acked), pubErr
	}
	return len(acked), nil
}

func (r *Relay) markPublished(ctx context.Context, tx pgx.Tx, acked []published) error {
	ids := make([]int64, len(acked))
	sequences := make([]int64, len(acked))
	for i, a := range acked {
		ids[i], sequences[i] = a.id, int64(a.sequence)
	}
	_, err := tx.Exec(ctx, `UPDATE `+r.table+` AS o SET published_at = now(), stream_sequence = a.sequence
		FROM unnest($1::bigint[], $2::bigint[]) AS a(id, sequence) WHERE o.id = a.id`, ids, sequences)
	if err != nil {
		return fmt.Errorf("marking events published: %w", err)
	}
	return nil
}

// publish sends the batch asynchronously and returns the leading rows
// JetStream acknowledged. It stops at the first failure: the rest are
// published again next round, and the ones already stored are dropped by
// JetStream's duplicate window (Nats-Msg-Id), so nothing is lost or doubled.
func (r *Relay) publish(ctx context.Context, batch []outboxRow) ([]published, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(batch))
	var sendErr error
	for _, row := range batch {
		f, err := r.js.PublishMsgAsync(row.event.toMsg(), jetstream.WithMsgID(row.event.ID))
		if err != nil {
			sendErr = fmt.Errorf("publishing %s: %w", row.event.Subject, err)
			break
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(r.opts.AckTimeout)
	defer timeout.Stop()
	acked := make([]published, 0, len(futures))
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			// A duplicate's ack carries the sequence of the copy stored first.
			acked = append(acked, published{id: batch[i].id, sequence: ack.Sequence})
			continue
		case err := <-f.Err():
			return acked, fmt.Errorf("JetStream refused %s: %w", batch[i].event.Subject, err)
		case <-timeout.C:
			return acked, fmt.Errorf("no JetStream ack for %s within %s", batch[i].event.Subject, r.opts.AckTimeout)
		case <-ctx.Done():
			return acked, ctx.Err()
		}
	}
	return acked, sendErr
}

// listen holds a connection in LISTEN on the schema's channel and turns each
// notification into a wake-up. Losing the connection only slows the relay
// to its poll interval until it reconnects.
func (r *Relay) listen(ctx context.Context, wake func()) {
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("outbox LISTEN connection lost; polling until it is back", zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

func (r *Relay) listenOnce(ctx context.Context, wake func()) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// A connection left in LISTEN must not go back to the pool.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{r.channel}.Sanitize()); err != nil {
		return err
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}

// maintain deletes published rows past retention and old inbox entries, and
// records how far behind the outbox is.
func (r *Relay) maintain(ctx context.Context) {
	if _, err := r.pool.Exec(ctx, `DELETE FROM `+r.table+` WHERE published_at < now() - make_interval(secs => $1)`, r.opts.Retention.Seconds()); err != nil && !errors.Is(err, context.Canceled) {
		r.log.Warn("deleting published outbox rows failed", zap.Error(err))
	}
	if _, err := r.pool.Exec(ctx, `DELETE FROM `+r.inbox+` WHERE handled_at < now() - make_interval(secs => $1)`, r.opts.InboxTTL.Seconds()); err != nil && !errors.Is(err, context.Canceled) {
		r.log.Warn("deleting old inbox rows failed", zap.Error(err))
	}
	var age float64
	err := r.pool.QueryRow(ctx, `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM `+r.table+` WHERE published_at IS NULL`).Scan(&age)
	if err == nil {
		r.lag.Set(age)
	}
}
