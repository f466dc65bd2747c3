package consumers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/search"
)

// ProductsSpec is the consumer that matches new and changed products
// against open demands, the other way round from demand matching.
var ProductsSpec = events.ConsumerSpec{
	Stream:   events.StreamCatalogue,
	Durable:  "matching-products",
	Subjects: []string{"ocop.catalogue.product.>"},
	Batch:    100,
}

// indexWait is how long a product's matching waits for the index to hold
// it before the event is retried.
const indexWait = 10 * time.Second

// ProductsPreparer matches each product change against the open demands
// once the search index holds the change; the waiting and searching happen
// before the transaction that tells the producers.
func ProductsPreparer(m *app.Matching, index search.Index) events.Preparer {
	return func(ctx context.Context, msg events.Message) (events.Handler, error) {
		var ev cataloguev1.ProductChanged
		if err := msg.Decode(&ev); err != nil {
			return nil, err
		}
		if ev.GetProduct().GetWithdrawn() {
			return nothing, nil
		}
		if err := waitForIndex(ctx, index, msg.StreamSequence); err != nil {
			return nil, err
		}
		p := DocumentFrom(&ev)
		found, err := m.MatchProduct(ctx, p, msg.Time)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, tx pgx.Tx, _ events.Message) error {
			return m.ProductMatched(ctx, tx, p, found)
		}, nil
	}
}

// nothing is the handler of an event that changes nothing here.
func nothing(context.Context, pgx.Tx, events.Message) error { return nil }

// waitForIndex waits until the index has applied the catalogue stream up to seq.
func waitForIndex(ctx context.Context, index search.Index, seq uint64) error {
	deadline := time.Now().Add(indexWait)
	for {
		at, err := index.Sequence(ctx)
		if err != nil {
			return err
		}
		if at >= seq {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the search index is at catalogue event %d, behind product event %d; retrying", at, seq)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
