package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Subject is the subject of a demand's events.
func Subject(id string) string { return events.Subject("ocop", "demand", "demand", id) }

func quoteSubject(id string) string { return events.Subject("ocop", "demand", "quote", id) }

func dealSubject(id string) string { return events.Subject("ocop", "demand", "deal", id) }

// Message is the event form of a demand.
func Message(d domain.Demand) *demandv1.Demand {
	m := &demandv1.Demand{
		Id: d.ID, BuyerId: d.BuyerID, BuyerKind: d.BuyerKind, Title: d.Title, Text: d.Text, Group: d.Group,
		Quantity: d.Quantity, Unit: d.Unit, MaxPriceVnd: d.MaxPriceVND, MinStars: int32(d.MinStars),
		RequiredCertifications: d.RequiredCertifications, DeliveryProvince: d.DeliveryProvince,
		DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon, Status: string(d.Status), Version: d.Version,
		PostedAt: d.PostedAt.Format(time.RFC3339Nano),
	}
	if d.NeededBy != nil {
		m.NeededBy = d.NeededBy.Format(ocop.DateLayout)
	}
	return m
}

func demandPosted(ctx context.Context, d domain.Demand) (events.Event, error) {
	return events.New(ctx, Source, Subject(d.ID), &demandv1.DemandPosted{Demand: Message(d)})
}

func demandUpdated(d domain.Demand) *demandv1.DemandUpdated {
	return &demandv1.DemandUpdated{Demand: Message(d)}
}

func demandClosed(ctx context.Context, d domain.Demand) (events.Event, error) {
	return events.New(ctx, Source, Subject(d.ID), &demandv1.DemandClosed{
		DemandId: d.ID, BuyerId: d.BuyerID, Status: string(d.Status), Reason: d.ClosedReason, Version: d.Version,
	})
}

func quoteMessage(q domain.Quote, d domain.Demand) *demandv1.Quote {
	m := &demandv1.Quote{
		Id: q.ID, DemandId: q.DemandID, DemandTitle: d.Title, BuyerId: d.BuyerID, ProducerId: q.ProducerID,
		ProductId: q.ProductID, PriceVnd: q.PriceVND, Quantity: q.Quantity, Unit: q.Unit, Message: q.Message,
		Status: string(q.Status), SubmittedAt: q.SubmittedAt.Format(time.RFC3339Nano),
	}
	if q.DeliveryDate != nil {
		m.DeliveryDate = q.DeliveryDate.Format(ocop.DateLayout)
	}
	return m
}
