package demand_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/testkit"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/demand"
)

type bundle struct {
	api  testkit.Client
	deps platform.Deps
}

func setup(t *testing.T) bundle {
	t.Helper()
	deps := testkit.Deps(t)
	svc, err := demand.New(context.Background(), deps)
	require.NoError(t, err)
	srv := testkit.Server(t)
	svc.Register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return bundle{api: testkit.Client{Handler: srv.Echo}, deps: deps}
}

func lycheeDemand() map[string]any {
	return map[string]any{
		"buyer_kind": "supermarket", "title": "Vải thiều sấy khô cho chuỗi siêu thị",
		"text":  "Cần vải thiều sấy khô Lục Ngạn, khoảng 1.500 kg/tháng.",
		"group": "thuc_pham", "quantity": 1500, "unit": "kg", "max_price_vnd": 170000, "min_stars": 4,
		"required_certifications": []string{"HACCP"}, "delivery_province": "Hà Nội", "needed_by": "2099-10-15",
	}
}

func TestPostedDemandIsAnnouncedToMatching(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	res := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var d map[string]any
	res.JSON(t, &d)
	id := d["id"].(string)
	require.Equal(t, "buyer-1", d["buyer_id"])
	require.Equal(t, "open", d["status"])
	require.InDelta(t, 21.0285, d["delivery_lat"], 0.001, "the province centre when no point is given")
	require.Equal(t, "/v1/demands/"+id, res.Header.Get("Location"))

	var ev demandv1.DemandPosted
	testkit.Eventually(t, 10*time.Second, "DemandPosted on the demand stream", func() bool {
		stream, err := b.deps.JS.Stream(context.Background(), events.StreamDemand)
		require.NoError(t, err)
		msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.demand.demand."+id)
		if err != nil {
			return false
		}
		require.Equal(t, "ocop.demand.v1.DemandPosted", msg.Header.Get("ce-type"))
		require.NoError(t, proto.Unmarshal(msg.Data, &ev))
		return true
	})
	require.Equal(t, id, ev.Demand.Id)
	require.Equal(t, "buyer-1", ev.Demand.BuyerId)
	require.Equal(t, int64(170000), ev.Demand.GetMaxPriceVnd())
	require.Equal(t, "2099-10-15", ev.Demand.NeededBy)
	require.EqualValues(t, 1, ev.Demand.Version)
	require.NotEmpty(t, ev.Demand.PostedAt)
}

// The demands of the shared data set post as they are; only dates already
// past are moved forward, since a demand cannot be needed yesterday.
func TestDataSetDemandsAreAccepted(t *testing.T) {
	b := setup(t)
	raw, err := os.ReadFile("testdata/demands-dev.json")
	require.NoError(t, err)
	var file struct {
		Demands []map[string]any `json:"demands"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.Len(t, file.Demands, 60)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	for _, d := range file.Demands {
		if nb, ok := d["needed_by"].(string); ok {
			d["needed_by"] = "2099" + nb[4:]
		}
		res := b.api.Do(t, http.MethodPost, "/v1/demands", d, buyer)
		require.Equal(t, http.StatusCreated, res.Status, "%s: %s", d["id"], res.Body)
	}
	past := lycheeDemand()
	past["needed_by"] = "2020-01-01"
	res := b.api.Do(t, http.MethodPost, "/v1/demands", past, buyer)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "needed_by", res.Problem(t).Errors[0].Field)
}

func TestInvalidDemandListsEveryFieldAndWritesNothing(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	bad := lycheeDemand()
	bad["buyer_kind"] = "farmer"
	bad["quantity"] = -3
	bad["min_stars"] = 9
	bad["needed_by"] = "15/10/2026"
	bad["delivery_province"] = "Atlantis"
	res := b.api.Do(t, http.MethodPost, "/v1/demands", bad, buyer)
	require.Equal(t, http.StatusBadRequest, res.Status)
	var got []string
	for _, f := range res.Problem(t).Errors {
		got = append(got, f.Field)
	}
	require.Equal(t, []string{"buyer_kind", "delivery_lat", "delivery_province", "min_stars", "needed_by", "quantity"}, got)

	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.demands`).Scan(&n))
	require.Zero(t, n)
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.outbox`).Scan(&n))
	require.Zero(t, n)
}

func TestWhoSeesWhat(t *testing.T) {
	b := setup(t)
	owner := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	res := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), owner)
	require.Equal(t, http.StatusCreated, res.Status)
	var d struct{ ID string }
	res.JSON(t, &d)
	path := "/v1/demands/" + d.ID

	cases := []struct {
		name, method, path string
		token              string
		status             int
	}{
		{"owner reads", http.MethodGet, path, owner, http.StatusOK},
		{"other buyer reads", http.MethodGet, path, testkit.Token(t, auth.RoleBuyer, "buyer-2"), http.StatusForbidden},
		{"producer reads", http.MethodGet, path, testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusForbidden},
		{"organiser reads", http.MethodGet, path, testkit.Token(t, auth.RoleOrganiser, "org-1"), http.StatusForbidden},
		{"official reads", http.MethodGet, path, testkit.Token(t, auth.RoleOfficial, ""), http.StatusOK},
		{"admin reads", http.MethodGet, path, testkit.Token(t, auth.RoleAdmin, ""), http.StatusOK},
		{"anonymous reads", http.MethodGet, path, "", http.StatusUnauthorized},
		{"unknown demand", http.MethodGet, "/v1/demands/d-nope", owner, http.StatusNotFound},
		{"producer lists", http.MethodGet, "/v1/demands", testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusForbidden},
		{"anonymous lists", http.MethodGet, "/v1/demands", "", http.StatusUnauthorized},
		{"official lists", http.MethodGet, "/v1/demands", testkit.Token(t, auth.RoleOfficial, ""), http.StatusOK},
		{"producer posts", http.MethodPost, "/v1/demands", testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusForbidden},
		{"official posts", http.MethodPost, "/v1/demands", testkit.Token(t, auth.RoleOfficial, ""), http.StatusForbidden},
		{"anonymous posts", http.MethodPost, "/v1/demands", "", http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.method == http.MethodPost {
				body = lycheeDemand()
			}
			res := b.api.Do(t, c.method, c.path, body, c.token)
			require.Equal(t, c.status, res.Status, string(res.Body))
		})
	}
}

func TestListingPagesWithoutGapsOrRepeats(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	other := testkit.Token(t, auth.RoleBuyer, "buyer-2")
	want := map[string]bool{}
	for i := range 7 {
		d := lycheeDemand()
		d["id"] = fmt.Sprintf("d-%02d", i)
		res := b.api.Do(t, http.MethodPost, "/v1/demands", d, buyer)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		want[d["id"].(string)] = true
	}
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), other).Status)

	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		res := b.api.Do(t, http.MethodGet, "/v1/demands?limit=3&cursor="+cursor, nil, buyer)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var page struct {
			Items []struct {
				ID      string `json:"id"`
				BuyerID string `json:"buyer_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		res.JSON(t, &page)
		pages++
		for _, it := range page.Items {
			require.Equal(t, "buyer-1", it.BuyerID, "a buyer lists only its own demands")
			require.False(t, seen[it.ID], "no demand twice")
			seen[it.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	require.Equal(t, want, seen)
	require.Equal(t, 3, pages)

	res := b.api.Do(t, http.MethodGet, "/v1/demands?cursor=garbage", nil, buyer)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "cursor", res.Problem(t).Errors[0].Field)
}

func TestIdempotentPost(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	first := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer, "Idempotency-Key", "k1")
	again := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, again.Status)
	require.JSONEq(t, string(first.Body), string(again.Body))
	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.demands`).Scan(&n))
	require.Equal(t, 1, n, "a retried post creates one demand")
}
