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

// ProductChanged matches a new or changed product against the open demands
// posted before the change: where it now earns its producer a place among
// the producers a demand notifies, that producer is told, and so is the
// buyer, of a new fitting supplier. Demands the product cannot fit (another
// group, too few stars, a kind the buyer did not name) are skipped without
// searching.
func (m *Matching) ProductChanged(ctx context.Context, tx pgx.Tx, p search.Document, changedAt time.Time) error {
	demands, err := m.repo.OpenDemands(ctx, changedAt)
	if err != nil {
		return err
	}
	today := ocop.Today(m.now())
	for _, d := range demands {
		if !rank.Eligible(d.Demand, p, today) || !m.namesKindOf(d, p) {
			continue
		}
		matches, err := m.matcher.Match(ctx, d.Demand, today)
		if err != nil {
			return fmt.Errorf("matching demand %s against product %s: %w", d.ID, p.ID, err)
		}
		picks, err := m.pick(ctx, matches)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(picks, func(mt rank.Match) bool { return mt.ProductID == p.ID })
		if i < 0 {
			continue
		}
		added, err := m.tell(ctx, tx, d, matches)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(added, func(n postgres.Notification) bool { return n.ProductID == p.ID }) {
			if _, err := m.add(ctx, tx, []postgres.Notification{newSupplierNotification(d, picks[i])}); err != nil {
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
