package app_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
)

// countedIndex counts the searches made of an index.
type countedIndex struct {
	search.Index
	searches atomic.Int64
}

func (c *countedIndex) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	c.searches.Add(1)
	return c.Index.Search(ctx, q)
}

// A product left out of every open demand's ranking on the current index,
// as most of a large import are, is matched against them without a search:
// a catalogue import met by a fair week's open demands searched each demand
// again for every product, and never finished. A product indexed later is
// searched for, and found where it ranks.
func TestProductsOutsideTheRankingsCostNoSearch(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"matching": {pgplatform.Migrations, events.Migrations, postgres.Migrations}})
	repo := postgres.New(pool, testkit.Logger(t))
	engine, err := bleve.OpenTemporary()
	require.NoError(t, err)
	t.Cleanup(func() { _ = engine.Close() })
	index := &countedIndex{Index: engine}
	m := app.New(repo, repo, repo, rank.Matcher{Index: index, Ranker: rank.Ranker{Weights: rank.DefaultWeights}}, app.Options{Notify: 10})

	expires := ocop.Today(time.Now()).AddDate(2, 0, 0).Format(ocop.DateLayout)
	product := func(id, name string) search.Document {
		return search.Document{ID: id, ProducerID: "prd-" + id, ProducerName: "HTX " + id, Province: "Bắc Ninh", Lat: 21.3, Lon: 106.4,
			Name: name, Group: "thuc_pham", Category: "honey", Stars: 4, ExpiresOn: expires, Unit: "kg", PriceVND: 200000,
			MonthlyCapacity: 1000, MinOrder: 1}
	}
	// More products fit the demands' words than a ranking holds.
	var changes []search.Change
	for i := range 150 {
		p := product(fmt.Sprintf("p-honey-%03d", i), fmt.Sprintf("Mật ong rừng hoa bạc hà loại %d", i))
		changes = append(changes, search.Change{Upsert: &p})
	}
	farmed := product("p-farmed", "Mật ong nuôi")
	changes = append(changes, search.Change{Upsert: &farmed})
	require.NoError(t, engine.Apply(ctx, changes, uint64(len(changes))))

	const demands = 3
	posted := time.Now().Add(-time.Hour)
	require.NoError(t, pgplatform.InTx(ctx, pool, func(tx pgx.Tx) error {
		for i := range demands {
			d := postgres.Demand{Demand: rank.Demand{ID: fmt.Sprintf("d-%d", i), BuyerID: "buyer-1", Title: "Mật ong rừng hoa bạc hà",
				Text: "Cần mật ong rừng hoa bạc hà cho cửa hàng", Group: "thuc_pham", Quantity: 50, Unit: "kg", DeliveryProvince: "Hà Nội",
				DeliveryLat: 21.03, DeliveryLon: 105.85}, Version: 1, Status: "open", PostedAt: posted}
			if _, err := repo.SaveDemand(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	}))

	_, err = m.MatchProduct(ctx, *changes[0].Upsert, time.Now())
	require.NoError(t, err)
	ranked := index.searches.Load()
	require.Positive(t, ranked)

	found, err := m.MatchProduct(ctx, farmed, time.Now())
	require.NoError(t, err)
	require.Empty(t, found, "farmed honey is not among the forest honeys ranked")
	require.Equal(t, ranked, index.searches.Load(), "a product the rankings left out costs no search")

	best := product("p-best", "Mật ong rừng hoa bạc hà")
	require.NoError(t, engine.Apply(ctx, []search.Change{{Upsert: &best}}, uint64(len(changes)+1)))
	found, err = m.MatchProduct(ctx, best, time.Now())
	require.NoError(t, err)
	require.Len(t, found, demands, "a product indexed later is searched for, and picked for every demand it tops")
	require.Greater(t, index.searches.Load(), ranked)
}
