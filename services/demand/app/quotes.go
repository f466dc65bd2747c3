package app

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Matched records the products matching ranked for a demand, so their
// producers may quote on it.
func (s *Demands) Matched(ctx context.Context, tx pgx.Tx, demandID string, matches []MatchedProduct) error {
	return s.repo.ReplaceMatches(ctx, tx, demandID, matches)
}

// SubmitQuote records a producer's offer on an open demand it was matched to,
// or on any open public demand, and tells the buyer.
func (s *Demands) SubmitQuote(ctx context.Context, who auth.Principal, demandID string, q domain.Quote) (domain.Quote, error) {
	if !who.Is(auth.RoleProducer) {
		return domain.Quote{}, errs.Errorf(errs.Forbidden, "only producers quote: use a producer token")
	}
	q.ID, q.DemandID, q.ProducerID = ocop.NewID("q"), demandID, who.OrgID
	if u, ok := ocop.NormaliseUnit(q.Unit); ok {
		q.Unit = u
	}
	var v errs.Validation
	v.Merge("", q.Validate())
	if q.DeliveryDate != nil && q.DeliveryDate.Before(ocop.Today(s.now())) {
		v.Add("delivery_date", "is in the past; use today or a later date")
	}
	if err := v.Err(); err != nil {
		return domain.Quote{}, err
	}
	q.Status, q.SubmittedAt = domain.QuoteSubmitted, s.now()
	err := s.repo.CreateQuote(ctx, q, func(d domain.Demand, matched []string) ([]events.Event, error) {
		if d.Status != domain.StatusOpen {
			return nil, errs.Errorf(errs.Conflict, "demand %s is %s and takes no quotes", d.ID, d.Status)
		}
		switch {
		case len(matched) > 0:
			if q.ProductID != "" && !slices.Contains(matched, q.ProductID) {
				var v errs.Validation
				v.Add("product_id", "is not one of your products matched to this demand: %v", matched)
				return nil, v.Err()
			}
		case !d.Public:
			return nil, errs.Errorf(errs.Forbidden, "demand %s takes quotes from the producers matched to it; it is not public", d.ID)
		}
		ev, err := events.New(ctx, Source, quoteSubject(q.ID), &demandv1.QuoteSubmitted{Quote: quoteMessage(q, d)})
		return []events.Event{ev}, err
	})
	return q, err
}

// Decision is what a buyer does with a quote.
type Decision string

const (
	Shortlist Decision = "shortlist"
	Accept    Decision = "accept"
	Reject    Decision = "reject"
)

// DecideQuote lets the demand's buyer shortlist, accept or reject a quote.
// Accepting awards the demand and opens the deal; the producer is told.
func (s *Demands) DecideQuote(ctx context.Context, who auth.Principal, quoteID string, decision Decision) (domain.Quote, error) {
	to := map[Decision]domain.QuoteStatus{Shortlist: domain.QuoteShortlisted, Accept: domain.QuoteAccepted, Reject: domain.QuoteRejected}[decision]
	return s.repo.DecideQuote(ctx, quoteID, func(d *domain.Demand, q *domain.Quote) (*domain.Deal, []events.Event, error) {
		if err := ownDemand(who, *d); err != nil {
			return nil, nil, err
		}
		if d.Status != domain.StatusOpen {
			return nil, nil, errs.Errorf(errs.Conflict, "demand %s is %s; its quotes can no longer be decided", d.ID, d.Status)
		}
		now := s.now()
		if q.Status == to {
			return nil, nil, nil
		}
		if err := q.Decide(to, now); err != nil {
			return nil, nil, err
		}
		ev, err := events.New(ctx, Source, quoteSubject(q.ID), &demandv1.QuoteDecided{Quote: quoteMessage(*q, *d)})
		if err != nil {
			return nil, nil, err
		}
		evs := []events.Event{ev}
		if to != domain.QuoteAccepted {
			return nil, evs, nil
		}
		d.Status, d.UpdatedAt = domain.StatusAwarded, now
		d.Version++
		closed, err := demandClosed(ctx, *d)
		if err != nil {
			return nil, nil, err
		}
		deal := &domain.Deal{
			ID: ocop.NewID("deal"), DemandID: d.ID, QuoteID: q.ID, BuyerID: d.BuyerID, ProducerID: q.ProducerID,
			ValueVND: int64(math.Round(float64(q.PriceVND) * q.Quantity)), AwardedAt: now, Stage: "awarded", StageAt: now,
		}
		stage, err := events.New(ctx, Source, dealSubject(deal.ID), &demandv1.DealStageRecorded{
			DealId: deal.ID, DemandId: d.ID, BuyerId: d.BuyerID, ProducerId: q.ProducerID, Stage: "awarded",
			RecordedBy: "buyer", RecordedAt: now.Format(time.RFC3339Nano),
		})
		return deal, append(evs, closed, stage), err
	})
}

// Quote returns a quote to its producer, the demand's buyer, officials and admins.
func (s *Demands) Quote(ctx context.Context, who auth.Principal, id string) (domain.Quote, error) {
	q, d, err := s.repo.Quote(ctx, id)
	if err != nil {
		return q, err
	}
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleProducer) && who.ActsFor(q.ProducerID):
	case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
	default:
		return domain.Quote{}, errs.Errorf(errs.Forbidden, "quote %s is seen by its producer and the demand's buyer", id)
	}
	return q, nil
}

// Quotes lists a demand's quotes: all of them to its buyer, officials and
// admins, a producer's own to that producer.
func (s *Demands) Quotes(ctx context.Context, who auth.Principal, demandID string) ([]domain.Quote, error) {
	d, err := s.repo.Demand(ctx, demandID)
	if err != nil {
		return nil, err
	}
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
		return s.repo.Quotes(ctx, demandID, "")
	case who.Is(auth.RoleProducer):
		return s.repo.Quotes(ctx, demandID, who.OrgID)
	default:
		if err := ownDemand(who, d); err != nil {
			return nil, err
		}
		return s.repo.Quotes(ctx, demandID, "")
	}
}

// RecordStage records how far a deal has come; either side may.
func (s *Demands) RecordStage(ctx context.Context, who auth.Principal, dealID, stage, note string) (domain.Deal, error) {
	if !domain.ValidStage(stage) {
		var v errs.Validation
		v.Add("stage", "must be one of contacted, samples_sent, contract_signed, first_delivery, repeat_order")
		return domain.Deal{}, v.Err()
	}
	return s.repo.RecordStage(ctx, dealID, func(d *domain.Deal) (domain.DealStage, []events.Event, error) {
		side := ""
		switch {
		case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
			side = "buyer"
		case who.Is(auth.RoleProducer) && who.ActsFor(d.ProducerID):
			side = "producer"
		default:
			return domain.DealStage{}, nil, errs.Errorf(errs.Forbidden, "only the buyer and the producer of deal %s record its steps", d.ID)
		}
		now := s.now()
		if domain.Further(stage, d.Stage) {
			d.Stage, d.StageAt = stage, now
		}
		ev, err := events.New(ctx, Source, dealSubject(d.ID), &demandv1.DealStageRecorded{
			DealId: d.ID, DemandId: d.DemandID, BuyerId: d.BuyerID, ProducerId: d.ProducerID, Stage: stage,
			RecordedBy: side, RecordedAt: now.Format(time.RFC3339Nano),
		})
		return domain.DealStage{Stage: stage, RecordedBy: side, Note: note, RecordedAt: now}, []events.Event{ev}, err
	})
}

// Deal returns a deal to its two sides, officials and admins.
func (s *Demands) Deal(ctx context.Context, who auth.Principal, id string) (domain.Deal, error) {
	d, err := s.repo.Deal(ctx, id)
	if err != nil {
		return d, err
	}
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
	case who.Is(auth.RoleProducer) && who.ActsFor(d.ProducerID):
	default:
		return domain.Deal{}, errs.Errorf(errs.Forbidden, "deal %s is seen by its buyer and producer", id)
	}
	return d, nil
}

// Deals lists the caller's deals, or all of them to officials and admins.
func (s *Demands) Deals(ctx context.Context, who auth.Principal) ([]domain.Deal, error) {
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
		return s.repo.Deals(ctx, "", "")
	case who.Is(auth.RoleBuyer):
		return s.repo.Deals(ctx, who.OrgID, "")
	case who.Is(auth.RoleProducer):
		return s.repo.Deals(ctx, "", who.OrgID)
	default:
		return nil, errs.Errorf(errs.Forbidden, "deals are seen by buyers, producers, officials and admins")
	}
}

// FollowUpMonths are the months after an award at which both sides are asked
// how the deal went: fairs count MoUs and nothing after, officials want more.
var FollowUpMonths = []int{1, 3, 6}

// PromptFollowUps announces each follow-up milestone reached; notifications
// carry it to both sides. It returns how many prompts it sent.
func (s *Demands) PromptFollowUps(ctx context.Context) (int, error) {
	return s.repo.DueFollowUps(ctx, s.now(), FollowUpMonths, func(d domain.Deal, title string, months int) (events.Event, error) {
		return events.New(ctx, Source, dealSubject(d.ID), &demandv1.DealFollowUpDue{
			DealId: d.ID, DemandId: d.DemandID, DemandTitle: title, BuyerId: d.BuyerID, ProducerId: d.ProducerID,
			Months: int32(months), LastStage: d.Stage,
		})
	})
}
