// Package consumers turns events from the other services into matching's
// work: catalogue changes into index updates, posted demands into matches.
package consumers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
)

// DemandDurable is the durable consumer of demand events. Matching replicas
// share it, which makes it a work queue; the name is never changed.
const DemandDurable = "matching-demands"

// DemandSpec is the consumer of the demand stream: demands to rank, and the
// quotes, decisions and deal follow-ups to notify. Handlers run concurrently
// (each spends much of its time waiting on PostgreSQL, so more than the
// cores: at 100 demands a second on 2,000 products, 8 workers gave 0.43 s
// p50 from demand to notification where 4 gave 1.1–1.9 s); a demand's
// versions keep an older state from overwriting a newer one.
var DemandSpec = events.ConsumerSpec{
	Stream:   events.StreamDemand,
	Durable:  DemandDurable,
	Subjects: []string{"ocop.demand.>"},
	Workers:  8,
}

// DemandPreparer handles demand-stream events: a posted or edited demand is
// ranked before the transaction that stores its matches.
func DemandPreparer(m *app.Matching) events.Preparer {
	handle := demandHandler(m)
	return func(ctx context.Context, msg events.Message) (events.Handler, error) {
		var e *demandv1.Demand
		switch msg.Type {
		case events.TypeOf(&demandv1.DemandPosted{}):
			var ev demandv1.DemandPosted
			if err := msg.Decode(&ev); err != nil {
				return nil, err
			}
			e = ev.GetDemand()
		case events.TypeOf(&demandv1.DemandUpdated{}):
			var ev demandv1.DemandUpdated
			if err := msg.Decode(&ev); err != nil {
				return nil, err
			}
			e = ev.GetDemand()
		default:
			return handle, nil
		}
		d, err := demandFromEvent(e)
		if err != nil {
			return nil, events.Permanent(err)
		}
		ranking, err := m.MatchDemand(ctx, d)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, tx pgx.Tx, _ events.Message) error {
			return m.DemandMatched(ctx, tx, d, ranking)
		}, nil
	}
}

// demandHandler handles the demand-stream events other than demands.
func demandHandler(m *app.Matching) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		switch msg.Type {
		case events.TypeOf(&demandv1.DemandClosed{}):
			var ev demandv1.DemandClosed
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.DemandClosed(ctx, tx, &ev)
		case events.TypeOf(&demandv1.QuoteSubmitted{}):
			var ev demandv1.QuoteSubmitted
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.QuoteSubmitted(ctx, tx, ev.GetQuote())
		case events.TypeOf(&demandv1.QuoteDecided{}):
			var ev demandv1.QuoteDecided
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.QuoteDecided(ctx, tx, ev.GetQuote())
		case events.TypeOf(&demandv1.DealFollowUpDue{}):
			var ev demandv1.DealFollowUpDue
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.DealFollowUpDue(ctx, tx, &ev)
		default:
			// Event types matching does not act on (deal stages) are
			// acknowledged, so a new one never blocks this consumer.
			return nil
		}
	}
}

// RatingsSpec is the consumer of rating warnings on the catalogue stream.
var RatingsSpec = events.ConsumerSpec{
	Stream:   events.StreamCatalogue,
	Durable:  "matching-ratings",
	Subjects: []string{"ocop.catalogue.rating.>"},
}

// RatingsHandler turns rating warnings into producer notifications.
func RatingsHandler(m *app.Matching) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		var ev cataloguev1.RatingExpiring
		if err := msg.Decode(&ev); err != nil {
			return err
		}
		return m.RatingExpiring(ctx, tx, &ev)
	}
}

func demandFromEvent(e *demandv1.Demand) (postgres.Demand, error) {
	if e == nil || e.GetId() == "" {
		return postgres.Demand{}, fmt.Errorf("demand event without a demand")
	}
	d := postgres.Demand{
		Demand: rank.Demand{
			ID: e.GetId(), BuyerID: e.GetBuyerId(), Title: e.GetTitle(), Text: e.GetText(), Group: e.GetGroup(),
			Quantity: e.GetQuantity(), Unit: e.GetUnit(), MinStars: int(e.GetMinStars()),
			RequiredCertifications: e.GetRequiredCertifications(), DeliveryProvince: e.GetDeliveryProvince(),
			DeliveryLat: e.GetDeliveryLat(), DeliveryLon: e.GetDeliveryLon(),
		},
		Version: e.GetVersion(),
		Status:  e.GetStatus(),
	}
	if e.MaxPriceVnd != nil {
		p := e.GetMaxPriceVnd()
		d.MaxPriceVND = &p
	}
	if e.GetNeededBy() != "" {
		t, err := time.Parse(time.DateOnly, e.GetNeededBy())
		if err != nil {
			return d, fmt.Errorf("demand %s: needed_by %q is not a date", d.ID, e.GetNeededBy())
		}
		d.NeededBy = t
	}
	posted, err := time.Parse(time.RFC3339Nano, e.GetPostedAt())
	if err != nil {
		return d, fmt.Errorf("demand %s: posted_at %q is not RFC 3339", d.ID, e.GetPostedAt())
	}
	d.PostedAt = posted
	return d, nil
}
