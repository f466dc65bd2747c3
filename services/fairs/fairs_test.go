package fairs_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/testkit"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/fairs"
)

type bundle struct {
	api       testkit.Client
	deps      platform.Deps
	organiser string
}

func setup(t *testing.T) bundle {
	t.Helper()
	deps := testkit.Deps(t)
	svc, err := fairs.New(context.Background(), deps)
	require.NoError(t, err)
	srv := testkit.Server(t)
	svc.Register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return bundle{api: testkit.Client{Handler: srv.Echo}, deps: deps, organiser: testkit.Token(t, auth.RoleOrganiser, "org-1")}
}

var fair = map[string]any{
	"id": "fair-bn-2026", "name": "Hội chợ OCOP Bắc Ninh 2026", "venue": "Quảng trường 3/2", "province": "Bắc Giang",
	"lat": 21.2731, "lon": 106.1946, "starts_on": "2026-12-10", "ends_on": "2026-12-14", "groups": []string{"thuc_pham"},
}

func (b bundle) fairWithBooths(t *testing.T, n int) []string {
	t.Helper()
	res := b.api.Do(t, http.MethodPost, "/v1/fairs", fair, b.organiser)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var ids []string
	for i := range n {
		res := b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths",
			map[string]any{"code": fmt.Sprintf("A-%02d", i+1), "type": "standard", "price_vnd": 3000000, "width_m": 3, "depth_m": 3}, b.organiser)
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
		var booth struct{ ID string }
		res.JSON(t, &booth)
		ids = append(ids, booth.ID)
	}
	return ids
}

func lastEvent(t *testing.T, deps platform.Deps, subject string, msg proto.Message) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, "event on "+subject, func() bool {
		stream, err := deps.JS.Stream(context.Background(), events.StreamFairs)
		require.NoError(t, err)
		m, err := stream.GetLastMsgForSubject(context.Background(), subject)
		if err != nil {
			return false
		}
		require.Equal(t, events.TypeOf(msg), m.Header.Get("ce-type"))
		require.NoError(t, proto.Unmarshal(m.Data, msg))
		return true
	})
}

func TestFairBoothsAndBooking(t *testing.T) {
	b := setup(t)
	booths := b.fairWithBooths(t, 2)

	var created fairsv1.FairCreated
	lastEvent(t, b.deps, "ocop.fairs.fair.fair-bn-2026", &created)
	require.Equal(t, "Bắc Ninh", created.Fair.Province)
	require.Equal(t, "org-1", created.Fair.OrganiserId)

	producer := testkit.Token(t, auth.RoleProducer, "prd-001")
	res := b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths/"+booths[0]+"/bookings", nil, producer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var bk struct {
		ID        string `json:"id"`
		BoothCode string `json:"booth_code"`
	}
	res.JSON(t, &bk)
	require.Equal(t, "A-01", bk.BoothCode)
	var booked fairsv1.BoothBooked
	lastEvent(t, b.deps, "ocop.fairs.booking."+bk.ID, &booked)
	require.Equal(t, "A-01", booked.BoothCode)
	require.Equal(t, "prd-001", booked.ProducerId)

	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths/"+booths[0]+"/bookings", nil, testkit.Token(t, auth.RoleProducer, "prd-002"))
	require.Equal(t, http.StatusConflict, res.Status, "the booth is taken")
	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths/"+booths[1]+"/bookings", nil, producer)
	require.Equal(t, http.StatusConflict, res.Status, "one booth per producer per fair")

	res = b.api.Do(t, http.MethodGet, "/v1/fairs/fair-bn-2026", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	var f struct {
		Booths []struct {
			Code    string
			Status  string
			Booking *struct {
				ProducerID string `json:"producer_id"`
			}
		}
	}
	res.JSON(t, &f)
	require.Len(t, f.Booths, 2)
	require.Equal(t, "booked", f.Booths[0].Status)
	require.Equal(t, "prd-001", f.Booths[0].Booking.ProducerID)
	require.Equal(t, "available", f.Booths[1].Status)
}

// Fifty producers race for one booth: exactly one gets it.
func TestConcurrentBookingsOfOneBoothNeverBothSucceed(t *testing.T) {
	b := setup(t)
	booth := b.fairWithBooths(t, 1)[0]
	const racers = 50
	statuses := make(chan int, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		token := testkit.Token(t, auth.RoleProducer, fmt.Sprintf("prd-%03d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths/"+booth+"/bookings", nil, token).Status
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	require.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusConflict: racers - 1}, count)
	var rows int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.bookings WHERE booth_id = $1`, booth).Scan(&rows))
	require.Equal(t, 1, rows)
}

// Many producers race for many booths: no booth is held twice and no
// producer holds two.
func TestConcurrentBookingsOfManyBooths(t *testing.T) {
	b := setup(t)
	booths := b.fairWithBooths(t, 5)
	var wg sync.WaitGroup
	for i := range 30 {
		token := testkit.Token(t, auth.RoleProducer, fmt.Sprintf("prd-%03d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range booths {
				b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn-2026/booths/"+booths[(i+j)%len(booths)]+"/bookings", nil, token)
			}
		}()
	}
	wg.Wait()
	var held, producers, booked int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT producer_id), count(DISTINCT booth_id) FROM fairs.bookings WHERE status = 'confirmed'`).Scan(&held, &producers, &booked))
	require.Equal(t, len(booths), held, "every booth ends up booked")
	require.Equal(t, held, producers, "no producer holds two booths")
	require.Equal(t, held, booked, "no booth is held twice")
}

func TestWhoMayDoWhat(t *testing.T) {
	b := setup(t)
	booth := b.fairWithBooths(t, 1)[0]
	other := testkit.Token(t, auth.RoleOrganiser, "org-2")
	boothBody := map[string]any{"code": "B-01", "type": "corner", "price_vnd": 5000000}
	cases := []struct {
		name, method, path string
		body               any
		token              string
		status             int
	}{
		{"anonymous creates fair", http.MethodPost, "/v1/fairs", fair, "", http.StatusUnauthorized},
		{"producer creates fair", http.MethodPost, "/v1/fairs", fair, testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusForbidden},
		{"buyer creates fair", http.MethodPost, "/v1/fairs", fair, testkit.Token(t, auth.RoleBuyer, "b-1"), http.StatusForbidden},
		{"official creates fair", http.MethodPost, "/v1/fairs", fair, testkit.Token(t, auth.RoleOfficial, ""), http.StatusForbidden},
		{"admin without organiser", http.MethodPost, "/v1/fairs", fair, testkit.Token(t, auth.RoleAdmin, ""), http.StatusBadRequest},
		{"duplicate fair id", http.MethodPost, "/v1/fairs", fair, b.organiser, http.StatusConflict},
		{"anyone reads", http.MethodGet, "/v1/fairs/fair-bn-2026", nil, "", http.StatusOK},
		{"unknown fair", http.MethodGet, "/v1/fairs/nope", nil, "", http.StatusNotFound},
		{"other organiser adds booth", http.MethodPost, "/v1/fairs/fair-bn-2026/booths", boothBody, other, http.StatusForbidden},
		{"producer adds booth", http.MethodPost, "/v1/fairs/fair-bn-2026/booths", boothBody, testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusForbidden},
		{"anonymous adds booth", http.MethodPost, "/v1/fairs/fair-bn-2026/booths", boothBody, "", http.StatusUnauthorized},
		{"admin adds booth", http.MethodPost, "/v1/fairs/fair-bn-2026/booths", boothBody, testkit.Token(t, auth.RoleAdmin, ""), http.StatusCreated},
		{"duplicate booth code", http.MethodPost, "/v1/fairs/fair-bn-2026/booths", boothBody, b.organiser, http.StatusConflict},
		{"booth of unknown fair", http.MethodPost, "/v1/fairs/nope/booths", boothBody, b.organiser, http.StatusNotFound},
		{"organiser books", http.MethodPost, "/v1/fairs/fair-bn-2026/booths/" + booth + "/bookings", nil, b.organiser, http.StatusForbidden},
		{"buyer books", http.MethodPost, "/v1/fairs/fair-bn-2026/booths/" + booth + "/bookings", nil, testkit.Token(t, auth.RoleBuyer, "b-1"), http.StatusForbidden},
		{"anonymous books", http.MethodPost, "/v1/fairs/fair-bn-2026/booths/" + booth + "/bookings", nil, "", http.StatusUnauthorized},
		{"unknown booth", http.MethodPost, "/v1/fairs/fair-bn-2026/booths/nope/bookings", nil, testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := b.api.Do(t, c.method, c.path, c.body, c.token)
			require.Equal(t, c.status, res.Status, string(res.Body))
		})
	}
}

func TestInvalidFairListsEveryFieldAndWritesNothing(t *testing.T) {
	b := setup(t)
	bad := map[string]any{"name": "", "venue": "Nhà văn hóa", "province": "Atlantis", "lat": 50, "lon": 2,
		"starts_on": "10/12/2026", "ends_on": "2026-12-01", "groups": []string{"food"}}
	res := b.api.Do(t, http.MethodPost, "/v1/fairs", bad, b.organiser)
	require.Equal(t, http.StatusBadRequest, res.Status)
	var got []string
	for _, f := range res.Problem(t).Errors {
		got = append(got, f.Field)
	}
	require.Equal(t, []string{"groups", "lat", "name", "province", "starts_on"}, got)
	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.fairs`).Scan(&n))
	require.Zero(t, n)
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.outbox`).Scan(&n))
	require.Zero(t, n)
}
