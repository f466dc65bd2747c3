// Package app holds the matching service's use cases: ranking a posted demand
// and telling the producers it fits, and answering who may see what.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	matchingv1 "github.com/ocopvn/ocop/proto/ocop/matching/v1"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Source is the CloudEvents source of matching's events.
const Source = "/ocop/matching"

// StoredMatches is how many ranked products are kept per demand.
const StoredMatches = 20

// Repository is what matching stores.
type Repository interface {
	SaveDemand(ctx context.Context, tx pgx.Tx, d postgres.Demand) (bool, error)
	ReplaceMatches(ctx context.Context, tx pgx.Tx, demandID string, version int64, matches []rank.Match) error
	AddNotifications(ctx context.Context, tx pgx.Tx, ns []postgres.Notification) ([]postgres.Notification, error)
	SetDemandStatus(ctx context.Context, tx pgx.Tx, id, status string, version int64) error
	Outbox() *events.Outbox
	Demand(ctx context.Context, id string) (postgres.Demand, error)
	Matches(ctx context.Context, demandID string) ([]postgres.StoredMatch, error)
	Notifications(ctx context.Context, role, recipientID string, after *postgres.NotificationCursor, limit int) ([]postgres.Notification, error)
	MarkAnswered(ctx context.Context, tx pgx.Tx, producerID, demandID string, at time.Time) error
	RecentMatchCounts(ctx context.Context, producerIDs []string, since time.Time) (map[string]int, error)
	ReplaceSupplyGroup(ctx context.Context, tx pgx.Tx, demandID string, version int64, group *rank.CombinedSupply) error
	SupplyGroup(ctx context.Context, demandID string) (*postgres.SupplyGroup, error)
	OpenDemands(ctx context.Context, postedBefore time.Time) ([]postgres.Demand, error)
}

// rotationWindow is how far back the notifications counted when near-equal
// producers take turns reach.
const rotationWindow = 30 * 24 * time.Hour

// Matching is the matching service's use cases.
type Matching struct {
	repo    Repository
	fairs   FairRepository
	matcher rank.Matcher
	notify  int
	now     func() time.Time
}

// New returns the use cases; notify is how many producers a demand notifies.
func New(repo Repository, fairs FairRepository, matcher rank.Matcher, notify int) *Matching {
	return &Matching{repo: repo, fairs: fairs, matcher: matcher, notify: notify, now: time.Now}
}

// DemandChanged ranks the catalogue for a posted or edited demand, stores the
// ranked list and notifies the best producers, all in the handler's
// transaction. A producer already told of a product for this demand is not
// told again; an edit that brings a new product of its to the top is told.
func (m *Matching) DemandChanged(ctx context.Context, tx pgx.Tx, d postgres.Demand) error {
	fresh, err := m.repo.SaveDemand(ctx, tx, d)
	if err != nil || !fresh {
		return err
	}
	matches, err := m.matcher.Match(ctx, d.Demand, ocop.Today(m.now()))
	if err != nil {
		return fmt.Errorf("matching demand %s: %w", d.ID, err)
	}
	_, err = m.tell(ctx, tx, d, matches)
	return err
}

// tell stores a demand's ranked list and combined supply, and notifies the
// producers picked for it that were not told before; it returns those.
func (m *Matching) tell(ctx context.Context, tx pgx.Tx, d postgres.Demand, matches []rank.Match) ([]postgres.Notification, error) {
	top := matches[:min(len(matches), StoredMatches)]
	if err := m.repo.ReplaceMatches(ctx, tx, d.ID, d.Version, top); err != nil {
		return nil, err
	}
	var group *rank.CombinedSupply
	if g, ok := rank.Combine(d.Demand, matches); ok {
		group = &g
	}
	if err := m.repo.ReplaceSupplyGroup(ctx, tx, d.ID, d.Version, group); err != nil {
		return nil, err
	}
	picks, err := m.pick(ctx, matches)
	if err != nil {
		return nil, err
	}
	added, err := m.repo.AddNotifications(ctx, tx, matchNotifications(d, picks))
	if err != nil {
		return nil, err
	}
	evs, err := matchEvents(ctx, d, top, added)
	if err != nil {
		return nil, err
	}
	return added, m.repo.Outbox().Add(ctx, tx, evs...)
}

// pick chooses the producers to notify, taking turns among near-equal ones
// by their notifications of the past rotationWindow (see rank.Pick).
func (m *Matching) pick(ctx context.Context, matches []rank.Match) ([]rank.Match, error) {
	producers := make([]string, 0, len(matches))
	for _, mt := range rank.OnePerProducer(matches, len(matches)) {
		producers = append(producers, mt.ProducerID)
	}
	recent, err := m.repo.RecentMatchCounts(ctx, producers, m.now().Add(-rotationWindow))
	if err != nil {
		return nil, err
	}
	return rank.Pick(matches, m.notify, recent), nil
}

func matchEvents(ctx context.Context, d postgres.Demand, top []rank.Match, added []postgres.Notification) ([]events.Event, error) {
	matched := &matchingv1.DemandMatched{DemandId: d.ID, DemandVersion: d.Version}
	for _, mt := range top {
		matched.Matches = append(matched.Matches, &matchingv1.Match{
			Rank: int32(mt.Rank), Score: mt.Score, ProductId: mt.ProductID, ProducerId: mt.ProducerID, Reasons: mt.Reasons,
		})
	}
	ev, err := events.New(ctx, Source, events.Subject("ocop", "matching", "demand", d.ID), matched)
	if err != nil {
		return nil, err
	}
	evs := []events.Event{ev}
	for _, n := range added {
		ev, err := events.New(ctx, Source, events.Subject("ocop", "matching", "notification", n.ID), &matchingv1.ProducerNotified{
			NotificationId: n.ID, ProducerId: n.RecipientID, DemandId: n.DemandID, ProductId: n.ProductID, Rank: int32(n.Rank),
		})
		if err != nil {
			return nil, err
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// Answer is what a buyer sees of a demand's matching: the ranked list and,
// apart from it, a combined supply when no single producer makes it all.
type Answer struct {
	Demand   postgres.Demand
	Matches  []postgres.StoredMatch
	Combined *postgres.SupplyGroup
}

// Matches returns a demand's answer to its buyer, officials and admins.
func (m *Matching) Matches(ctx context.Context, who auth.Principal, demandID string) (Answer, error) {
	var a Answer
	d, err := m.repo.Demand(ctx, demandID)
	if err != nil {
		return a, err
	}
	a.Demand = d
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
	default:
		return a, errs.Errorf(errs.Forbidden, "only the buyer who posted demand %s, officials and admins see its matches", demandID)
	}
	if a.Matches, err = m.repo.Matches(ctx, demandID); err != nil {
		return a, err
	}
	a.Combined, err = m.repo.SupplyGroup(ctx, demandID)
	return a, err
}

// Notifications returns a producer's or buyer's own notifications, newest first.
func (m *Matching) Notifications(ctx context.Context, who auth.Principal, after *postgres.NotificationCursor, limit int) ([]postgres.Notification, error) {
	if !who.Is(auth.RoleProducer, auth.RoleBuyer, auth.RoleOrganiser) {
		return nil, errs.Errorf(errs.Forbidden, "notifications are for producers, buyers and organisers")
	}
	return m.repo.Notifications(ctx, string(who.Role), who.OrgID, after, limit)
}

// SearchProducts finds products by text under filters, for buyers browsing.
// Only products with a rating valid today are shown.
func (m *Matching) SearchProducts(ctx context.Context, q search.Query) ([]search.Hit, error) {
	q.ValidOn = ocop.Today(m.now())
	return m.matcher.Index.Search(ctx, q)
}
