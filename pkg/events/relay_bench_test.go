package events_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ocopvn/ocop/pkg/events"
)

// BenchmarkRelay commits batches of 100 events to the outbox and publishes
// them to JetStream, acknowledged, as a service's relay does.
func BenchmarkRelay(b *testing.B) {
	bn := setup(b)
	const batch = 100
	evs := make([]events.Event, batch)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range evs {
			evs[i] = newEvent(b, fmt.Sprintf("ocop.demand.demand.bench-%d", n), "bench")
			n++
		}
		bn.commit(b, evs...)
		published := 0
		for published < batch {
			m, err := bn.relay.Flush(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			published += m
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "events/s")
}
