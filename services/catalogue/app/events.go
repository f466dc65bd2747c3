package app

import (
	"context"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// ProductSubject is the subject of a product's state on the catalogue stream.
func ProductSubject(id string) string { return events.Subject("ocop", "catalogue", "product", id) }

// ProducerSubject is the subject of a producer's state on the catalogue stream.
func ProducerSubject(id string) string { return events.Subject("ocop", "catalogue", "producer", id) }

func productChanged(ctx context.Context, p domain.Product, producer domain.Producer) ([]events.Event, error) {
	ev, err := events.New(ctx, Source, ProductSubject(p.ID), &cataloguev1.ProductChanged{
		Product:  ProductMessage(p),
		Producer: ProducerMessage(producer),
	})
	return []events.Event{ev}, err
}

// producerChanged tells the producer's new state and restates each of its
// products with it, so the compacted stream never holds a stale place.
func producerChanged(ctx context.Context, p domain.Producer, products []domain.Product) ([]events.Event, error) {
	ev, err := events.New(ctx, Source, ProducerSubject(p.ID), &cataloguev1.ProducerChanged{Producer: ProducerMessage(p)})
	if err != nil {
		return nil, err
	}
	evs := []events.Event{ev}
	for _, prod := range products {
		pe, err := productChanged(ctx, prod, p)
		if err != nil {
			return nil, err
		}
		evs = append(evs, pe...)
	}
	return evs, nil
}

func ratingExpiring(ctx context.Context, p domain.Product, daysLeft int) (events.Event, error) {
	return events.New(ctx, Source, events.Subject("ocop", "catalogue", "rating", p.ID), &cataloguev1.RatingExpiring{
		ProductId: p.ID, ProducerId: p.ProducerID, ProductName: p.Name,
		OcopExpiresOn: p.OCOPExpiresOn.Format(ocop.DateLayout), DaysLeft: int32(daysLeft),
	})
}

// ProducerMessage is the event form of a producer.
func ProducerMessage(p domain.Producer) *cataloguev1.Producer {
	return &cataloguev1.Producer{
		Id: p.ID, Name: p.Name, Kind: p.Kind, Province: p.Province, LegacyProvince: p.LegacyProvince,
		LegacyDistrict: p.LegacyDistrict, Commune: p.Commune, Lat: p.Lat, Lon: p.Lon, Email: p.Email, Version: p.Version,
		RegistrationCode: p.RegistrationCode, Address: p.Address,
	}
}

// ProductMessage is the event form of a product.
func ProductMessage(p domain.Product) *cataloguev1.Product {
	m := &cataloguev1.Product{
		Id: p.ID, ProducerId: p.ProducerID, Name: p.Name, Description: p.Description, Group: p.Group,
		Category: p.Category, OcopStars: int32(p.OCOPStars), OcopYear: int32(p.OCOPYear),
		OcopCertifiedOn: p.OCOPCertifiedOn.Format(ocop.DateLayout), OcopExpiresOn: p.OCOPExpiresOn.Format(ocop.DateLayout),
		OcopCertificateNumber: p.OCOPCertificateNumber, OcopIssuedBy: p.OCOPIssuedBy,
		Certifications: p.Certifications, CertificationCodes: p.CertificationCodes, Unit: p.Unit, PriceVnd: p.PriceVND,
		MonthlyCapacity: p.MonthlyCapacity, MinOrder: p.MinOrder, Tags: p.Tags, Withdrawn: p.Withdrawn(), Version: p.Version,
	}
	for _, month := range p.SeasonalMonths {
		m.SeasonalMonths = append(m.SeasonalMonths, int32(month))
	}
	if p.ShelfLifeDays != nil {
		d := int32(*p.ShelfLifeDays)
		m.ShelfLifeDays = &d
	}
	return m
}
