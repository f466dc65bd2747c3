package demand_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/testkit"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/demand"
)

type bundle struct {
	api  testkit.Client
	deps platform.Deps
}

func setup(t *testing.T, opts ...demand.Option) bundle {
	t.Helper()
	deps := testkit.Deps(t)
	svc, err := demand.New(context.Background(), deps, opts...)
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

// count returns the rows of a table of the demand schema.
func (b bundle) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM demand.`+table).Scan(&n))
	return n
}

// streamMessages returns how many messages the demand stream holds.
func (b bundle) streamMessages(t *testing.T) uint64 {
	t.Helper()
	stream, err := b.deps.JS.Stream(context.Background(), events.StreamDemand)
	require.NoError(t, err)
	info, err := stream.Info(context.Background())
	require.NoError(t, err)
	return info.State.Msgs
}

// fixedClock stands the service on one instant.
func fixedClock(at time.Time) demand.Option {
	return demand.WithClock(func() time.Time { return at })
}

func TestPostedDemandIsAnnouncedToMatching(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	body := lycheeDemand()
	body["unit"] = "Kilogram"
	body["delivery_province"] = "Bắc Giang"
	body["required_certifications"] = []string{"VietGAP", "HACCP"}
	res := b.api.Do(t, http.MethodPost, "/v1/demands", body, buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var d struct {
		ID                     string    `json:"id"`
		BuyerID                string    `json:"buyer_id"`
		Status                 string    `json:"status"`
		Version                int64     `json:"version"`
		Unit                   string    `json:"unit"`
		DeliveryProvince       string    `json:"delivery_province"`
		DeliveryLat            float64   `json:"delivery_lat"`
		DeliveryLon            float64   `json:"delivery_lon"`
		RequiredCertifications []string  `json:"required_certifications"`
		PostedAt               time.Time `json:"posted_at"`
		CreatedAt              time.Time `json:"created_at"`
		UpdatedAt              time.Time `json:"updated_at"`
	}
	res.JSON(t, &d)
	require.Regexp(t, `^d-[0-9a-f]{12}$`, d.ID)
	require.Equal(t, "/v1/demands/"+d.ID, res.Header.Get("Location"))
	require.Equal(t, "buyer-1", d.BuyerID, "the buyer is the token's organisation")
	require.Equal(t, "open", d.Status)
	require.EqualValues(t, 1, d.Version)
	require.Equal(t, "kg", d.Unit, "the unit is stored canonical")
	require.Equal(t, "Bắc Ninh", d.DeliveryProvince, "a pre-2025 province is stored under its current name")
	bacNinh, _ := ocop.LookupProvince("Bắc Ninh")
	require.Equal(t, bacNinh.Lat, d.DeliveryLat, "the province centre when no point is given")
	require.Equal(t, bacNinh.Lon, d.DeliveryLon)
	require.Equal(t, []string{"HACCP", "VietGAP"}, d.RequiredCertifications)
	require.WithinDuration(t, time.Now(), d.PostedAt, time.Minute)
	require.Equal(t, d.PostedAt, d.CreatedAt)
	require.Equal(t, d.PostedAt, d.UpdatedAt)

	again := b.api.Do(t, http.MethodGet, "/v1/demands/"+d.ID, nil, buyer)
	require.Equal(t, http.StatusOK, again.Status, string(again.Body))
	require.JSONEq(t, string(res.Body), string(again.Body), "the demand reads back as it was answered, to the microsecond")

	var ev demandv1.DemandPosted
	testkit.Eventually(t, 10*time.Second, "DemandPosted on the demand stream", func() bool {
		stream, err := b.deps.JS.Stream(context.Background(), events.StreamDemand)
		require.NoError(t, err)
		msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.demand.demand."+d.ID)
		if err != nil {
			return false
		}
		require.Equal(t, "ocop.demand.v1.DemandPosted", msg.Header.Get("ce-type"))
		require.Equal(t, "/ocop/demand", msg.Header.Get("ce-source"))
		require.Equal(t, msg.Header.Get("ce-id"), msg.Header.Get("Nats-Msg-Id"))
		require.NoError(t, proto.Unmarshal(msg.Data, &ev))
		return true
	})
	got := ev.GetDemand()
	require.Equal(t, d.ID, got.GetId())
	require.Equal(t, "buyer-1", got.GetBuyerId())
	require.Equal(t, "supermarket", got.GetBuyerKind())
	require.Equal(t, body["title"], got.GetTitle())
	require.Equal(t, body["text"], got.GetText())
	require.Equal(t, "thuc_pham", got.GetGroup())
	require.Equal(t, 1500.0, got.GetQuantity())
	require.Equal(t, "kg", got.GetUnit())
	require.NotNil(t, got.MaxPriceVnd, "a price ceiling set is present")
	require.Equal(t, int64(170000), got.GetMaxPriceVnd())
	require.EqualValues(t, 4, got.GetMinStars())
	require.Equal(t, []string{"HACCP", "VietGAP"}, got.GetRequiredCertifications())
	require.Equal(t, "Bắc Ninh", got.GetDeliveryProvince())
	require.Equal(t, bacNinh.Lat, got.GetDeliveryLat())
	require.Equal(t, bacNinh.Lon, got.GetDeliveryLon())
	require.Equal(t, "2099-10-15", got.GetNeededBy())
	require.Equal(t, "open", got.GetStatus())
	require.EqualValues(t, 1, got.GetVersion())
	postedAt, err := time.Parse(time.RFC3339Nano, got.GetPostedAt())
	require.NoError(t, err)
	require.True(t, postedAt.Equal(d.PostedAt), "the event's posted_at %s is the stored %s", postedAt, d.PostedAt)
}

func TestOptionalFieldsMayBeNullOrAbsent(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	body := map[string]any{
		"buyer_kind": "hotel", "title": "Homestay cho đoàn 20 khách", "group": nil, "quantity": 20, "unit": "khách",
		"max_price_vnd": nil, "min_stars": nil, "needed_by": nil, "delivery_province": "Lào Cai",
		"delivery_lat": 22.3364, "delivery_lon": 103.8438,
	}
	res := b.api.Do(t, http.MethodPost, "/v1/demands", body, buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var d map[string]any
	res.JSON(t, &d)
	for _, field := range []string{"group", "max_price_vnd", "min_stars", "needed_by"} {
		require.Contains(t, d, field)
		require.Nil(t, d[field], "%s is null when not set", field)
	}
	require.Equal(t, []any{}, d["required_certifications"], "no certifications is an empty list, not null")
	require.Equal(t, "", d["text"])
	require.Equal(t, 22.3364, d["delivery_lat"], "the buyer's own point is kept")
	require.Equal(t, 103.8438, d["delivery_lon"])
}

// The demands of the shared data set post exactly as they are in the file,
// on the day the data set was judged (its as_of): from the next day on, some
// of their dates needed would be past and rightly refused.
func TestDataSetDemandsAreAcceptedAsTheyAre(t *testing.T) {
	raw, err := os.ReadFile("testdata/demands-dev.json")
	require.NoError(t, err)
	var file struct {
		AsOf    string            `json:"as_of"`
		Demands []json.RawMessage `json:"demands"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.Len(t, file.Demands, 60)
	asOf, err := ocop.ParseDate(file.AsOf)
	require.NoError(t, err)
	b := setup(t, fixedClock(asOf.Add(9*time.Hour)))
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")

	for _, body := range file.Demands {
		var sent map[string]any
		require.NoError(t, json.Unmarshal(body, &sent))
		res := b.api.Do(t, http.MethodPost, "/v1/demands", []byte(body), buyer)
		require.Equal(t, http.StatusCreated, res.Status, "%s: %s", sent["id"], res.Body)
		var got map[string]any
		res.JSON(t, &got)
		for field, want := range sent {
			if field == "required_certifications" {
				require.ElementsMatch(t, want, got[field], "%s: %s", sent["id"], field)
				continue
			}
			require.Equal(t, want, got[field], "%s: %s comes back as posted", sent["id"], field)
		}
		require.Equal(t, "buyer-1", got["buyer_id"])
		require.Equal(t, "open", got["status"])
	}
	require.Equal(t, 60, b.count(t, "demands"))
	testkit.Eventually(t, 10*time.Second, "60 DemandPosted events", func() bool { return b.streamMessages(t) == 60 })
}

func TestNeededByIsNotInThePast(t *testing.T) {
	now := time.Date(2026, 5, 1, 23, 30, 0, 0, ocop.Vietnam)
	b := setup(t, fixedClock(now))
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	cases := map[string]int{"2026-04-30": http.StatusBadRequest, "2026-05-01": http.StatusCreated, "2026-05-02": http.StatusCreated}
	for date, status := range cases {
		t.Run(date, func(t *testing.T) {
			body := lycheeDemand()
			body["needed_by"] = date
			res := b.api.Do(t, http.MethodPost, "/v1/demands", body, buyer)
			require.Equal(t, status, res.Status, string(res.Body))
			if status == http.StatusBadRequest {
				require.Equal(t, "needed_by", res.Problem(t).Errors[0].Field)
			}
		})
	}
}

func problemFields(t *testing.T, res testkit.Response) []string {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, res.Status, string(res.Body))
	var fields []string
	for _, f := range res.Problem(t).Errors {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestInvalidDemandListsEveryFieldAndWritesNothing(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	with := func(change map[string]any) map[string]any {
		body := lycheeDemand()
		for k, v := range change {
			if v == "(absent)" {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return body
	}
	cases := map[string]struct {
		body any
		want []string
	}{
		"every field wrong": {with(map[string]any{
			"id": "Bad Id", "buyer_kind": "farmer", "title": "", "text": strings.Repeat("x", 5001), "group": "food",
			"quantity": -3, "unit": "bushel", "max_price_vnd": 0, "min_stars": 9, "required_certifications": []string{"FDA"},
			"delivery_province": "Atlantis", "delivery_lat": 48.85, "delivery_lon": 2.35, "needed_by": "15/10/2026",
			"status": "closed",
		}), []string{"buyer_kind", "delivery_lat", "delivery_province", "group", "id", "max_price_vnd", "min_stars",
			"needed_by", "quantity", "required_certifications", "status", "text", "title", "unit"}},
		"required fields absent": {with(map[string]any{
			"buyer_kind": "(absent)", "title": "(absent)", "quantity": "(absent)", "unit": "(absent)", "delivery_province": "(absent)",
		}), []string{"buyer_kind", "delivery_province", "quantity", "title", "unit"}},
		"problems found reading the body and by the rules": {with(map[string]any{
			"min_stars": 0, "group": "", "needed_by": "2020-01-01", "quantity": 0,
		}), []string{"group", "min_stars", "needed_by", "quantity"}},
		"unknown province and no point":  {with(map[string]any{"delivery_province": "Atlantis"}), []string{"delivery_province"}},
		"latitude without longitude":     {with(map[string]any{"delivery_lat": 21.0}), []string{"delivery_lon"}},
		"longitude without latitude":     {with(map[string]any{"delivery_lon": 105.8}), []string{"delivery_lat"}},
		"the point 0, 0 given":           {with(map[string]any{"delivery_lat": 0, "delivery_lon": 0}), []string{"delivery_lat"}},
		"needed_by not a date":           {with(map[string]any{"needed_by": "2026-02-30"}), []string{"needed_by"}},
		"quantity not a number":          {with(map[string]any{"quantity": "lots"}), []string{"quantity"}},
		"a field the API does not know":  {with(map[string]any{"colour": "red"}), []string{"colour"}},
		"a buyer_id of someone else set": {with(map[string]any{"buyer_id": "buyer-2"}), []string{"buyer_id"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res := b.api.Do(t, http.MethodPost, "/v1/demands", tc.body, buyer)
			require.Equal(t, tc.want, problemFields(t, res))
		})
	}
	res := b.api.Do(t, http.MethodPost, "/v1/demands", "not json", buyer)
	require.Equal(t, http.StatusBadRequest, res.Status)

	require.Zero(t, b.count(t, "demands"), "no demand stored")
	require.Zero(t, b.count(t, "outbox"), "no event written")
}

func TestWhoMayDoWhat(t *testing.T) {
	b := setup(t)
	owner := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	otherBuyer := testkit.Token(t, auth.RoleBuyer, "buyer-2")
	producer := testkit.Token(t, auth.RoleProducer, "prd-1")
	organiser := testkit.Token(t, auth.RoleOrganiser, "org-1")
	official := testkit.Token(t, auth.RoleOfficial, "")
	admin := testkit.Token(t, auth.RoleAdmin, "")

	res := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), owner)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var mine struct{ ID string }
	res.JSON(t, &mine)
	res = b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), otherBuyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var theirs struct{ ID string }
	res.JSON(t, &theirs)
	path := "/v1/demands/" + mine.ID

	t.Run("post", func(t *testing.T) {
		for _, c := range []struct {
			who, token string
			status     int
		}{
			{"buyer", owner, http.StatusCreated},
			{"producer", producer, http.StatusForbidden},
			{"organiser", organiser, http.StatusForbidden},
			{"official", official, http.StatusForbidden},
			{"admin", admin, http.StatusForbidden},
			{"anonymous", "", http.StatusUnauthorized},
			{"bad token", "not-a-jwt", http.StatusUnauthorized},
		} {
			t.Run(c.who, func(t *testing.T) {
				before := b.count(t, "demands")
				res := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), c.token)
				require.Equal(t, c.status, res.Status, string(res.Body))
				if c.status != http.StatusCreated {
					require.Equal(t, before, b.count(t, "demands"), "a refused post stores nothing")
				}
			})
		}
	})

	t.Run("get one", func(t *testing.T) {
		for _, c := range []struct {
			who, token, path string
			status           int
			detail           string
		}{
			{"owner", owner, path, http.StatusOK, ""},
			{"other buyer", otherBuyer, path, http.StatusForbidden, "belongs to another buyer"},
			{"producer", producer, path, http.StatusForbidden, ""},
			{"organiser", organiser, path, http.StatusForbidden, ""},
			{"official", official, path, http.StatusOK, ""},
			{"admin", admin, path, http.StatusOK, ""},
			{"anonymous", "", path, http.StatusUnauthorized, ""},
			{"owner, unknown demand", owner, "/v1/demands/d-nope", http.StatusNotFound, ""},
			{"anonymous, unknown demand", "", "/v1/demands/d-nope", http.StatusUnauthorized, ""},
		} {
			t.Run(c.who, func(t *testing.T) {
				res := b.api.Do(t, http.MethodGet, c.path, nil, c.token)
				require.Equal(t, c.status, res.Status, string(res.Body))
				switch {
				case c.status == http.StatusOK:
					require.Contains(t, string(res.Body), mine.ID)
				case c.detail != "":
					require.Contains(t, res.Problem(t).Detail, c.detail)
				default:
					require.NotContains(t, string(res.Body), "Vải thiều", "a refusal shows nothing of the demand")
				}
			})
		}
	})

	t.Run("list", func(t *testing.T) {
		for _, c := range []struct {
			who, token string
			status     int
			sees       []string
			seesNot    []string
		}{
			{"owner", owner, http.StatusOK, []string{mine.ID}, []string{theirs.ID}},
			{"other buyer", otherBuyer, http.StatusOK, []string{theirs.ID}, []string{mine.ID}},
			{"producer", producer, http.StatusForbidden, nil, nil},
			{"organiser", organiser, http.StatusForbidden, nil, nil},
			{"official", official, http.StatusOK, []string{mine.ID, theirs.ID}, nil},
			{"admin", admin, http.StatusOK, []string{mine.ID, theirs.ID}, nil},
			{"anonymous", "", http.StatusUnauthorized, nil, nil},
		} {
			t.Run(c.who, func(t *testing.T) {
				res := b.api.Do(t, http.MethodGet, "/v1/demands?limit=100", nil, c.token)
				require.Equal(t, c.status, res.Status, string(res.Body))
				if c.status != http.StatusOK {
					return
				}
				ids, _ := listPage(t, res)
				for _, id := range c.sees {
					require.Contains(t, ids, id)
				}
				for _, id := range c.seesNot {
					require.NotContains(t, ids, id)
				}
			})
		}
	})
}

func listPage(t *testing.T, res testkit.Response) (ids []string, next string) {
	t.Helper()
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	res.JSON(t, &page)
	require.NotNil(t, page.Items, "items is a list, never null")
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	if page.NextCursor != nil {
		require.NotEmpty(t, *page.NextCursor, "next_cursor is absent on the last page, never empty")
		next = *page.NextCursor
	}
	return ids, next
}

// walk follows next_cursor from the first page to the last.
func (b bundle) walk(t *testing.T, token, query string) (ids []string, pages int) {
	t.Helper()
	cursor := ""
	for {
		res := b.api.Do(t, http.MethodGet, "/v1/demands?"+query+"&cursor="+cursor, nil, token)
		page, next := listPage(t, res)
		ids = append(ids, page...)
		pages++
		require.Less(t, pages, 100, "the pages never end")
		if next == "" {
			return ids, pages
		}
		cursor = next
	}
}

func TestListingPagesWithoutGapsOrRepeats(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clocks := map[string]func() time.Time{
		// One instant for every demand: only the id orders them.
		"one instant": func() time.Time { return start },
		// A minute between demands: the newest comes first.
		"a minute apart": func() func() time.Time {
			var mu sync.Mutex
			n := 0
			return func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				n++
				return start.Add(time.Duration(n) * time.Minute)
			}
		}(),
	}
	for name, clock := range clocks {
		t.Run(name, func(t *testing.T) {
			b := setup(t, demand.WithClock(clock))
			buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
			other := testkit.Token(t, auth.RoleBuyer, "buyer-2")
			var posted []string // oldest first
			for i := range 23 {
				d := lycheeDemand()
				d["id"] = fmt.Sprintf("d-%02d", (i*7)%23) // ids not in posting order
				res := b.api.Do(t, http.MethodPost, "/v1/demands", d, buyer)
				require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
				posted = append(posted, d["id"].(string))
				if i%5 == 0 {
					require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), other).Status)
				}
			}
			want := slices.Clone(posted)
			if name == "one instant" {
				slices.Sort(want)
			}
			slices.Reverse(want)

			ids, pages := b.walk(t, buyer, "limit=5")
			require.Equal(t, want, ids, "every demand once, newest first, only the buyer's own")
			require.Equal(t, 5, pages)

			ids, pages = b.walk(t, buyer, "")
			require.Equal(t, want, ids)
			require.Equal(t, 2, pages, "20 to a page by default")

			ids, pages = b.walk(t, testkit.Token(t, auth.RoleOfficial, ""), "limit=100")
			require.Len(t, ids, 23+5, "officials see every buyer's")
			require.Equal(t, 1, pages)
		})
	}
}

func TestListingFiltersAndLimits(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	open := lycheeDemand()
	open["id"] = "d-open"
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", open, buyer).Status)
	draft := lycheeDemand()
	draft["id"], draft["status"] = "d-draft", "draft"
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", draft, buyer).Status)

	for query, want := range map[string][]string{
		"status=open":    {"d-open"},
		"status=draft":   {"d-draft"},
		"status=expired": nil,
		"":               {"d-draft", "d-open"},
	} {
		t.Run(query, func(t *testing.T) {
			ids, _ := b.walk(t, buyer, query)
			require.ElementsMatch(t, want, ids)
		})
	}
	for query, field := range map[string]string{
		"limit=0":        "limit",
		"limit=101":      "limit",
		"limit=ten":      "limit",
		"cursor=garbage": "cursor",
		"status=lost":    "status",
	} {
		t.Run(query, func(t *testing.T) {
			res := b.api.Do(t, http.MethodGet, "/v1/demands?"+query, nil, buyer)
			require.Equal(t, []string{field}, problemFields(t, res))
		})
	}
	res := b.api.Do(t, http.MethodGet, "/v1/demands?limit=100", nil, buyer)
	require.Equal(t, http.StatusOK, res.Status, "100 is the largest page")
}

func TestIdempotentPost(t *testing.T) {
	b := setup(t)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	first := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, again.Status)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))
	require.JSONEq(t, string(first.Body), string(again.Body))
	require.Equal(t, 1, b.count(t, "demands"), "a retried post creates one demand")
	require.Equal(t, 1, b.count(t, "outbox"), "and announces it once")

	changed := lycheeDemand()
	changed["quantity"] = 2000
	res := b.api.Do(t, http.MethodPost, "/v1/demands", changed, buyer, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusConflict, res.Status, "a key is not reused for another demand")

	other := testkit.Token(t, auth.RoleBuyer, "buyer-2")
	res = b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), other, "Idempotency-Key", "k1")
	require.Equal(t, http.StatusCreated, res.Status, "keys are the caller's own")
	require.Empty(t, res.Header.Get("Idempotent-Replayed"))
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", lycheeDemand(), buyer, "Idempotency-Key", "k2").Status)
	require.Equal(t, 3, b.count(t, "demands"))

	bad := lycheeDemand()
	bad["quantity"] = 0
	for range 2 {
		res = b.api.Do(t, http.MethodPost, "/v1/demands", bad, buyer, "Idempotency-Key", "k3")
		require.Equal(t, http.StatusBadRequest, res.Status, "a refusal replays as a refusal")
	}
	require.Equal(t, 3, b.count(t, "demands"))
}

func TestDuplicateIDConflicts(t *testing.T) {
	b := setup(t)
	d := lycheeDemand()
	d["id"] = "d-dev-01"
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/demands", d, testkit.Token(t, auth.RoleBuyer, "buyer-1")).Status)
	res := b.api.Do(t, http.MethodPost, "/v1/demands", d, testkit.Token(t, auth.RoleBuyer, "buyer-2"))
	require.Equal(t, http.StatusConflict, res.Status, string(res.Body))
	require.Equal(t, 1, b.count(t, "demands"))
	require.Equal(t, 1, b.count(t, "outbox"))
}
