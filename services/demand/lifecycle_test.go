package demand_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/testkit"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	matchingv1 "github.com/ocopvn/ocop/proto/ocop/matching/v1"
	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/postgres"
)

// eventTypes lists the ce-types published on a subject, oldest first.
func (b bundle) eventTypes(t *testing.T, subject string) []string {
	t.Helper()
	var types []string
	stream, err := b.deps.JS.Stream(context.Background(), events.StreamDemand)
	require.NoError(t, err)
	info, err := stream.Info(context.Background())
	require.NoError(t, err)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		msg, err := stream.GetMsg(context.Background(), seq)
		if err != nil {
			continue
		}
		if msg.Subject == subject {
			types = append(types, msg.Header.Get("ce-type"))
		}
	}
	return types
}

func (b bundle) waitForEvents(t *testing.T, subject string, want ...string) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, fmt.Sprintf("%v on %s", want, subject), func() bool {
		got := b.eventTypes(t, subject)
		if len(got) != len(want) {
			return false
		}
		for i := range want {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	})
}

func (b bundle) post(t *testing.T, body map[string]any, token string) string {
	t.Helper()
	res := b.api.Do(t, http.MethodPost, "/v1/demands", body, token)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var d struct{ ID string }
	res.JSON(t, &d)
	return d.ID
}

// matched publishes matching's ranked list for a demand, as the matching
// service does, and waits until the demand service has recorded it.
func (b bundle) matched(t *testing.T, demandID string, pairs ...[2]string) {
	t.Helper()
	ev := &matchingv1.DemandMatched{DemandId: demandID, DemandVersion: 1}
	for i, p := range pairs {
		ev.Matches = append(ev.Matches, &matchingv1.Match{Rank: int32(i + 1), ProducerId: p[0], ProductId: p[1]})
	}
	e, err := events.New(context.Background(), "/test/matching", "ocop.matching.demand."+demandID, ev)
	require.NoError(t, err)
	msg := nats.NewMsg(e.Subject)
	msg.Data = e.Data
	msg.Header.Set("ce-id", e.ID)
	msg.Header.Set("ce-type", e.Type)
	_, err = b.deps.JS.PublishMsg(context.Background(), msg)
	require.NoError(t, err)
	testkit.Eventually(t, 10*time.Second, "the matches recorded", func() bool {
		var n int
		require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
			`SELECT coalesce(sum(cardinality(product_ids)), 0) FROM demand.matches WHERE demand_id = $1`, demandID).Scan(&n))
		return n == len(pairs)
	})
}

func TestDemandLifeFromDraftToClosed(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	draft := lycheeDemand()
	draft["status"] = "draft"
	id := b.post(t, draft, buyer)
	subject := "ocop.demand.demand." + id

	res := b.api.Do(t, http.MethodPatch, "/v1/demands/"+id, map[string]any{"quantity": 2000}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	time.Sleep(200 * time.Millisecond)
	require.Empty(t, b.eventTypes(t, subject), "a draft is not announced")

	res = b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/publish", nil, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = b.api.Do(t, http.MethodPatch, "/v1/demands/"+id, map[string]any{"max_price_vnd": nil, "needed_by": nil, "title": "Vải thiều sấy dẻo"}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var d map[string]any
	res.JSON(t, &d)
	require.Nil(t, d["max_price_vnd"])
	require.Nil(t, d["needed_by"])
	require.EqualValues(t, 3, d["version"])
	res = b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/close", map[string]any{"reason": "found a supplier"}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	b.waitForEvents(t, subject, "ocop.demand.v1.DemandPosted", "ocop.demand.v1.DemandUpdated", "ocop.demand.v1.DemandClosed")

	res = b.api.Do(t, http.MethodPatch, "/v1/demands/"+id, map[string]any{"quantity": 1}, buyer)
	require.Equal(t, http.StatusConflict, res.Status, "a closed demand is not edited")
	res = b.api.Do(t, http.MethodPatch, "/v1/demands/"+id, map[string]any{"quantity": 1}, testkit.Token(t, auth.RoleBuyer, "buyer-2"))
	require.Equal(t, http.StatusForbidden, res.Status)
	res = b.api.Do(t, http.MethodGet, "/v1/demands?status=closed", nil, buyer)
	require.Contains(t, string(res.Body), id)
}

func TestExpiryClosesDemandsPastTheirDate(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	id := b.post(t, lycheeDemand(), buyer)
	open := b.post(t, lycheeDemand(), buyer)
	_, err := b.deps.Pool.Exec(context.Background(), `UPDATE demand.demands SET needed_by = current_date - 3 WHERE id = $1`, id)
	require.NoError(t, err)

	// The service's own job runs at its start too, and may expire it first:
	// while the job holds the demand, both calls pass over it, and it is
	// expired once the job commits, which its DemandClosed event follows.
	uc := app.New(postgres.New(b.deps.Pool), time.Now)
	_, err = uc.ExpireDemands(context.Background())
	require.NoError(t, err)
	n, err := uc.ExpireDemands(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	b.waitForEvents(t, "ocop.demand.demand."+id, "ocop.demand.v1.DemandPosted", "ocop.demand.v1.DemandClosed")

	var status string
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT status FROM demand.demands WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "expired", status)
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT status FROM demand.demands WHERE id = $1`, open).Scan(&status))
	require.Equal(t, "open", status)
}

func TestQuotesAwardAndDeal(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	prd1, prd2, prd3 := testkit.Token(t, auth.RoleProducer, "prd-1"), testkit.Token(t, auth.RoleProducer, "prd-2"), testkit.Token(t, auth.RoleProducer, "prd-3")
	id := b.post(t, lycheeDemand(), buyer)
	b.matched(t, id, [2]string{"prd-1", "p-1"}, [2]string{"prd-2", "p-2"})

	quote := map[string]any{"product_id": "p-1", "price_vnd": 160000, "quantity": 1500, "unit": "kg", "delivery_date": "2099-09-01", "message": "Giao xe lạnh"}
	res := b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", quote, prd1)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var q1 struct{ ID string }
	res.JSON(t, &q1)
	require.Equal(t, http.StatusConflict, b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", quote, prd1).Status, "one quote per producer")
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", quote, prd3).Status, "not matched, not public")
	wrong := map[string]any{"product_id": "p-9", "price_vnd": 150000, "quantity": 1500, "unit": "kg"}
	res = b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", wrong, prd2)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "product_id", res.Problem(t).Errors[0].Field)
	res = b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", map[string]any{"price_vnd": 155000, "quantity": 1500, "unit": "kg"}, prd2)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var q2 struct{ ID string }
	res.JSON(t, &q2)

	var listed struct {
		Items []struct{ ID, ProducerID string }
	}
	b.api.Do(t, http.MethodGet, "/v1/demands/"+id+"/quotes", nil, buyer).JSON(t, &listed)
	require.Len(t, listed.Items, 2)
	b.api.Do(t, http.MethodGet, "/v1/demands/"+id+"/quotes", nil, prd2).JSON(t, &listed)
	require.Len(t, listed.Items, 1, "a producer sees only its own quote")
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodGet, "/v1/quotes/"+q1.ID, nil, prd2).Status)
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodPost, "/v1/quotes/"+q1.ID+"/accept", nil, testkit.Token(t, auth.RoleBuyer, "buyer-2")).Status)

	require.Equal(t, http.StatusOK, b.api.Do(t, http.MethodPost, "/v1/quotes/"+q2.ID+"/shortlist", nil, buyer).Status)

	// Both quotes accepted at once: one award, one deal.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, qid := range []string{q1.ID, q2.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.api.Do(t, http.MethodPost, "/v1/quotes/"+qid+"/accept", nil, buyer).Status
		}()
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses)
	var deals, awarded int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.deals WHERE demand_id = $1`, id).Scan(&deals))
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.quotes WHERE demand_id = $1 AND status = 'accepted'`, id).Scan(&awarded))
	require.Equal(t, 1, deals)
	require.Equal(t, 1, awarded)

	var d map[string]any
	b.api.Do(t, http.MethodGet, "/v1/demands/"+id, nil, buyer).JSON(t, &d)
	require.Equal(t, "awarded", d["status"])
	require.Equal(t, http.StatusConflict, b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", map[string]any{"price_vnd": 1, "quantity": 1, "unit": "kg"}, prd3).Status)

	var dealList struct {
		Items []struct {
			ID         string `json:"id"`
			ProducerID string `json:"producer_id"`
			ValueVND   int64  `json:"value_vnd"`
		}
	}
	b.api.Do(t, http.MethodGet, "/v1/deals", nil, buyer).JSON(t, &dealList)
	require.Len(t, dealList.Items, 1)
	deal := dealList.Items[0]
	winner := prd1
	if deal.ProducerID == "prd-2" {
		winner = prd2
		require.EqualValues(t, 155000*1500, deal.ValueVND)
	} else {
		require.EqualValues(t, 160000*1500, deal.ValueVND)
	}

	res = b.api.Do(t, http.MethodPost, "/v1/deals/"+deal.ID+"/stages", map[string]any{"stage": "contacted"}, winner)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = b.api.Do(t, http.MethodPost, "/v1/deals/"+deal.ID+"/stages", map[string]any{"stage": "contract_signed", "note": "MoU ký tại hội chợ"}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var got struct {
		Stage  string
		Stages []struct{ Stage, RecordedBy string }
	}
	res.JSON(t, &got)
	require.Equal(t, "contract_signed", got.Stage)
	require.Len(t, got.Stages, 3)
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodPost, "/v1/deals/"+deal.ID+"/stages", map[string]any{"stage": "contacted"}, prd3).Status)
	require.Equal(t, http.StatusBadRequest, b.api.Do(t, http.MethodPost, "/v1/deals/"+deal.ID+"/stages", map[string]any{"stage": "married"}, buyer).Status)

	// Four months on, one prompt for the third month, once.
	_, err := b.deps.Pool.Exec(context.Background(), `UPDATE demand.deals SET awarded_at = now() - interval '4 months' WHERE id = $1`, deal.ID)
	require.NoError(t, err)
	// The service's own job runs at its start too, and may prompt first.
	uc := app.New(postgres.New(b.deps.Pool), time.Now)
	_, err = uc.PromptFollowUps(context.Background())
	require.NoError(t, err)
	n, err := uc.PromptFollowUps(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	b.waitForEvents(t, "ocop.demand.deal."+deal.ID,
		"ocop.demand.v1.DealStageRecorded", "ocop.demand.v1.DealStageRecorded", "ocop.demand.v1.DealStageRecorded", "ocop.demand.v1.DealFollowUpDue")
	stream, err := b.deps.JS.Stream(context.Background(), events.StreamDemand)
	require.NoError(t, err)
	msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.demand.deal."+deal.ID)
	require.NoError(t, err)
	var due demandv1.DealFollowUpDue
	require.NoError(t, proto.Unmarshal(msg.Data, &due))
	require.EqualValues(t, 3, due.Months)
	require.Equal(t, "contract_signed", due.LastStage)

	// The officials' figures.
	official := testkit.Token(t, auth.RoleOfficial, "")
	res = b.api.Do(t, http.MethodGet, "/v1/stats", nil, official)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var st app.Stats
	res.JSON(t, &st)
	require.Equal(t, 1, st.Total.DemandsPosted)
	require.Equal(t, 2, st.Total.MatchedProducts)
	require.Equal(t, 2, st.Total.Quotes)
	require.InDelta(t, 1.0, st.Total.ResponseRate, 1e-9, "both matched producers quoted")
	require.NotNil(t, st.Total.MedianHoursToFirstQuote)
	require.Equal(t, 1, st.Total.Awards)
	require.Equal(t, deal.ValueVND, st.Total.AwardValueVND)
	require.Equal(t, map[string]int{"awarded": 1, "contacted": 1, "samples_sent": 1, "contract_signed": 1, "first_delivery": 0, "repeat_order": 0}, st.Total.DealStages)
	require.Equal(t, 1, st.ByGroup["thuc_pham"].Awards)
	require.Equal(t, 1, st.ByProvince["Hà Nội"].DemandsPosted)
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodGet, "/v1/stats", nil, buyer).Status)
	require.Equal(t, http.StatusBadRequest, b.api.Do(t, http.MethodGet, "/v1/stats?from=2026-13-01", nil, official).Status)
}

func TestPublicDemandTakesAnyProducer(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	d := lycheeDemand()
	d["public"] = true
	id := b.post(t, d, buyer)
	res := b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", map[string]any{"price_vnd": 150000, "quantity": 100, "unit": "kg"}, testkit.Token(t, auth.RoleProducer, "prd-9"))
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
}

func TestBuyerOrganisations(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "winmart-hn")
	org := map[string]any{"name": "Siêu thị WinMart Hà Nội", "kind": "supermarket", "province": "Hà Nội", "address": "Long Biên"}
	res := b.api.Do(t, http.MethodPost, "/v1/buyers", org, buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	require.Equal(t, http.StatusConflict, b.api.Do(t, http.MethodPost, "/v1/buyers", org, buyer).Status)
	other := map[string]any{"id": "someone-else", "name": "X", "kind": "hotel", "province": "Huế"}
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodPost, "/v1/buyers", other, buyer).Status)
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/buyers", other, testkit.Token(t, auth.RoleOfficial, "")).Status)
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodGet, "/v1/buyers/someone-else", nil, buyer).Status)

	res = b.api.Do(t, http.MethodPatch, "/v1/buyers/winmart-hn", map[string]any{"province": "Bắc Giang"}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var got map[string]any
	res.JSON(t, &got)
	require.Equal(t, "Bắc Ninh", got["province"])

	d := lycheeDemand()
	delete(d, "buyer_kind")
	id := b.post(t, d, buyer)
	var posted map[string]any
	b.api.Do(t, http.MethodGet, "/v1/demands/"+id, nil, buyer).JSON(t, &posted)
	require.Equal(t, "supermarket", posted["buyer_kind"], "a registered buyer's kind is filled in")
}

// Many producers quote on one public demand at once, each twice: every
// producer gets exactly one quote in, whatever the interleaving.
func TestConcurrentQuotesOnOneDemand(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	d := lycheeDemand()
	d["public"] = true
	id := b.post(t, d, buyer)
	const producers = 25
	statuses := make([][2]int, producers)
	var wg sync.WaitGroup
	for p := range producers {
		token := testkit.Token(t, auth.RoleProducer, fmt.Sprintf("prd-%02d", p))
		for k := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[p][k] = b.api.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes",
					map[string]any{"price_vnd": 150000 + p, "quantity": 100, "unit": "kg"}, token).Status
			}()
		}
	}
	wg.Wait()
	for p, s := range statuses {
		created := 0
		for _, st := range s {
			require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, st, "producer %d", p)
			if st == http.StatusCreated {
				created++
			}
		}
		require.Equal(t, 1, created, "producer %d: one quote in, the other refused", p)
	}
	var quotes, distinct int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT producer_id) FROM demand.quotes WHERE demand_id = $1`, id).Scan(&quotes, &distinct))
	require.Equal(t, producers, quotes)
	require.Equal(t, producers, distinct)
}
