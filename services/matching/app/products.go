package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
// a kind the buyer did not name) are skipped without searching. It only
// reads, and runs before the transaction that tells anyone (see
// events.Preparer).
func (m *Matching) MatchProduct(ctx context.Context, p search.Document, changedAt time.Time) ([]ProductMatch, error) {
	demands, err := m.repo.OpenDemands(ctx, changedAt)
	if err != nil {
		return nil, err
	}
	today := ocop.Today(m.now())
	var found []ProductMatch
	for _, d := range demands {
		if !rank.Eligible(d.Demand, p, today) || !m.namesKindOf(d, p) {
			continue
		}
		matches, err := m.matcher.Match(ctx, d.Demand, today)
		if err != nil {
			return nil, fmt.Errorf("matching demand %s against product %s: %w", d.ID, p.ID, err)
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
// words name no kind, or the product's. A catalogue import sends every
// product through here for every open demand, so each demand version's
// words are read once and kept.
func (m *Matching) namesKindOf(d postgres.Demand, p search.Document) bool {
	key := d.ID + "@" + strconv.FormatInt(d.Version, 10)
	cached, ok := m.kinds.Load(key)
	if !ok {
		cached, _ = m.kinds.LoadOrStore(key, rank.Read(d.Demand).Categories)
	}
	kinds := cached.(map[string]float64)
	return len(kinds) == 0 || kinds[p.Category] > 0
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
