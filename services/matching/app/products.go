package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
)

// ProductMatch is an open demand among whose picks a changed product now
// ranks, with the demand's whole ranking.
type ProductMatch struct {
	demand  postgres.Demand
	ranking Ranking
	pick    rank.Match
}

// MatchProduct matches a new or changed product against the open demands
// posted before the change and returns those it now earns its producer a
// place in. Demands the product cannot fit (another group, too few stars,
// a kind the buyer did not name) are skipped without searching, and so is
// a demand whose ranking on the same index, searched for an earlier
// product, left this one out. It only reads, and runs before the
// transaction that tells anyone (see events.Preparer).
func (m *Matching) MatchProduct(ctx context.Context, p search.Document, changedAt time.Time) ([]ProductMatch, error) {
	demands, err := m.repo.OpenDemands(ctx, changedAt)
	if err != nil {
		return nil, err
	}
	indexed, err := m.matcher.Index.Sequence(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the search index: %w", err)
	}
	today := ocop.Today(m.now())
	kinds := m.kinds.of(demands)
	var found []ProductMatch
	for i, d := range demands {
		if !rank.Eligible(d.Demand, p, today) || !namesKindOf(kinds[i], p) {
			continue
		}
		if ids, ok := m.ranked.get(indexed, today, d); ok && !ids.holds(p.ID) {
			continue
		}
		matches, err := m.matcher.Match(ctx, d.Demand, today)
		if err != nil {
			return nil, fmt.Errorf("matching demand %s against product %s: %w", d.ID, p.ID, err)
		}
		m.ranked.put(indexed, today, d, matches)
		// Picks are made among the matches: a product not matched needs
		// no reading of its rivals' preferences and turns.
		if !slices.ContainsFunc(matches, func(mt rank.Match) bool { return mt.ProductID == p.ID }) {
			continue
		}
		r, err := m.rank(ctx, matches)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(r.Picks, func(mt rank.Match) bool { return mt.ProductID == p.ID }); i >= 0 {
			found = append(found, ProductMatch{demand: d, ranking: r, pick: r.Picks[i]})
		}
	}
	return found, nil
}

// rankedProducts holds, for each open demand version, the products its
// ranking held on one state of the search index and one day. A catalogue
// import sends thousands of products through MatchProduct, each against
// every open demand whose words fit it; searched again for each product,
// an import met by a fair week's open demands never finished. The same
// index on the same day ranks a demand the same, so a product missing from
// the ranking an earlier product's search gave is left out without a search.
// Only the current index state's rankings are kept: at most one per open
// demand.
type rankedProducts struct {
	mu      sync.Mutex
	indexed uint64
	day     time.Time
	ids     map[demandVersion]productIDs
}

// productIDs are a ranking's product ids, sorted.
type productIDs []string

func (ids productIDs) holds(id string) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}

// demandVersion names a demand version. It is a map key read for every open
// demand for every product of an import, so it allocates nothing.
type demandVersion struct {
	id      string
	version int64
}

func versionOf(d postgres.Demand) demandVersion { return demandVersion{d.ID, d.Version} }

func (r *rankedProducts) get(indexed uint64, day time.Time, d postgres.Demand) (productIDs, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.indexed != indexed || !r.day.Equal(day) {
		return nil, false
	}
	ids, ok := r.ids[versionOf(d)]
	return ids, ok
}

func (r *rankedProducts) put(indexed uint64, day time.Time, d postgres.Demand, matches []rank.Match) {
	ids := make(productIDs, len(matches))
	for i, mt := range matches {
		ids[i] = mt.ProductID
	}
	slices.Sort(ids)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.indexed != indexed || !r.day.Equal(day) {
		r.indexed, r.day, r.ids = indexed, day, map[demandVersion]productIDs{}
	}
	r.ids[versionOf(d)] = ids
}

// ProductMatched tells, in tx, the producer of product p of each demand it
// was found among the picks of, and the buyer of a new fitting supplier.
func (m *Matching) ProductMatched(ctx context.Context, tx pgx.Tx, p search.Document, found []ProductMatch) error {
	for _, f := range found {
		added, err := m.tell(ctx, tx, f.demand, f.ranking)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(added, func(n postgres.Notification) bool { return n.ProductID == p.ID }) {
			if _, err := m.add(ctx, tx, []postgres.Notification{newSupplierNotification(f.demand, f.pick)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// namesKindOf is the cheap test a product passes, after the demand's hard
// constraints, before the demand is searched again for it: the demand's
// words (read as kinds) name no kind, or the product's.
func namesKindOf(kinds map[string]float64, p search.Document) bool {
	return len(kinds) == 0 || kinds[p.Category] > 0
}

// demandKinds holds the kinds each open demand version's words name. A
// catalogue import sends every product through MatchProduct for every open
// demand, so each version's words are read once; the versions no longer
// open are forgotten, or a year's demands would stay in memory.
type demandKinds struct {
	mu    sync.Mutex
	kinds map[demandVersion]map[string]float64
}

// of returns the kinds each of demands names. Once the versions held
// outnumber twice the open ones, only the open ones are kept: rebuilt on
// every call, the map cost each product of an import an allocation per
// open demand.
func (k *demandKinds) of(demands []postgres.Demand) []map[string]float64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kinds == nil {
		k.kinds = make(map[demandVersion]map[string]float64, len(demands))
	}
	out := make([]map[string]float64, len(demands))
	for i, d := range demands {
		key := versionOf(d)
		kinds, ok := k.kinds[key]
		if !ok {
			kinds = rank.Read(d.Demand).Categories
			k.kinds[key] = kinds
		}
		out[i] = kinds
	}
	if len(k.kinds) > 2*len(demands) {
		open := make(map[demandVersion]map[string]float64, len(demands))
		for i, d := range demands {
			open[versionOf(d)] = out[i]
		}
		k.kinds = open
	}
	return out
}

func newSupplierNotification(d postgres.Demand, mt rank.Match) postgres.Notification {
	return postgres.Notification{
		RecipientRole: "buyer", RecipientID: d.BuyerID, Kind: KindNewSupplier,
		DedupeKey: "supplier:" + d.ID + ":" + mt.ProductID,
		Title:     "Nhà cung cấp mới phù hợp: " + d.Title,
		Body: fmt.Sprintf("Sản phẩm %s (%s) vừa có trên danh mục và phù hợp nhu cầu của bạn, xếp hạng %d: %s.",
			mt.Product.Name, mt.Product.ProducerName, mt.Rank, strings.Join(mt.Reasons, "; ")),
		DemandID: d.ID, ProductID: mt.ProductID, Rank: mt.Rank, Score: mt.Score, Reasons: mt.Reasons,
		Data: map[string]any{"producer_id": mt.ProducerID},
	}
}
