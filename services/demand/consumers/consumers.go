// Package consumers turns matching's events into the demand service's own
// record of who was matched to each demand: the producers that may quote.
package consumers

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	matchingv1 "github.com/ocopvn/ocop/proto/ocop/matching/v1"
	"github.com/ocopvn/ocop/services/demand/app"
)

// MatchesSpec is the durable consumer of matching's ranked lists; the name
// is never changed.
var MatchesSpec = events.ConsumerSpec{
	Stream:   events.StreamMatching,
	Durable:  "demand-matches",
	Subjects: []string{"ocop.matching.demand.>"},
}

// MatchesHandler records each DemandMatched event.
func MatchesHandler(d *app.Demands) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		if msg.Type != events.TypeOf(&matchingv1.DemandMatched{}) {
			return nil
		}
		var ev matchingv1.DemandMatched
		if err := msg.Decode(&ev); err != nil {
			return err
		}
		matches := make([]app.MatchedProduct, 0, len(ev.GetMatches()))
		for _, m := range ev.GetMatches() {
			matches = append(matches, app.MatchedProduct{ProductID: m.GetProductId(), ProducerID: m.GetProducerId(), Rank: int(m.GetRank())})
		}
		return d.Matched(ctx, tx, ev.GetDemandId(), matches)
	}
}
