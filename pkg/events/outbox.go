package events

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/postgres"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations create the outbox and inbox tables in a service's schema.
var Migrations = postgres.Source{Name: "events", FS: migrations}

// Outbox writes events into a service's outbox table inside the caller's
// transaction: they are published if and only if the transaction commits.
type Outbox struct {
	schema  string
	table   string
	channel string
}

// NewOutbox returns the outbox of the service schema.
func NewOutbox(schema string) *Outbox {
	return &Outbox{
		schema:  schema,
		table:   pgx.Identifier{schema, "outbox"}.Sanitize(),
		channel: notifyChannel(schema),
	}
}

func notifyChannel(schema string) string { return "ocop_outbox_" + schema }

// Add inserts the events and wakes the relays when the transaction commits.
func (o *Outbox) Add(ctx context.Context, tx pgx.Tx, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	// The rows and the relay's wake-up go in one round trip: every
	// statement of a transaction that writes events delays the relays.
	var b pgx.Batch
	o.Queue(tx, &b, evs...)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("writing %d events to the outbox: %w", len(evs), err)
	}
	return nil
}

// Queue adds to b, which the caller sends in tx, the statements that
// insert the events and wake the relays when tx commits, so a change and
// its events can go in one round trip.
func (o *Outbox) Queue(tx pgx.Tx, b *pgx.Batch, evs ...Event) {
	if len(evs) == 0 {
		return
	}
	ids := make([]string, len(evs))
	subjects := make([]string, len(evs))
	types := make([]string, len(evs))
	sources := make([]string, len(evs))
	times := make([]time.Time, len(evs))
	traces := make([]string, len(evs))
	payloads := make([][]byte, len(evs))
	for i, e := range evs {
		ids[i], subjects[i], types[i], sources[i], times[i], traces[i], payloads[i] =
			e.ID, e.Subject, e.Type, e.Source, e.Time, e.TraceParent, e.Data
	}
	b.Queue(`INSERT INTO `+o.table+` (event_id, subject, type, source, event_time, traceparent, payload)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::bytea[])`,
		ids, subjects, types, sources, times, traces, payloads)
	// A relay of the service running in this process is woken once the
	// transaction commits; any other only by a NOTIFY (see
	// postgres.AfterCommit), or by the relay's own poll.
	key := relayKey(tx.Conn().Config(), o.schema)
	if !localRelays.running(key) || !postgres.AfterCommit(tx, func() { localRelays.wake(key) }) {
		b.Queue(`SELECT pg_notify($1, '')`, o.channel)
	}
}

// localRelays are the relays running in this process, by relayKey.
var localRelays = relayWakes{byKey: map[string]map[chan<- struct{}]bool{}}

// relayKey names a service's outbox by server, database and schema: one
// process may hold the outboxes of several databases (tests do).
func relayKey(cfg *pgx.ConnConfig, schema string) string {
	return fmt.Sprintf("%s:%d/%s/%s", cfg.Host, cfg.Port, cfg.Database, schema)
}

type relayWakes struct {
	mu    sync.Mutex
	byKey map[string]map[chan<- struct{}]bool
}

// add records a relay of the outbox key woken on wake, until the returned
// function is called.
func (r *relayWakes) add(key string, wake chan<- struct{}) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey[key] == nil {
		r.byKey[key] = map[chan<- struct{}]bool{}
	}
	r.byKey[key][wake] = true
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.byKey[key], wake)
	}
}

func (r *relayWakes) running(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byKey[key]) > 0
}

func (r *relayWakes) wake(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for wake := range r.byKey[key] {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}
