package events

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/logging"
	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/tracing"
)

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks an error no retry can fix (a malformed event, a rule the
// event breaks): the consumer moves the event to the dead-letter stream.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Handler applies one event inside tx; the consumer records the event in the
// inbox in the same transaction and acks after commit.
type Handler func(ctx context.Context, tx pgx.Tx, m Message) error

// Preparer does an event's slow, read-only work (a search, a ranking) before
// any transaction is open, and returns the Handler that writes the result.
// A transaction kept open through slow work delays every service's events:
// a relay publishes a row only once all transactions older than it have ended.
type Preparer func(ctx context.Context, m Message) (Handler, error)

// ConsumerSpec names a durable consumer. Durable names are part of the
// deployed state and are never renamed.
type ConsumerSpec struct {
	Stream   string
	Durable  string
	Subjects []string
	Workers  int // concurrent handlers, default 1
	// Batch is the most events one transaction handles, taken from those
	// already waiting (default 1). A catalogue import fans out one event per
	// product to every service that keeps products; a transaction each
	// makes them take in a national catalogue minutes after it is searchable.
	Batch      int
	MaxDeliver int           // deliveries before dead-lettering, default 10
	AckWait    time.Duration // default 30s
}

// Consumer runs a handler over a durable pull consumer. Replicas of a service
// bind to the same durable, which makes it a work queue between them.
type Consumer struct {
	js      jetstream.JetStream
	pool    *pgxpool.Pool
	spec    ConsumerSpec
	prepare Preparer
	log     *zap.Logger
	inbox   string

	handled *prometheus.CounterVec
}

// NewConsumer returns a consumer whose inbox lives in schema. reg may be nil.
func NewConsumer(js jetstream.JetStream, pool *pgxpool.Pool, schema string, spec ConsumerSpec, handler Handler, log *zap.Logger, reg prometheus.Registerer) *Consumer {
	return NewPreparedConsumer(js, pool, schema, spec, func(context.Context, Message) (Handler, error) { return handler, nil }, log, reg)
}

// NewPreparedConsumer returns a consumer that runs prepare before each
// event's transaction and the Handler it returns inside it.
func NewPreparedConsumer(js jetstream.JetStream, pool *pgxpool.Pool, schema string, spec ConsumerSpec, prepare Preparer, log *zap.Logger, reg prometheus.Registerer) *Consumer {
	if spec.Workers <= 0 {
		spec.Workers = 1
	}
	if spec.MaxDeliver <= 0 {
		spec.MaxDeliver = 10
	}
	if spec.AckWait <= 0 {
		spec.AckWait = 30 * time.Second
	}
	if spec.Batch <= 0 {
		spec.Batch = 1
	}
	c := &Consumer{
		js: js, pool: pool, spec: spec, prepare: prepare,
		log:   log.With(zap.String("consumer", spec.Durable)),
		inbox: pgx.Identifier{schema, "inbox"}.Sanitize(),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocop_events_handled_total", Help: "Events handled by consumer and outcome.",
			ConstLabels: prometheus.Labels{"consumer": spec.Durable},
		}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(c.handled)
	}
	return c
}

// Declare creates or updates the durable consumer on the server.
func (c *Consumer) Declare(ctx context.Context) (jetstream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:        c.spec.Durable,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.spec.AckWait,
		MaxDeliver:     c.spec.MaxDeliver + 1, // the last delivery is dead-lettered by us
		MaxAckPending:  1000,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		FilterSubjects: c.spec.Subjects,
	}
	cons, err := c.js.CreateOrUpdateConsumer(ctx, c.spec.Stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("declaring consumer %s on %s: %w", c.spec.Durable, c.spec.Stream, err)
	}
	return cons, nil
}

// Run consumes until ctx ends, then drains: a message already being
// handled is finished and acked before it returns, and those of a batch not
// yet begun are given back for redelivery.
func (c *Consumer) Run(ctx context.Context) error {
	for {
		err := c.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("consumer interrupted; resubscribing", zap.Error(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (c *Consumer) runOnce(ctx context.Context) error {
	cons, err := c.Declare(ctx)
	if err != nil {
		return err
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(max(2*c.spec.Workers, 16, 2*c.spec.Batch)))
	if err != nil {
		return fmt.Errorf("subscribing %s: %w", c.spec.Durable, err)
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			iter.Drain()
		case <-stopped:
			iter.Stop()
		}
	}()

	// Handlers run on a context that outlives ctx by a grace period, so a
	// drain finishes the messages already in hand.
	work := make(chan jetstream.Msg, c.spec.Batch-1)
	var wg sync.WaitGroup
	handlerCtx := context.WithoutCancel(ctx)
	for range c.spec.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for msg := range work {
				c.processBatch(handlerCtx, ctx, waiting(work, msg, c.spec.Batch))
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	for {
		msg, err := iter.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			return err
		}
		work <- msg
	}
}

// event is a message decoded for handling, with the context its handler
// runs in: the consumer's logger and the event's trace.
type event struct {
	msg     jetstream.Msg
	m       Message
	ctx     context.Context
	log     *zap.Logger
	handler Handler
}

// decode reads msg; a message that is not an event is dead-lettered.
func (c *Consumer) decode(ctx context.Context, msg jetstream.Msg) (event, bool) {
	m, err := FromMsg(msg)
	if err != nil {
		c.deadLetter(ctx, msg, err)
		return event{}, false
	}
	trace := m.Trace()
	log := c.log.With(zap.String("event_id", m.ID), zap.String("event_type", m.Type), zap.String("trace_id", trace.TraceID))
	return event{msg: msg, m: m, ctx: tracing.With(logging.WithLogger(ctx, log), trace), log: log}, true
}

// process handles one message in a transaction of its own. A redelivered
// event is prepared for nothing: that is rare, and knowing first would take
// a transaction of its own for every event.
func (c *Consumer) process(ctx context.Context, msg jetstream.Msg) {
	hctx, cancel := context.WithTimeout(ctx, c.spec.AckWait)
	defer cancel()
	if e, ok := c.ready(ctx, hctx, msg); ok {
		c.apply(ctx, e)
	}
}

// ready decodes and prepares msg within hctx. A message that cannot be
// decoded is dead-lettered, and an event that cannot be prepared is settled
// as failed; neither is ready.
func (c *Consumer) ready(ctx, hctx context.Context, msg jetstream.Msg) (event, bool) {
	e, ok := c.decode(hctx, msg)
	if !ok {
		return event{}, false
	}
	handler, err := c.prepare(e.ctx, e.m)
	if err != nil {
		c.settle(ctx, e, false, err)
		return event{}, false
	}
	e.handler = handler
	return e, true
}

// apply runs a prepared event's handler in a transaction of its own and
// settles it.
func (c *Consumer) apply(ctx context.Context, e event) {
	var duplicate bool
	err := postgres.InTx(e.ctx, c.pool, func(tx pgx.Tx) (err error) {
		duplicate, err = c.handle(tx, e)
		return err
	})
	c.settle(ctx, e, duplicate, err)
}

// handle records a prepared event in the inbox in tx and, unless it was
// handled before (duplicate), runs its handler there.
func (c *Consumer) handle(tx pgx.Tx, e event) (duplicate bool, err error) {
	if duplicate, err = c.record(e.ctx, tx, e.m); err != nil || duplicate {
		return duplicate, err
	}
	return false, e.handler(e.ctx, tx, e.m)
}

// settle acks a handled event, or dead-letters or retries a failed one.
func (c *Consumer) settle(ctx context.Context, e event, duplicate bool, err error) {
	switch {
	case err == nil:
		if err := e.msg.Ack(); err != nil {
			e.log.Warn("ack failed; the event will be redelivered and skipped by the inbox", zap.Error(err))
		}
		if duplicate {
			c.handled.WithLabelValues("duplicate").Inc()
		} else {
			c.handled.WithLabelValues("ok").Inc()
		}
	case IsPermanent(err) || e.m.Deliveries >= uint64(c.spec.MaxDeliver):
		c.deadLetter(ctx, e.msg, err)
	default:
		delay := Backoff(e.m.Deliveries)
		e.log.Warn("handling event failed; retrying", zap.Error(err), zap.Uint64("delivery", e.m.Deliveries), zap.Duration("retry_in", delay))
		c.handled.WithLabelValues("retry").Inc()
		_ = e.msg.NakWithDelay(delay)
	}
}

// waiting returns first and the messages already waiting behind it, up to
// n in all; it never waits for more, so a lone event is not delayed.
func waiting(work <-chan jetstream.Msg, first jetstream.Msg, n int) []jetstream.Msg {
	batch := []jetstream.Msg{first}
	for len(batch) < n {
		select {
		case msg, ok := <-work:
			if !ok {
				return batch
			}
			batch = append(batch, msg)
		default:
			return batch
		}
	}
	return batch
}

// processBatch prepares msgs, handles them in one transaction and acks them
// after it commits. When the transaction fails, each prepared event is
// handled in a transaction of its own, so only the failing one is retried
// or dead-lettered, and none is prepared twice. Once stop ends, events not yet
// prepared are given back for redelivery (to another replica, or after the
// restart): a drain then waits for one event's preparation, not a batch's.
func (c *Consumer) processBatch(ctx, stop context.Context, msgs []jetstream.Msg) {
	if len(msgs) == 1 {
		c.process(ctx, msgs[0])
		return
	}
	bctx, cancel := context.WithTimeout(ctx, c.spec.AckWait)
	defer cancel()
	batch := make([]event, 0, len(msgs))
	for i, msg := range msgs {
		if stop.Err() != nil {
			for _, later := range msgs[i:] {
				_ = later.Nak()
			}
			break
		}
		if e, ok := c.ready(ctx, bctx, msg); ok {
			batch = append(batch, e)
		}
	}
	if len(batch) == 0 {
		return
	}
	duplicate := make([]bool, len(batch))
	err := postgres.InTx(bctx, c.pool, func(tx pgx.Tx) error {
		for i, e := range batch {
			var err error
			if duplicate[i], err = c.handle(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c.log.Info("a batch of events failed; handling them one by one", zap.Int("events", len(batch)), zap.Error(err))
		for _, e := range batch {
			c.apply(ctx, e)
		}
		return
	}
	for i, e := range batch {
		c.settle(ctx, e, duplicate[i], nil)
	}
}

// record adds the event to the inbox in tx; duplicate is true when it was
// handled before.
func (c *Consumer) record(ctx context.Context, tx pgx.Tx, m Message) (duplicate bool, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO `+c.inbox+` (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, c.spec.Durable, m.ID)
	if err != nil {
		return false, fmt.Errorf("recording event in inbox: %w", err)
	}
	return tag.RowsAffected() == 0, nil
}

// deadLetter moves a message it cannot handle to ocop.deadletter.<consumer>
// with the reason, then terminates its delivery.
func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, reason error) {
	c.log.Error("event moved to the dead-letter stream", zap.String("subject", msg.Subject()), zap.Error(reason))
	c.handled.WithLabelValues("dead_letter").Inc()
	dl := nats.NewMsg(DeadLetterPrefix + "." + Subject(c.spec.Durable))
	dl.Data = msg.Data()
	for k, v := range msg.Headers() {
		if k != nats.MsgIdHdr {
			dl.Header[k] = v
		}
	}
	dl.Header.Set("ocop-original-subject", msg.Subject())
	dl.Header.Set("ocop-reason", reason.Error())
	id := msg.Headers().Get(HeaderID)
	opts := []jetstream.PublishOpt{}
	if id != "" {
		opts = append(opts, jetstream.WithMsgID(c.spec.Durable+":"+id))
	}
	if _, err := c.js.PublishMsg(ctx, dl, opts...); err != nil {
		c.log.Error("publishing to the dead-letter stream failed; the event will be redelivered", zap.Error(err))
		_ = msg.NakWithDelay(time.Minute)
		return
	}
	_ = msg.TermWithReason(reason.Error())
}

// Backoff is the delay before the n-th redelivery: exponential from 200 ms,
// capped at one minute, with jitter so retries of a burst spread out.
func Backoff(delivery uint64) time.Duration {
	if delivery < 1 {
		delivery = 1
	}
	d := 200 * time.Millisecond << min(delivery-1, 9)
	d = min(d, time.Minute)
	return d/2 + rand.N(d/2+1)
}
