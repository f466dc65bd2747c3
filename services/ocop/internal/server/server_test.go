package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/testkit"
	matchingv1 "github.com/ocopvn/ocop/proto/ocop/matching/v1"
	"github.com/ocopvn/ocop/services/matching"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// process is one running `ocop serve` inside the test.
type process struct {
	url  string
	stop func()
}

func start(t *testing.T, databaseURL, dataDir, natsURL string, services []string) process {
	t.Helper()
	return startWith(t, databaseURL, dataDir, natsURL, services, nil)
}

// startWith starts a server whose matching settings configure may change.
func startWith(t *testing.T, databaseURL, dataDir, natsURL string, services []string, configure func(*matching.Config)) process {
	t.Helper()
	p := config.Platform{
		Env: "development", Addr: "127.0.0.1:0", DatabaseURL: databaseURL, NATSURL: natsURL, DataDir: dataDir,
		JWTSecret: testkit.JWTSecret, JWTAudience: "ocop", ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		ShutdownTimeout: 10 * time.Second,
	}
	mcfg := matching.Config{Engine: "bleve", IndexDir: dataDir + "/index", NotifyProducers: 10}
	mcfg.Delivery.RetryBase = 5 * time.Second
	mcfg.Delivery.DigestHour = 7
	if configure != nil {
		configure(&mcfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Options{
			Platform: p, Services: services, Matching: mcfg, NATSReplicas: 1, Log: testkit.Logger(t), Version: "test",
		}, func(r server.Running) { urls <- r.URL })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60s")
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done, "the server stops cleanly")
		})
	}
	t.Cleanup(stop)
	client := testkit.Client{BaseURL: url}
	testkit.Eventually(t, 60*time.Second, "the server is ready", func() bool {
		return client.Do(t, http.MethodGet, "/readyz", nil, "").Status == http.StatusOK
	})
	return process{url: url, stop: stop}
}

type world struct {
	catalogue, demand, matching testkit.Client
}

func seedCatalogue(t *testing.T, w world) {
	t.Helper()
	official := testkit.Token(t, auth.RoleOfficial, "")
	producers := []map[string]any{
		{"id": "prd-001", "name": "HTX Nông sản Phượng Sơn", "kind": "cooperative", "province": "Bắc Giang", "lat": 21.3558, "lon": 106.5262},
		{"id": "prd-002", "name": "HTX Vải sấy Thanh Hà", "kind": "cooperative", "province": "Hải Dương", "lat": 20.90, "lon": 106.43},
		{"id": "prd-003", "name": "Hộ kinh doanh Mật ong Yên Thế", "kind": "household", "province": "Bắc Ninh", "lat": 21.52, "lon": 106.12},
	}
	for _, p := range producers {
		res := w.catalogue.Do(t, http.MethodPost, "/v1/producers", p, official)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	}
	products := []struct {
		producer string
		body     map[string]any
	}{
		{"prd-001", map[string]any{"id": "p-dried-1", "name": "Vải thiều sấy khô Lục Ngạn", "description": "Vải thiều sấy nguyên quả, đóng túi 500 g.",
			"group": "thuc_pham", "category": "dried_fruit", "ocop_stars": 4, "ocop_certified_on": testkit.CertifiedMonthsAgo(22), "certifications": []string{"HACCP", "VietGAP"},
			"unit": "kg", "price_vnd": 150000, "monthly_capacity": 3000, "min_order": 50, "tags": []string{"vải thiều sấy", "Lục Ngạn"}}},
		{"prd-002", map[string]any{"id": "p-dried-2", "name": "Vải sấy Thanh Hà", "description": "Vải sấy khô truyền thống.",
			"group": "thuc_pham", "category": "dried_fruit", "ocop_stars": 4, "ocop_certified_on": testkit.CertifiedMonthsAgo(21), "certifications": []string{"HACCP"},
			"unit": "kg", "price_vnd": 160000, "monthly_capacity": 2000, "min_order": 20, "tags": []string{"vải sấy"}}},
		{"prd-002", map[string]any{"id": "p-dried-3", "name": "Vải thiều sấy dẻo Thanh Hà", "description": "Vải thiều sấy dẻo.",
			"group": "thuc_pham", "category": "dried_fruit", "ocop_stars": 4, "ocop_certified_on": testkit.CertifiedMonthsAgo(21), "certifications": []string{"HACCP"},
			"unit": "kg", "price_vnd": 165000, "monthly_capacity": 1000, "min_order": 20, "tags": []string{"vải sấy dẻo"}}},
		{"prd-003", map[string]any{"id": "p-honey", "name": "Mật ong hoa vải Yên Thế", "description": "Mật ong nguyên chất.",
			"group": "thuc_pham", "category": "honey", "ocop_stars": 3, "ocop_certified_on": testkit.CertifiedMonthsAgo(30),
			"unit": "kg", "price_vnd": 250000, "monthly_capacity": 500, "min_order": 5, "tags": []string{"mật ong"}}},
	}
	for _, p := range products {
		res := w.catalogue.Do(t, http.MethodPost, "/v1/products", p.body, testkit.Token(t, auth.RoleProducer, p.producer))
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	}
	testkit.Eventually(t, 30*time.Second, "the products are searchable", func() bool {
		var hits struct {
			Items []any `json:"items"`
		}
		res := w.matching.Do(t, http.MethodGet, "/v1/search/products?limit=100", nil, "")
		res.JSON(t, &hits)
		return len(hits.Items) == len(products)
	})
}

var dryLycheeDemand = map[string]any{
	"buyer_kind": "supermarket", "title": "Vải thiều sấy khô cho chuỗi siêu thị",
	"text":  "Chuỗi siêu thị cần vải thiều sấy khô, khoảng 1.500 kg/tháng, OCOP từ 4 sao, có HACCP, giao Hà Nội.",
	"group": "thuc_pham", "quantity": 1500, "unit": "kg", "max_price_vnd": 170000, "min_stars": 4,
	"required_certifications": []string{"HACCP"}, "delivery_province": "Hà Nội", "delivery_lat": 21.0285, "delivery_lon": 105.8542,
}

type matchesJSON struct {
	Status string `json:"status"`
	Items  []struct {
		Rank       int      `json:"rank"`
		Score      float64  `json:"score"`
		ProductID  string   `json:"product_id"`
		ProducerID string   `json:"producer_id"`
		Reasons    []string `json:"reasons"`
	} `json:"items"`
}

func waitForMatches(t *testing.T, w world, demandID, buyerToken string) matchesJSON {
	t.Helper()
	var m matchesJSON
	testkit.Eventually(t, 30*time.Second, "the demand is matched", func() bool {
		res := w.matching.Do(t, http.MethodGet, "/v1/demands/"+demandID+"/matches", nil, buyerToken)
		if res.Status != http.StatusOK {
			return false
		}
		res.JSON(t, &m)
		return m.Status == "matched"
	})
	return m
}

// producerNotification is a notification as its producer lists it.
type producerNotification struct {
	ID        string `json:"id"`
	DemandID  string `json:"demand_id"`
	ProductID string `json:"product_id"`
}

// notificationsAbout lists producer's notifications about demandID.
func notificationsAbout(t *testing.T, w world, demandID, producer string) []producerNotification {
	t.Helper()
	var page struct {
		Items []producerNotification `json:"items"`
	}
	res := w.matching.Do(t, http.MethodGet, "/v1/notifications?limit=100", nil, testkit.Token(t, auth.RoleProducer, producer))
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.JSON(t, &page)
	var about []producerNotification
	for _, n := range page.Items {
		if n.DemandID == demandID {
			about = append(about, n)
		}
	}
	return about
}

// notificationsFor counts, per producer, the notifications about demandID.
func notificationsFor(t *testing.T, w world, demandID string, producers []string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, p := range producers {
		if n := len(notificationsAbout(t, w, demandID, p)); n > 0 {
			counts[p] = n
		}
	}
	return counts
}

func postDemand(t *testing.T, w world, buyerToken string) string {
	t.Helper()
	res := w.demand.Do(t, http.MethodPost, "/v1/demands", dryLycheeDemand, buyerToken)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var d struct {
		ID string `json:"id"`
	}
	res.JSON(t, &d)
	return d.ID
}

func checkMatchesAndNotifications(t *testing.T, w world, demandID, buyer string) {
	t.Helper()
	m := waitForMatches(t, w, demandID, buyer)
	require.NotEmpty(t, m.Items)
	require.Equal(t, "p-dried-1", m.Items[0].ProductID, "the dried Lục Ngạn lychee with the closest fit ranks first")
	ids := map[string]bool{}
	for i, it := range m.Items {
		require.Equal(t, i+1, it.Rank)
		require.NotEmpty(t, it.Reasons)
		if i > 0 {
			require.LessOrEqual(t, it.Score, m.Items[i-1].Score, "best first")
		}
		ids[it.ProductID] = true
	}
	require.False(t, ids["p-honey"], "a 3-star product without HACCP breaks the buyer's constraints")
	require.Contains(t, m.Items[0].Reasons, "4★ OCOP")
	require.Contains(t, m.Items[0].Reasons, "HACCP (required)")

	testkit.Eventually(t, 30*time.Second, "each matched producer is notified", func() bool {
		c := notificationsFor(t, w, demandID, []string{"prd-001", "prd-002"})
		return c["prd-001"] == 1 && c["prd-002"] == 1
	})
	c := notificationsFor(t, w, demandID, []string{"prd-001", "prd-002", "prd-003"})
	require.Equal(t, map[string]int{"prd-001": 1, "prd-002": 1}, c, "one notification per matched producer, however many of its products fit")
}

// The walking skeleton end to end in one process: a demand posted over HTTP
// is ranked against the catalogue and each matched producer is told once,
// and once only, across a restart on the same data.
func TestAllInOneDemandToNotification(t *testing.T) {
	dbURL := testkit.DatabaseURL(t)
	dataDir := t.TempDir()
	proc := start(t, dbURL, dataDir, "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}

	res := c.Do(t, http.MethodGet, "/v1/openapi.json", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, string(res.Body), "/v1/demands/{id}/matches")
	require.Contains(t, string(res.Body), "/v1/fairs/{id}/booths")

	seedCatalogue(t, w)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	demandID := postDemand(t, w, buyer)
	checkMatchesAndNotifications(t, w, demandID, buyer)

	proc.stop()
	proc = start(t, dbURL, dataDir, "", server.ServiceNames)
	c = testkit.Client{BaseURL: proc.url}
	w = world{catalogue: c, demand: c, matching: c}
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, map[string]int{"prd-001": 1, "prd-002": 1},
		notificationsFor(t, w, demandID, []string{"prd-001", "prd-002", "prd-003"}), "no notification twice after a restart")

	second := postDemand(t, w, buyer)
	checkMatchesAndNotifications(t, w, second, buyer)
}

// The distributed topology in one test process: each service in its own
// server, sharing PostgreSQL and an external NATS server.
func TestSplitServicesDemandToNotification(t *testing.T) {
	dbURL := testkit.DatabaseURL(t)
	ns := testkit.NATSServer(t)
	procs := map[string]process{}
	for _, name := range server.ServiceNames {
		procs[name] = start(t, dbURL, t.TempDir(), ns.ClientURL(), []string{name})
	}
	w := world{
		catalogue: testkit.Client{BaseURL: procs["catalogue"].url},
		demand:    testkit.Client{BaseURL: procs["demand"].url},
		matching:  testkit.Client{BaseURL: procs["matching"].url},
	}
	res := w.catalogue.Do(t, http.MethodGet, "/v1/demands", nil, testkit.Token(t, auth.RoleBuyer, "b"))
	require.Equal(t, http.StatusNotFound, res.Status, "a process serves only its own services' routes")

	seedCatalogue(t, w)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	demandID := postDemand(t, w, buyer)
	checkMatchesAndNotifications(t, w, demandID, buyer)
	checkMatchedEvent(t, w, ns.ClientURL(), demandID)
}

// checkMatchedEvent reads the demand's DemandMatched event off the stream:
// it names each producer told, with the notification that producer got,
// and the stream holds no event per notification beside it.
func checkMatchedEvent(t *testing.T, w world, natsURL, demandID string) {
	t.Helper()
	told := map[string]string{}
	for _, p := range []string{"prd-001", "prd-002"} {
		for _, n := range notificationsAbout(t, w, demandID, p) {
			told[p] = n.ID + " " + n.ProductID
		}
	}

	nc, js, err := events.Connect(natsURL, nil, t.Name(), zap.NewNop())
	require.NoError(t, err)
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, events.StreamMatching)
	require.NoError(t, err)
	raw, err := stream.GetLastMsgForSubject(ctx, events.Subject("ocop", "matching", "demand", demandID))
	require.NoError(t, err)
	var matched matchingv1.DemandMatched
	require.NoError(t, proto.Unmarshal(raw.Data, &matched))
	require.Equal(t, demandID, matched.GetDemandId())
	named := map[string]string{}
	for _, n := range matched.GetNotified() {
		named[n.GetProducerId()] = n.GetNotificationId() + " " + n.GetProductId()
		require.Positive(t, n.GetRank())
	}
	require.Equal(t, told, named, "the event names each producer told, with its notification and product")

	info, err := stream.Info(ctx, jetstream.WithSubjectFilter("ocop.matching.>"))
	require.NoError(t, err)
	for subject := range info.State.Subjects {
		require.True(t, strings.HasPrefix(subject, "ocop.matching.demand."), "only demands' subjects on the stream, not %s", subject)
	}
}

type notice struct {
	Kind     string         `json:"kind"`
	Title    string         `json:"title"`
	DemandID string         `json:"demand_id"`
	Product  string         `json:"product_id"`
	Data     map[string]any `json:"data"`
}

func noticesOf(t *testing.T, c testkit.Client, token string) []notice {
	t.Helper()
	var page struct{ Items []notice }
	res := c.Do(t, http.MethodGet, "/v1/notifications?limit=100", nil, token)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.JSON(t, &page)
	return page.Items
}

// A demand edited after matching is ranked again; producers told of a
// product before are not told of it again. Quotes reach the buyer and the
// decision reaches the producer, through the bus. A lapsed rating never
// matches.
func TestDemandEditQuotesAndDecisionsAcrossServices(t *testing.T) {
	proc := start(t, testkit.DatabaseURL(t), t.TempDir(), "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)
	lapsed := map[string]any{"id": "p-dried-old", "name": "Vải thiều sấy khô loại cũ", "group": "thuc_pham", "category": "dried_fruit",
		"ocop_stars": 5, "ocop_certified_on": "2022-01-10", "certifications": []string{"HACCP"}, "unit": "kg", "price_vnd": 120000,
		"monthly_capacity": 5000, "min_order": 10}
	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/products", lapsed, testkit.Token(t, auth.RoleProducer, "prd-003")).Status)

	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	id := postDemand(t, w, buyer)
	first := waitForMatches(t, w, id, buyer)
	for _, it := range first.Items {
		require.NotEqual(t, "p-dried-old", it.ProductID, "a product whose OCOP rating has lapsed is never matched")
	}
	before := notificationsFor(t, w, id, []string{"prd-001", "prd-002"})

	res := c.Do(t, http.MethodPatch, "/v1/demands/"+id, map[string]any{"quantity": 2500, "text": "Cần vải thiều sấy dẻo Thanh Hà, có HACCP."}, buyer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	testkit.Eventually(t, 30*time.Second, "the edited demand ranked again", func() bool {
		var m struct {
			DemandVersion int64 `json:"demand_version"`
		}
		c.Do(t, http.MethodGet, "/v1/demands/"+id+"/matches", nil, buyer).JSON(t, &m)
		return m.DemandVersion == 2
	})
	after := notificationsFor(t, w, id, []string{"prd-001", "prd-002"})
	for p, n := range after {
		require.LessOrEqual(t, n, before[p]+1, "a producer is told at most once more, for another product of its")
	}

	prd1 := testkit.Token(t, auth.RoleProducer, "prd-001")
	res = c.Do(t, http.MethodPost, "/v1/demands/"+id+"/quotes", map[string]any{"product_id": "p-dried-1", "price_vnd": 150000, "quantity": 1500, "unit": "kg"}, prd1)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var q struct{ ID string }
	res.JSON(t, &q)
	testkit.Eventually(t, 30*time.Second, "the buyer told of the quote", func() bool {
		for _, n := range noticesOf(t, c, buyer) {
			if n.Kind == "quote_submitted" && n.DemandID == id {
				return true
			}
		}
		return false
	})
	require.Equal(t, http.StatusOK, c.Do(t, http.MethodPost, "/v1/quotes/"+q.ID+"/accept", nil, buyer).Status)
	testkit.Eventually(t, 30*time.Second, "the producer told of the decision", func() bool {
		for _, n := range noticesOf(t, c, prd1) {
			if n.Kind == "quote_decided" && n.Data["status"] == "accepted" {
				return true
			}
		}
		return false
	})
}

// A producer is warned before its product's OCOP rating lapses: the
// catalogue's hourly job runs at start, and matching turns its event into a
// notification.
func TestRatingWarningReachesProducer(t *testing.T) {
	dbURL, dataDir := testkit.DatabaseURL(t), t.TempDir()
	proc := start(t, dbURL, dataDir, "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	official := testkit.Token(t, auth.RoleOfficial, "")
	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/producers", map[string]any{
		"id": "prd-001", "name": "HTX Mật ong", "kind": "cooperative", "province": "Bắc Ninh", "lat": 21.3, "lon": 106.2}, official).Status)
	soon := time.Now().AddDate(-3, 0, 10).Format("2006-01-02")
	res := c.Do(t, http.MethodPost, "/v1/products", map[string]any{"id": "p-honey", "name": "Mật ong hoa vải", "group": "thuc_pham",
		"category": "honey", "ocop_stars": 4, "ocop_certified_on": soon, "unit": "kg", "price_vnd": 250000, "monthly_capacity": 500,
		"min_order": 5}, testkit.Token(t, auth.RoleProducer, "prd-001"))
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))

	proc.stop()
	proc = start(t, dbURL, dataDir, "", server.ServiceNames)
	c = testkit.Client{BaseURL: proc.url}
	producer := testkit.Token(t, auth.RoleProducer, "prd-001")
	testkit.Eventually(t, 30*time.Second, "the rating warning", func() bool {
		for _, n := range noticesOf(t, c, producer) {
			if n.Kind == "rating_expiring" && n.Product == "p-honey" {
				require.Contains(t, n.Title, "Mật ong hoa vải")
				return true
			}
		}
		return false
	})
}

// A fair end to end across services: publishing it tells producers whose
// products fit; applications, bookings and meetings reach both sides; a
// demand posted just before the fair gets the fitting exhibitors with their
// booths and free meeting slots in its answer; matching proposes meetings.
func TestFairAcrossServices(t *testing.T) {
	proc := start(t, testkit.DatabaseURL(t), t.TempDir(), "", server.ServiceNames)
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)
	today := time.Now().In(time.FixedZone("ICT", 7*3600))
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	organiser := testkit.Token(t, auth.RoleOrganiser, "org-1")
	prd1 := testkit.Token(t, auth.RoleProducer, "prd-001")
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")

	fair := map[string]any{"id": "fair-bn", "name": "Hội chợ OCOP Bắc Ninh", "venue": "Quảng trường 3/2", "province": "Bắc Ninh",
		"lat": 21.27, "lon": 106.19, "starts_on": day(3), "ends_on": day(4), "groups": []string{"thuc_pham"}, "categories": []string{"dried_fruit"},
		"applications_open_on": day(0), "applications_close_on": day(1), "meeting_slot_minutes": 60, "meeting_day_start": "09:00",
		"meeting_day_end": "11:00", "meeting_tables": 1}
	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/fairs", fair, organiser).Status)
	require.Equal(t, http.StatusOK, c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/publish", nil, organiser).Status)
	testkit.Eventually(t, 30*time.Second, "producers of dried fruit told the fair opens", func() bool {
		for _, n := range noticesOf(t, c, prd1) {
			if n.Kind == "fair_published" {
				return true
			}
		}
		return false
	})
	for _, n := range noticesOf(t, c, testkit.Token(t, auth.RoleProducer, "prd-003")) {
		require.NotEqual(t, "fair_published", n.Kind, "a honey producer is not told of a dried-fruit fair")
	}

	require.Equal(t, http.StatusOK, c.Do(t, http.MethodPut, "/v1/fairs/fair-bn/booth-types/standard", map[string]any{"price_vnd": 2000000}, organiser).Status)
	var booth struct{ ID string }
	c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "A-01", "type": "standard"}, organiser).JSON(t, &booth)
	var application struct{ ID string }
	testkit.Eventually(t, 30*time.Second, "the application accepted once the fairs service knows the product", func() bool {
		res := c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-dried-1"}}, prd1)
		res.JSON(t, &application)
		return res.Status == http.StatusCreated
	})
	require.Equal(t, http.StatusOK, c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+application.ID+"/approve",
		map[string]any{"booth_id": booth.ID}, organiser).Status)
	testkit.Eventually(t, 30*time.Second, "booking confirmed to both sides", func() bool {
		producerTold, organiserTold := false, false
		for _, n := range noticesOf(t, c, prd1) {
			producerTold = producerTold || n.Kind == "booth_booked"
		}
		for _, n := range noticesOf(t, c, organiser) {
			organiserTold = organiserTold || n.Kind == "booth_booked"
		}
		return producerTold && organiserTold
	})

	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/participants", nil, buyer).Status)
	demandID := postDemand(t, w, buyer)
	var matches struct {
		Status         string
		FairExhibitors []struct {
			FairName      string   `json:"fair_name"`
			ProducerID    string   `json:"producer_id"`
			BoothCode     string   `json:"booth_code"`
			ProposedSlots []string `json:"proposed_slots"`
		} `json:"fair_exhibitors"`
	}
	testkit.Eventually(t, 30*time.Second, "the demand's answer names the exhibitor", func() bool {
		res := c.Do(t, http.MethodGet, "/v1/demands/"+demandID+"/matches", nil, buyer)
		if res.Status != http.StatusOK {
			return false
		}
		res.JSON(t, &matches)
		return matches.Status == "matched" && len(matches.FairExhibitors) > 0
	})
	ex := matches.FairExhibitors[0]
	require.Equal(t, "prd-001", ex.ProducerID)
	require.Equal(t, "A-01", ex.BoothCode)
	require.Equal(t, "Hội chợ OCOP Bắc Ninh", ex.FairName)
	require.Len(t, ex.ProposedSlots, 3, "2 slots a day, 2 days, the first 3 proposed")

	var proposals struct {
		Items []struct {
			DemandID   string   `json:"demand_id"`
			ProducerID string   `json:"producer_id"`
			Slots      []string `json:"proposed_slots"`
		}
	}
	c.Do(t, http.MethodGet, "/v1/fairs/fair-bn/meeting-proposals", nil, buyer).JSON(t, &proposals)
	require.NotEmpty(t, proposals.Items)
	require.Equal(t, demandID, proposals.Items[0].DemandID)

	var meeting struct{ ID string }
	res := c.Do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-001", "starts_at": ex.ProposedSlots[0]}, buyer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	res.JSON(t, &meeting)
	testkit.Eventually(t, 30*time.Second, "the exhibitor asked to meet", func() bool {
		for _, n := range noticesOf(t, c, prd1) {
			if n.Kind == "meeting_requested" {
				return true
			}
		}
		return false
	})
	require.Equal(t, http.StatusOK, c.Do(t, http.MethodPost, "/v1/meetings/"+meeting.ID+"/accept", nil, prd1).Status)
	testkit.Eventually(t, 30*time.Second, "the meeting scheduled for both sides", func() bool {
		for _, n := range noticesOf(t, c, buyer) {
			if n.Kind == "meeting_decided" && n.Data["status"] == "accepted" {
				return true
			}
		}
		return false
	})
	testkit.Eventually(t, 30*time.Second, "the taken slot no longer proposed", func() bool {
		c.Do(t, http.MethodGet, "/v1/fairs/fair-bn/meeting-proposals", nil, buyer).JSON(t, &proposals)
		return len(proposals.Items) > 0 && len(proposals.Items[0].Slots) > 0 && proposals.Items[0].Slots[0] != ex.ProposedSlots[0]
	})
}
