package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

type answerJSON struct {
	matchesJSON
	CombinedSupply *struct {
		Capacity float64 `json:"capacity"`
		Unit     string  `json:"unit"`
		Members  []struct {
			ProducerID string  `json:"producer_id"`
			ProductID  string  `json:"product_id"`
			Capacity   float64 `json:"capacity"`
		} `json:"members"`
	} `json:"combined_supply"`
}

func answerOf(t *testing.T, c testkit.Client, demandID, token string) answerJSON {
	t.Helper()
	var a answerJSON
	res := c.Do(t, http.MethodGet, "/v1/demands/"+demandID+"/matches", nil, token)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.JSON(t, &a)
	return a
}

// Matching both ways, combined supply and responsiveness across services: a
// demand nobody can fill alone gets a group of producers; a product added
// later that fits is matched against the open demand, its producer told and
// the buyer told of a new supplier, once; a quote counts as an answer.
func TestMatchingBothWaysAndCombinedSupply(t *testing.T) {
	dbURL := testkit.DatabaseURL(t)
	proc := start(t, dbURL, t.TempDir(), "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)

	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	demand := map[string]any{}
	for k, v := range dryLycheeDemand {
		demand[k] = v
	}
	demand["quantity"] = 5000
	res := c.Do(t, http.MethodPost, "/v1/demands", demand, buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var posted struct{ ID string }
	res.JSON(t, &posted)
	waitForMatches(t, w, posted.ID, buyer)

	a := answerOf(t, c, posted.ID, buyer)
	require.NotNil(t, a.CombinedSupply, "no producer makes 5 t a month alone")
	require.GreaterOrEqual(t, a.CombinedSupply.Capacity, 5000.0)
	require.Equal(t, "kg", a.CombinedSupply.Unit)
	producers := map[string]bool{}
	for _, m := range a.CombinedSupply.Members {
		require.False(t, producers[m.ProducerID], "one place per producer in a group")
		producers[m.ProducerID] = true
	}
	require.Len(t, producers, 2)

	official := testkit.Token(t, auth.RoleOfficial, "")
	res = c.Do(t, http.MethodPost, "/v1/producers", map[string]any{"id": "prd-004", "name": "HTX Vải sấy Lục Ngạn Mới",
		"kind": "cooperative", "province": "Bắc Giang", "lat": 21.38, "lon": 106.55}, official)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	newcomer := map[string]any{"id": "p-dried-new", "name": "Vải thiều sấy khô Lục Ngạn loại đặc biệt", "description": "Vải thiều sấy khô nguyên quả.",
		"group": "thuc_pham", "category": "dried_fruit", "ocop_stars": 5, "ocop_certified_on": testkit.CertifiedMonthsAgo(10), "certifications": []string{"HACCP"},
		"unit": "kg", "price_vnd": 155000, "monthly_capacity": 8000, "min_order": 50, "tags": []string{"vải thiều sấy"}}
	prd4 := testkit.Token(t, auth.RoleProducer, "prd-004")
	res = c.Do(t, http.MethodPost, "/v1/products", newcomer, prd4)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))

	testkit.Eventually(t, 30*time.Second, "the buyer is told of the new supplier", func() bool {
		for _, n := range noticesOf(t, c, buyer) {
			if n.Kind == "new_supplier" && n.DemandID == posted.ID && n.Product == "p-dried-new" {
				return true
			}
		}
		return false
	})
	require.Equal(t, map[string]int{"prd-004": 1}, notificationsFor(t, w, posted.ID, []string{"prd-004"}), "the new supplier is told of the demand")
	a = answerOf(t, c, posted.ID, buyer)
	require.Equal(t, "p-dried-new", a.Items[0].ProductID, "the ranked list takes the new product in")
	require.Nil(t, a.CombinedSupply, "a producer making it all needs no group")

	res = c.Do(t, http.MethodPatch, "/v1/products/p-dried-new", map[string]any{"price_vnd": 150000}, prd4)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	// The demand service learns of the new match from an event.
	testkit.Eventually(t, 30*time.Second, "the new supplier may quote", func() bool {
		return c.Do(t, http.MethodPost, "/v1/demands/"+posted.ID+"/quotes",
			map[string]any{"product_id": "p-dried-new", "price_vnd": 150000, "quantity": 5000, "unit": "kg"}, prd4).Status == http.StatusCreated
	})

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	testkit.Eventually(t, 30*time.Second, "the quote counts as an answer to the match", func() bool {
		var answered bool
		err := conn.QueryRow(context.Background(), `SELECT answered_at IS NOT NULL FROM matching.notifications
			WHERE kind = 'match' AND recipient_id = 'prd-004' AND demand_id = $1`, posted.ID).Scan(&answered)
		require.NoError(t, err)
		return answered
	})
	suppliers := 0
	for _, n := range noticesOf(t, c, buyer) {
		if n.Kind == "new_supplier" && n.DemandID == posted.ID {
			suppliers++
		}
	}
	require.Equal(t, 1, suppliers, "a changed product already told of is not told again")

	res = c.Do(t, http.MethodGet, "/metrics", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, string(res.Body), "\nocop_index_merging 0", "a few products set off no merge of the index")
}
