package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Repository stores demands, quotes, deals and buyers. Every method that
// changes state writes the change's events in the same transaction; update
// methods lock the record and let a function decide.
type Repository interface {
	CreateDemand(ctx context.Context, d domain.Demand, evs []events.Event) error
	UpdateDemand(ctx context.Context, id string, fn func(*domain.Demand) ([]events.Event, error)) (domain.Demand, error)
	Demand(ctx context.Context, id string) (domain.Demand, error)
	List(ctx context.Context, f ListFilter) ([]domain.Demand, error)
	// ExpireDemands applies fn to every open demand needed before today.
	ExpireDemands(ctx context.Context, today time.Time, fn func(*domain.Demand) (events.Event, error)) (int, error)

	// ReplaceMatches records, in a consumer's transaction, the products
	// matching ranked for a demand.
	ReplaceMatches(ctx context.Context, tx pgx.Tx, demandID string, matches []MatchedProduct) error

	// CreateQuote stores a quote after check approves it against the demand,
	// locked, and whether the producer was matched to it.
	CreateQuote(ctx context.Context, q domain.Quote, check func(d domain.Demand, matchedProducts []string) ([]events.Event, error)) error
	// DecideQuote locks the quote and its demand and stores fn's decision,
	// with the deal when it creates one.
	DecideQuote(ctx context.Context, id string, fn func(d *domain.Demand, q *domain.Quote) (*domain.Deal, []events.Event, error)) (domain.Quote, error)
	Quote(ctx context.Context, id string) (domain.Quote, domain.Demand, error)
	Quotes(ctx context.Context, demandID, producerID string) ([]domain.Quote, error)

	Deal(ctx context.Context, id string) (domain.Deal, error)
	Deals(ctx context.Context, buyerID, producerID string) ([]domain.Deal, error)
	RecordStage(ctx context.Context, dealID string, fn func(*domain.Deal) (domain.DealStage, []events.Event, error)) (domain.Deal, error)
	// DueFollowUps calls fn for each deal that reached a follow-up milestone
	// (months after its award) not yet prompted; it records the prompt.
	DueFollowUps(ctx context.Context, now time.Time, months []int, fn func(d domain.Deal, title string, months int) (events.Event, error)) (int, error)

	CreateBuyer(ctx context.Context, b domain.Buyer) error
	UpdateBuyer(ctx context.Context, id string, fn func(*domain.Buyer) error) (domain.Buyer, error)
	Buyer(ctx context.Context, id string) (domain.Buyer, error)

	Stats(ctx context.Context, f StatsFilter) (Stats, error)
}

// MatchedProduct is one product matching ranked for a demand.
type MatchedProduct struct {
	ProductID  string
	ProducerID string
	Rank       int
}
