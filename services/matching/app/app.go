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
	"github.com/ocopvn/ocop/services/matching/delivery"
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
	ReplaceAnswer(ctx context.Context, tx pgx.Tx, demandID string, version int64, matches []rank.Match, group *rank.CombinedSupply) error
	AddNotifications(ctx context.Context, tx pgx.Tx, ns []postgres.Notification) ([]postgres.Notification, error)
	SetDemandStatus(ctx context.Context, tx pgx.Tx, id, status string, version int64) error
	Outbox() *events.Outbox
	Demand(ctx context.Context, id string) (postgres.Demand, error)
	Matches(ctx context.Context, demandID string) ([]postgres.StoredMatch, error)
	Notifications(ctx context.Context, role, recipientID string, unreadOnly bool, after *postgres.NotificationCursor, limit int) ([]postgres.Notification, error)
	MarkAnswered(ctx context.Context, tx pgx.Tx, producerID, demandID string, at time.Time) error
	RecentMatchCounts(ctx context.Context, producerIDs []string, since time.Time) (map[string]int, error)
	SupplyGroup(ctx context.Context, demandID string) (*postgres.SupplyGroup, error)
	OpenDemands(ctx context.Context, postedBefore time.Time) ([]postgres.Demand, error)
}

// rotationWindow is how far back the notifications counted when near-equal
// producers take turns reach.
const rotationWindow = 30 * 24 * time.Hour

// recentMatchesTTL is how long a producer's count of recent notifications is
// kept in memory, counting up with what this process notifies, before it is
// read again (and so catches up with other replicas').
const recentMatchesTTL = 10 * time.Minute

// Dispatcher sends stored notifications beyond the inbox (webhooks, e-mail),
// queued in the transaction that stored them.
type Dispatcher interface {
	Dispatch(ctx context.Context, tx pgx.Tx, ns []delivery.Notice, known *delivery.Targets) error
}

// Matching is the matching service's use cases.
type Matching struct {
	repo      Repository
	fairs     FairRepository
	inbox     Inbox
	streams   *streamReads
	matcher   rank.Matcher
	notify    int
	dispatch  Dispatcher
	redeliver Redeliverer
	guard     delivery.Guard
	now       func() time.Time
	// recent counts producers' match notifications of the rotation window.
	recent *ProducerCache[int]
	// kinds holds the kinds each open demand version's words name.
	kinds demandKinds
	// ranked holds the open demands' rankings on the current index (see MatchProduct).
	ranked rankedProducts
}

// Redeliverer queues a webhook delivery again, and the digests now.
type Redeliverer interface {
	Redeliver(ctx context.Context, tx pgx.Tx, deliveryID string) error
	SendDigests(ctx context.Context) error
}

// Options are the use cases' collaborators beyond the repositories.
type Options struct {
	// Notify is how many producers a demand notifies.
	Notify int
	// Queue delivers notifications beyond the inbox; nil keeps them in it.
	Queue interface {
		Dispatcher
		Redeliverer
	}
	// Guard checks webhook URLs when they are saved.
	Guard delivery.Guard
}

// New returns the use cases.
func New(repo Repository, fairs FairRepository, inbox Inbox, matcher rank.Matcher, o Options) *Matching {
	m := &Matching{repo: repo, fairs: fairs, inbox: inbox, streams: &streamReads{pages: inbox.StreamPages}, matcher: matcher,
		notify: o.Notify, guard: o.Guard, now: time.Now}
	m.recent = NewProducerCache(func(ctx context.Context, producers []string) (map[string]int, error) {
		return repo.RecentMatchCounts(ctx, producers, m.now().Add(-rotationWindow))
	}, recentMatchesTTL)
	if o.Queue != nil {
		m.dispatch, m.redeliver = o.Queue, o.Queue
	}
	return m
}

// add stores notifications not given before and queues their delivery;
// it returns those it added.
func (m *Matching) add(ctx context.Context, tx pgx.Tx, ns []postgres.Notification) ([]postgres.Notification, error) {
	return m.addFor(ctx, tx, ns, nil)
}

// addFor is add for recipients whose delivery Targets were read already
// (nil: read them in tx).
func (m *Matching) addFor(ctx context.Context, tx pgx.Tx, ns []postgres.Notification, known *delivery.Targets) ([]postgres.Notification, error) {
	added, err := m.repo.AddNotifications(ctx, tx, ns)
	if err != nil {
		return nil, err
	}
	var matched []string
	for _, n := range added {
		if n.Kind == "match" && n.RecipientRole == "producer" {
			matched = append(matched, n.RecipientID)
		}
	}
	// Counted before the commit: a transaction that then fails leaves a
	// producer one turn behind until its count is read again.
	m.recent.Update(matched, func(n int) int { return n + 1 })
	if len(added) == 0 || m.dispatch == nil {
		return added, nil
	}
	notices := make([]delivery.Notice, len(added))
	for i, n := range added {
		notices[i] = delivery.Notice{ID: n.ID, RecipientRole: n.RecipientRole, RecipientID: n.RecipientID, Kind: n.Kind,
			Title: n.Title, Body: n.Body, DemandID: n.DemandID, ProductID: n.ProductID, Rank: n.Rank, Score: n.Score,
			Reasons: n.Reasons, Data: n.Data, CreatedAt: n.CreatedAt}
	}
	return added, m.dispatch.Dispatch(ctx, tx, notices, known)
}

// Ranking is a demand's ranked products and, among them, the producers'
// products picked to be told, with the delivery targets of the producers
// ranked.
type Ranking struct {
	Matches []rank.Match
	Picks   []rank.Match
	Targets delivery.Targets
}

// MatchDemand ranks the catalogue for a posted or edited demand and picks
// whom to tell. It reads only, so the consumer runs it before its
// transaction opens.
func (m *Matching) MatchDemand(ctx context.Context, d postgres.Demand) (Ranking, error) {
	matches, err := m.matcher.Match(ctx, d.Demand, ocop.Today(m.now()))
	if err != nil {
		return Ranking{}, fmt.Errorf("matching demand %s: %w", d.ID, err)
	}
	return m.rank(ctx, matches)
}

// rank picks among matches the producers to tell: those whose preferences
// want the match, taking turns among near-equal ones by their
// notifications of the past rotationWindow (see rank.Pick). The producers'
// preferences, webhooks and recent counts are read before any transaction
// opens: read inside one, they kept its connection waiting on a second from
// the pool, and every service's outbox waited on that transaction.
func (m *Matching) rank(ctx context.Context, matches []rank.Match) (Ranking, error) {
	producers := rank.Producers(matches)
	recent, err := m.recent.Get(ctx, producers)
	if err != nil {
		return Ranking{}, err
	}
	targets, err := m.inbox.Targets(ctx, "producer", producers)
	if err != nil {
		return Ranking{}, err
	}
	wanted := make([]rank.Match, 0, len(matches))
	for _, mt := range matches {
		if targets.Preferences.Of("producer", mt.ProducerID).Wants(mt.Product.Group, mt.Product.Category, mt.Score) {
			wanted = append(wanted, mt)
		}
	}
	return Ranking{Matches: matches, Picks: rank.Pick(wanted, m.notify, recent), Targets: targets}, nil
}

// DemandMatched stores a demand's ranking (from MatchDemand) and notifies
// the producers picked, in the handler's transaction, unless a newer
// version of the demand was handled already. A producer already told of a
// product for this demand is not told again; an edit that brings a new
// product of its to the top is told.
func (m *Matching) DemandMatched(ctx context.Context, tx pgx.Tx, d postgres.Demand, r Ranking) error {
	fresh, err := m.repo.SaveDemand(ctx, tx, d)
	if err != nil || !fresh {
		return err
	}
	_, err = m.tell(ctx, tx, d, r)
	return err
}

// tell stores a demand's ranked list and combined supply, and notifies the
// producers picked for it that were not told before; it returns those.
func (m *Matching) tell(ctx context.Context, tx pgx.Tx, d postgres.Demand, r Ranking) ([]postgres.Notification, error) {
	top := r.Matches[:min(len(r.Matches), StoredMatches)]
	var group *rank.CombinedSupply
	if g, ok := rank.Combine(d.Demand, r.Matches); ok {
		group = &g
	}
	if err := m.repo.ReplaceAnswer(ctx, tx, d.ID, d.Version, top, group); err != nil {
		return nil, err
	}
	added, err := m.addFor(ctx, tx, matchNotifications(d, r.Picks), &r.Targets)
	if err != nil {
		return nil, err
	}
	ev, err := matchedEvent(ctx, d, top, added)
	if err != nil {
		return nil, err
	}
	return added, m.repo.Outbox().Add(ctx, tx, ev)
}

func matchedEvent(ctx context.Context, d postgres.Demand, top []rank.Match, added []postgres.Notification) (events.Event, error) {
	matched := &matchingv1.DemandMatched{DemandId: d.ID, DemandVersion: d.Version}
	for _, mt := range top {
		matched.Matches = append(matched.Matches, &matchingv1.Match{
			Rank: int32(mt.Rank), Score: mt.Score, ProductId: mt.ProductID, ProducerId: mt.ProducerID, Reasons: mt.Reasons,
		})
	}
	for _, n := range added {
		matched.Notified = append(matched.Notified, &matchingv1.Notified{
			NotificationId: n.ID, ProducerId: n.RecipientID, ProductId: n.ProductID, Rank: int32(n.Rank),
		})
	}
	return events.New(ctx, Source, events.Subject("ocop", "matching", "demand", d.ID), matched)
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
func (m *Matching) Notifications(ctx context.Context, who auth.Principal, unreadOnly bool, after *postgres.NotificationCursor, limit int) ([]postgres.Notification, error) {
	if !who.Is(auth.RoleProducer, auth.RoleBuyer, auth.RoleOrganiser) {
		return nil, errs.Errorf(errs.Forbidden, "notifications are for producers, buyers and organisers")
	}
	return m.repo.Notifications(ctx, string(who.Role), who.OrgID, unreadOnly, after, limit)
}

// SearchProducts finds products by text under filters, for buyers browsing.
// Only products with a rating valid today are shown.
func (m *Matching) SearchProducts(ctx context.Context, q search.Query) ([]search.Hit, error) {
	q.ValidOn = ocop.Today(m.now())
	return m.matcher.Index.Search(ctx, q)
}

// Tell stores and delivers one notification to an organisation, in tx.
func (m *Matching) Tell(ctx context.Context, tx pgx.Tx, role, id, kind, title, body string) error {
	_, err := m.add(ctx, tx, []postgres.Notification{{RecipientRole: role, RecipientID: id, Kind: kind,
		DedupeKey: kind + ":" + title, Title: title, Body: body}})
	return err
}

// SendDigests sends every pending e-mail digest now, for admins (the daily
// job sends them at OCOP_DIGEST_HOUR).
func (m *Matching) SendDigests(ctx context.Context, who auth.Principal) error {
	if !who.Is(auth.RoleAdmin) {
		return errs.Errorf(errs.Forbidden, "only admins send the digests ahead of their hour")
	}
	if m.redeliver == nil {
		return errs.Errorf(errs.Unavailable, "e-mail delivery is not running")
	}
	return m.redeliver.SendDigests(ctx)
}
