// Package consumers turns events from the other services into matching's
// work: catalogue changes into index updates, posted demands into matches.
package consumers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
)

// DemandDurable is the durable consumer of demand events. Matching replicas
// share it, which makes it a work queue; the name is never changed.
const DemandDurable = "matching-demands"

// DemandSpec is the consumer of posted demands.
var DemandSpec = events.ConsumerSpec{
	Stream:   events.StreamDemand,
	Durable:  DemandDurable,
	Subjects: []string{"ocop.demand.demand.>"},
	Workers:  4,
}

// DemandHandler handles demand events.
func DemandHandler(m *app.Matching) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		switch msg.Type {
		case events.TypeOf(&demandv1.DemandPosted{}):
			var ev demandv1.DemandPosted
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			d, err := demandFromEvent(ev.GetDemand())
			if err != nil {
				return events.Permanent(err)
			}
			return m.DemandPosted(ctx, tx, d)
		default:
			// Event types matching does not act on yet are acknowledged, so
			// adding one to the demand service never blocks this consumer.
			return nil
		}
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
