package events

import (
	"context"
	"embed"
	"fmt"
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

// Add inserts the events and wakes the relay when the transaction commits.
func (o *Outbox) Add(ctx context.Context, tx pgx.Tx, evs ...Event) error {
	if len(evs) == 0 {
		return nil
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
	// The rows and the relay's wake-up go in one round trip: every
	// statement of a transaction that writes events delays the relays.
	var b pgx.Batch
	b.Queue(`INSERT INTO `+o.table+` (event_id, subject, type, source, event_time, traceparent, payload)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::bytea[])`,
		ids, subjects, types, sources, times, traces, payloads)
	b.Queue(`SELECT pg_notify($1, '')`, o.channel)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("writing %d events to the outbox: %w", len(evs), err)
	}
	return nil
}
