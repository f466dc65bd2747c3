package events

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocopvn/ocop/pkg/postgres"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations create the outbox and inbox tables in a service's schema.
var Migrations = postgres.Source{Name: "events", FS: migrations}

// Outbox writes events into a service's outbox table inside the caller's
// transaction: they are published if and only if the transaction commits.
type Outbox struct {
	table   string
	channel string
	// relays is the relayKey its relays in this process wait on.
	relays string
}

// NewOutbox returns the outbox of the service schema in pool's database.
func NewOutbox(pool *pgxpool.Pool, schema string) *Outbox {
	return &Outbox{
		table:   pgx.Identifier{schema, "outbox"}.Sanitize(),
		channel: notifyChannel(schema),
		relays:  relayKey(pool.Config().ConnConfig, schema),
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
	if !localRelays.Subscribed(o.relays) || !postgres.AfterCommit(tx, func() { localRelays.Wake(o.relays) }) {
		b.Queue(`SELECT pg_notify($1, '')`, o.channel)
	}
}

// localRelays wakes the relays running in this process, by relayKey.
var localRelays Wakeups

// relayKey names a service's outbox by server, database and schema: one
// process may hold the outboxes of several databases (tests do).
func relayKey(cfg *pgx.ConnConfig, schema string) string {
	return fmt.Sprintf("%s:%d/%s/%s", cfg.Host, cfg.Port, cfg.Database, schema)
}
