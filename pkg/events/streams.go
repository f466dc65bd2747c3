package events

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names, one per owning service, and the dead-letter stream.
const (
	StreamCatalogue  = "OCOP_CATALOGUE"
	StreamDemand     = "OCOP_DEMAND"
	StreamFairs      = "OCOP_FAIRS"
	StreamMatching   = "OCOP_MATCHING"
	StreamDeadLetter = "OCOP_DEADLETTER"

	// DeadLetterPrefix starts the subject a poison message is moved to:
	// ocop.deadletter.<consumer>.
	DeadLetterPrefix = "ocop.deadletter"
)

// duplicateWindow is how long JetStream remembers message ids to drop a
// republished event. The relay republishes within seconds (an unacknowledged
// batch after AckTimeout, a restarted relay as it starts), and every
// consumer's inbox refuses a repeat arriving later. The ids are held in the
// server's heap, about 125 bytes each (the embedded server, 200,000
// messages), and every garbage collection marks them: an import of 100,000
// products publishes some 120,000 events at once (15 MB of ids), and 100
// demands a second publish 200 events a second (15 MB over ten minutes,
// 3 MB over two).
const duplicateWindow = 2 * time.Minute

// StreamConfigs returns the configuration of every stream. replicas is 1 on a
// single server and 3 on a NATS cluster.
func StreamConfigs(replicas int) []jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	base := func(name, subject, description string) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: description,
			Subjects:    []string{subject},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Replicas:    replicas,
			Duplicates:  duplicateWindow,
			Discard:     jetstream.DiscardOld,
		}
	}
	catalogue := base(StreamCatalogue, "ocop.catalogue.>",
		"Current state of every producer and product: the last message per subject, replayable to rebuild a search index.")
	catalogue.MaxMsgsPerSubject = 1

	demand := base(StreamDemand, "ocop.demand.>", "Buyer demands and quotes.")
	demand.MaxAge = 400 * 24 * time.Hour

	fairs := base(StreamFairs, "ocop.fairs.>", "Fairs, booths, bookings and B2B meetings.")
	fairs.MaxAge = 400 * 24 * time.Hour

	matching := base(StreamMatching, "ocop.matching.>", "Matches of demands and products, and notifications.")
	matching.MaxAge = 400 * 24 * time.Hour

	dead := base(StreamDeadLetter, DeadLetterPrefix+".>", "Events a consumer could not handle, with the reason, for an operator to inspect.")
	dead.MaxAge = 90 * 24 * time.Hour

	return []jetstream.StreamConfig{catalogue, demand, fairs, matching, dead}
}

// DeclareStreams creates or updates every stream. Every process declares all
// of them, so a consumer never waits for the owning service to start first.
func DeclareStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, cfg := range StreamConfigs(replicas) {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("declaring stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
