// Package consumers keeps what the fairs service needs of other services:
// the catalogue's products (for booth rules and the exhibitor directory) and
// the quotes between a fair's buyers and exhibitors (for its figures).
package consumers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// ProductsSpec is the durable consumer of product states; never renamed.
var ProductsSpec = events.ConsumerSpec{
	Stream:   events.StreamCatalogue,
	Durable:  "fairs-products",
	Subjects: []string{"ocop.catalogue.product.>"},
	Workers:  2,
	Batch:    100,
}

// ProductsHandler keeps each product's latest state.
func ProductsHandler(f *app.Fairs) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		var ev cataloguev1.ProductChanged
		if err := msg.Decode(&ev); err != nil {
			return err
		}
		p, pr := ev.GetProduct(), ev.GetProducer()
		expires, err := ocop.ParseDate(p.GetOcopExpiresOn())
		if err != nil {
			return events.Permanent(fmt.Errorf("product %s: expiry %q is not a date", p.GetId(), p.GetOcopExpiresOn()))
		}
		return f.KeepProduct(ctx, tx, domain.Product{
			ID: p.GetId(), ProducerID: p.GetProducerId(), ProducerName: pr.GetName(), Name: p.GetName(), Group: p.GetGroup(),
			Category: p.GetCategory(), Stars: int(p.GetOcopStars()), ExpiresOn: expires, Withdrawn: p.GetWithdrawn(), Version: p.GetVersion(),
		})
	}
}

// QuotesSpec is the durable consumer of quotes; never renamed.
var QuotesSpec = events.ConsumerSpec{
	Stream:   events.StreamDemand,
	Durable:  "fairs-quotes",
	Subjects: []string{"ocop.demand.quote.>"},
}

// QuotesHandler keeps each submitted quote's parties.
func QuotesHandler(f *app.Fairs) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		if msg.Type != events.TypeOf(&demandv1.QuoteSubmitted{}) {
			return nil
		}
		var ev demandv1.QuoteSubmitted
		if err := msg.Decode(&ev); err != nil {
			return err
		}
		q := ev.GetQuote()
		at, err := time.Parse(time.RFC3339Nano, q.GetSubmittedAt())
		if err != nil {
			return events.Permanent(fmt.Errorf("quote %s: submitted_at %q is not RFC 3339", q.GetId(), q.GetSubmittedAt()))
		}
		return f.KeepQuote(ctx, tx, q.GetId(), q.GetBuyerId(), q.GetProducerId(), at)
	}
}
