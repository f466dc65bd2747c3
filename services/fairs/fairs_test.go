package fairs_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/testkit"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/fairs"
	"github.com/ocopvn/ocop/services/fairs/domain"
	"github.com/ocopvn/ocop/services/fairs/httpapi"
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

var today = ocop.Today(time.Now())

func date(days int) string { return today.AddDate(0, 0, days).Format(ocop.DateLayout) }

// fair is published, takes applications today and runs from tomorrow for
// three days, with 60-minute meeting slots at two tables.
func fair() map[string]any {
	return map[string]any{
		"id": "fair-bn", "name": "Hội chợ OCOP Bắc Ninh", "venue": "Quảng trường 3/2", "province": "Bắc Giang",
		"lat": 21.2731, "lon": 106.1946, "starts_on": date(1), "ends_on": date(3), "groups": []string{"thuc_pham"},
		"applications_open_on": date(0), "applications_close_on": date(0),
		"meeting_slot_minutes": 60, "meeting_day_start": "09:00", "meeting_day_end": "12:00", "meeting_tables": 2,
	}
}

// product publishes a product's state on the catalogue stream, as the
// catalogue service does, and waits until the fairs service keeps it.
func (b bundle) product(t *testing.T, id, producer, group string, stars int) {
	t.Helper()
	ev := &cataloguev1.ProductChanged{
		Product: &cataloguev1.Product{Id: id, ProducerId: producer, Name: "Sản phẩm " + id, Group: group, Category: "dried_fruit",
			OcopStars: int32(stars), OcopExpiresOn: date(400), Version: 1},
		Producer: &cataloguev1.Producer{Id: producer, Name: "HTX " + producer},
	}
	e, err := events.New(context.Background(), "/test/catalogue", "ocop.catalogue.product."+id, ev)
	require.NoError(t, err)
	msg := nats.NewMsg(e.Subject)
	msg.Data = e.Data
	msg.Header.Set("ce-id", e.ID)
	msg.Header.Set("ce-type", e.Type)
	_, err = b.deps.JS.PublishMsg(context.Background(), msg)
	require.NoError(t, err)
	testkit.Eventually(t, 10*time.Second, "product "+id+" kept", func() bool {
		var n int
		require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.products WHERE id = $1`, id).Scan(&n))
		return n == 1
	})
}

func (b bundle) do(t *testing.T, method, path string, body any, token string, want int) testkit.Response {
	t.Helper()
	res := b.api.Do(t, method, path, body, token)
	require.Equal(t, want, res.Status, "%s %s: %s", method, path, res.Body)
	return res
}

func idOf(t *testing.T, res testkit.Response) string {
	t.Helper()
	var x struct{ ID string }
	res.JSON(t, &x)
	return x.ID
}

// publishedFair creates and publishes the fair with a hall, booth types and
// booths A-01.. placed in a row.
func (b bundle) publishedFair(t *testing.T, booths int) []string {
	t.Helper()
	b.do(t, http.MethodPost, "/v1/fairs", fair(), b.organiser, http.StatusCreated)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/publish", nil, b.organiser, http.StatusOK)
	hall := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/halls", map[string]any{"name": "Nhà A", "width": 4 * booths, "height": 6}, b.organiser, http.StatusCreated))
	b.do(t, http.MethodPut, "/v1/fairs/fair-bn/booth-types/standard", map[string]any{"price_vnd": 3000000}, b.organiser, http.StatusOK)
	b.do(t, http.MethodPut, "/v1/fairs/fair-bn/booth-types/pavilion", map[string]any{"price_vnd": 9000000, "min_stars": 4}, b.organiser, http.StatusOK)
	var ids []string
	for i := range booths {
		typ := "standard"
		if i == 0 {
			typ = "pavilion"
		}
		ids = append(ids, idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{
			"code": fmt.Sprintf("A-%02d", i+1), "type": typ, "hall_id": hall, "x": 4 * i, "y": 0, "w": 3, "h": 2,
		}, b.organiser, http.StatusCreated)))
	}
	return ids
}

// approved has producer apply with one product and be approved.
func (b bundle) approved(t *testing.T, producer string, stars int) string {
	t.Helper()
	b.product(t, "p-"+producer, producer, "thuc_pham", stars)
	app := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-" + producer}},
		testkit.Token(t, auth.RoleProducer, producer), http.StatusCreated))
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+app+"/approve", nil, b.organiser, http.StatusOK)
	return app
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
		if m.Header.Get("ce-type") != events.TypeOf(msg) {
			return false
		}
		require.NoError(t, proto.Unmarshal(m.Data, msg))
		return true
	})
}

func TestFairFromDraftToPublished(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodPost, "/v1/fairs", fair(), b.organiser, http.StatusCreated)
	var f map[string]any
	res.JSON(t, &f)
	require.Equal(t, "draft", f["phase"])
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn", nil, "", http.StatusNotFound)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-1"}},
		testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusConflict)

	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/publish", nil, testkit.Token(t, auth.RoleOrganiser, "org-2"), http.StatusForbidden)
	res = b.do(t, http.MethodPost, "/v1/fairs/fair-bn/publish", nil, b.organiser, http.StatusOK)
	res.JSON(t, &f)
	require.Equal(t, "applications_open", f["phase"])
	var published fairsv1.FairPublished
	lastEvent(t, b.deps, "ocop.fairs.fair.fair-bn", &published)
	require.Equal(t, []string{"thuc_pham"}, published.Fair.Groups)
	require.EqualValues(t, 60, published.Fair.MeetingSlotMinutes)
	var list struct{ Items []map[string]any }
	b.do(t, http.MethodGet, "/v1/fairs", nil, "", http.StatusOK).JSON(t, &list)
	require.Len(t, list.Items, 1)
}

func TestApplicationsBookingsAndWaitlist(t *testing.T) {
	b := setup(t)
	booths := b.publishedFair(t, 2)
	prd1, prd2, prd3 := testkit.Token(t, auth.RoleProducer, "prd-1"), testkit.Token(t, auth.RoleProducer, "prd-2"), testkit.Token(t, auth.RoleProducer, "prd-3")
	b.product(t, "p-1", "prd-1", "thuc_pham", 4)
	b.product(t, "p-2", "prd-2", "thuc_pham", 3)
	b.product(t, "p-3", "prd-3", "thuc_pham", 5)
	b.product(t, "p-wine", "prd-3", "do_uong", 5)

	res := b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-2"}}, prd1)
	require.Equal(t, http.StatusBadRequest, res.Status, "another producer's product")
	require.Equal(t, "product_ids", res.Problem(t).Errors[0].Field)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-wine"}}, prd3, http.StatusBadRequest)
	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-2"}, "booth_type": "pavilion"}, prd2)
	require.Equal(t, http.StatusBadRequest, res.Status, "a 3-star product in a 4-star pavilion")
	require.Contains(t, res.Problem(t).Errors[0].Message, "4★")

	app1 := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-1"}}, prd1, http.StatusCreated))
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-1"}}, prd1, http.StatusConflict)
	app2 := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-2"}}, prd2, http.StatusCreated))
	app3 := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications", map[string]any{"product_ids": []string{"p-3"}}, prd3, http.StatusCreated))

	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[1]+"/bookings", nil, prd1, http.StatusForbidden)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+app1+"/approve", nil, testkit.Token(t, auth.RoleOrganiser, "org-2"), http.StatusForbidden)
	res = b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+app1+"/approve", map[string]any{"booth_id": booths[0]}, b.organiser, http.StatusOK)
	var decided struct {
		Status  string
		Booking struct {
			ID        string `json:"id"`
			BoothCode string `json:"booth_code"`
		}
	}
	res.JSON(t, &decided)
	require.Equal(t, "approved", decided.Status)
	require.Equal(t, "A-01", decided.Booking.BoothCode, "a 4-star exhibitor takes the pavilion")

	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+app2+"/approve", nil, b.organiser, http.StatusOK)
	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[0]+"/bookings", nil, prd2)
	require.Equal(t, http.StatusForbidden, res.Status, "a 3-star exhibitor does not take the 4-star pavilion")
	require.Contains(t, res.Problem(t).Detail, "4★")
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[1]+"/bookings", nil, prd2, http.StatusCreated)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/applications/"+app3+"/waitlist", nil, b.organiser, http.StatusOK)

	var booked fairsv1.BoothBooked
	lastEvent(t, b.deps, "ocop.fairs.booking."+decided.Booking.ID, &booked)
	require.Equal(t, []string{"p-1"}, booked.ProductIds)

	// prd-1 cancels: the waitlisted prd-3 (5 stars) is promoted into the pavilion.
	res = b.do(t, http.MethodDelete, "/v1/fairs/fair-bn/bookings/"+decided.Booking.ID+"?reason=ill", nil, prd1, http.StatusOK)
	var cancelled struct {
		Promoted struct {
			ProducerID string `json:"producer_id"`
			BoothCode  string `json:"booth_code"`
		}
	}
	res.JSON(t, &cancelled)
	require.Equal(t, "prd-3", cancelled.Promoted.ProducerID)
	require.Equal(t, "A-01", cancelled.Promoted.BoothCode)
	var apps struct{ Items []struct{ ID, Status string } }
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/applications", nil, prd3, http.StatusOK).JSON(t, &apps)
	require.Len(t, apps.Items, 1, "a producer sees its own application")
	require.Equal(t, "approved", apps.Items[0].Status)

	var dir struct {
		Items []struct {
			ProducerID   string `json:"producer_id"`
			ProducerName string `json:"producer_name"`
			BoothCode    string `json:"booth_code"`
			Products     []struct{ ID string }
		}
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/exhibitors", nil, "", http.StatusOK).JSON(t, &dir)
	require.Len(t, dir.Items, 2)
	require.Equal(t, "A-01", dir.Items[0].BoothCode)
	require.Equal(t, "prd-3", dir.Items[0].ProducerID)
	require.Equal(t, "HTX prd-3", dir.Items[0].ProducerName)
	require.Equal(t, "p-3", dir.Items[0].Products[0].ID)
}

func TestBoothPlacementRules(t *testing.T) {
	b := setup(t)
	b.publishedFair(t, 1)
	var f struct{ Halls []struct{ ID string } }
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn", nil, "", http.StatusOK).JSON(t, &f)
	hall := f.Halls[0].ID
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "B-01", "type": "standard", "hall_id": hall, "x": 1, "y": 1, "w": 2, "h": 2}, b.organiser, http.StatusConflict)
	res := b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "B-02", "type": "standard", "hall_id": hall, "x": 3, "y": 5, "w": 2, "h": 2}, b.organiser)
	require.Equal(t, http.StatusBadRequest, res.Status, "outside the hall")
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "B-03", "type": "corner"}, b.organiser, http.StatusBadRequest)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "B-04", "type": "corner", "price_vnd": 4000000}, b.organiser, http.StatusCreated)
}

// Fifty approved producers race for one booth: exactly one gets it.
func TestConcurrentBookingsOfOneBoothNeverBothSucceed(t *testing.T) {
	b := setup(t)
	booth := b.publishedFair(t, 2)[1]
	const racers = 50
	tokens := make([]string, racers)
	for i := range racers {
		producer := fmt.Sprintf("prd-%03d", i)
		b.approved(t, producer, 3)
		tokens[i] = testkit.Token(t, auth.RoleProducer, producer)
	}
	statuses := make(chan int, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booth+"/bookings", nil, tokens[i]).Status
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
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.bookings WHERE booth_id = $1 AND status = 'confirmed'`, booth).Scan(&rows))
	require.Equal(t, 1, rows)
}

// Many approved producers race for many booths: no booth held twice, no
// producer holding two.
func TestConcurrentBookingsOfManyBooths(t *testing.T) {
	b := setup(t)
	booths := b.publishedFair(t, 6)[1:]
	tokens := make([]string, 20)
	for i := range tokens {
		producer := fmt.Sprintf("prd-%03d", i)
		b.approved(t, producer, 3)
		tokens[i] = testkit.Token(t, auth.RoleProducer, producer)
	}
	var wg sync.WaitGroup
	for i, token := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range booths {
				b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[(i+j)%len(booths)]+"/bookings", nil, token)
			}
		}()
	}
	wg.Wait()
	var held, producers, distinct int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT producer_id), count(DISTINCT booth_id) FROM fairs.bookings WHERE status = 'confirmed'`).Scan(&held, &producers, &distinct))
	require.Equal(t, len(booths), held, "every booth ends up booked")
	require.Equal(t, held, producers, "no producer holds two booths")
	require.Equal(t, held, distinct, "no booth is held twice")
}

type svgDoc struct {
	Groups []struct {
		Class  string `xml:"class,attr"`
		Booths []struct {
			Class  string `xml:"class,attr"`
			Code   string `xml:"data-code,attr"`
			Status string `xml:"data-status,attr"`
			Rect   struct {
				Fill string `xml:"fill,attr"`
			} `xml:"rect"`
			Label string `xml:"text"`
		} `xml:"g"`
	} `xml:"g"`
}

func TestFloorPlanSVG(t *testing.T) {
	b := setup(t)
	booths := b.publishedFair(t, 4)
	b.approved(t, "prd-1", 4)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[2]+"/bookings", nil, testkit.Token(t, auth.RoleProducer, "prd-1"), http.StatusCreated)

	res := b.do(t, http.MethodGet, "/v1/fairs/fair-bn/floorplan.svg", nil, "", http.StatusOK)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml"))
	var doc svgDoc
	require.NoError(t, xml.Unmarshal(res.Body, &doc), "the floor plan is well-formed XML")
	seen := map[string]string{}
	for _, g := range doc.Groups {
		for _, booth := range g.Booths {
			require.Equal(t, "booth", booth.Class)
			seen[booth.Code] = booth.Status
			want := map[string]string{"available": "#cdebd3", "booked": "#8ab4f8"}[booth.Status]
			require.Equal(t, want, booth.Rect.Fill, "booth %s coloured by its status", booth.Code)
			require.True(t, strings.HasPrefix(booth.Label, booth.Code))
		}
	}
	require.Equal(t, map[string]string{"A-01": "available", "A-02": "available", "A-03": "booked", "A-04": "available"}, seen)
}

func (b bundle) exhibitorsAndBuyers(t *testing.T, producers, buyers int) {
	t.Helper()
	booths := b.publishedFair(t, producers+1)
	for i := range producers {
		producer := fmt.Sprintf("prd-%d", i)
		b.approved(t, producer, 4)
		b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[i+1]+"/bookings", nil, testkit.Token(t, auth.RoleProducer, producer), http.StatusCreated)
	}
	for i := range buyers {
		b.do(t, http.MethodPost, "/v1/fairs/fair-bn/participants", nil, testkit.Token(t, auth.RoleBuyer, fmt.Sprintf("buyer-%d", i)), http.StatusCreated)
	}
}

func slot(hour int) string {
	d := today.AddDate(0, 0, 1)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, ocop.Vietnam).Format(time.RFC3339)
}

func TestMeetingsAgendaAndOutcomes(t *testing.T) {
	b := setup(t)
	b.exhibitorsAndBuyers(t, 2, 2)
	buyer0, buyer1 := testkit.Token(t, auth.RoleBuyer, "buyer-0"), testkit.Token(t, auth.RoleBuyer, "buyer-1")
	prd0, prd1 := testkit.Token(t, auth.RoleProducer, "prd-0"), testkit.Token(t, auth.RoleProducer, "prd-1")

	res := b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(9) + "x"}, buyer0)
	require.Equal(t, http.StatusBadRequest, res.Status)
	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": strings.Replace(slot(9), "09:00", "09:30", 1)}, buyer0)
	require.Equal(t, http.StatusBadRequest, res.Status, "not a slot")
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-9", "starts_at": slot(9)}, buyer0, http.StatusForbidden)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(9)}, testkit.Token(t, auth.RoleBuyer, "stranger"), http.StatusForbidden)

	m1 := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(9)}, buyer0, http.StatusCreated))
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-1", "starts_at": slot(9)}, buyer0, http.StatusConflict)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "buyer-1", "starts_at": slot(9)}, prd0, http.StatusConflict)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-1", "starts_at": slot(9), "table": 1}, buyer1, http.StatusConflict)
	m2 := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-1", "starts_at": slot(9)}, buyer1, http.StatusCreated))

	b.do(t, http.MethodPost, "/v1/meetings/"+m1+"/accept", nil, buyer0, http.StatusForbidden)
	b.do(t, http.MethodPost, "/v1/meetings/"+m1+"/accept", nil, prd1, http.StatusForbidden)
	b.do(t, http.MethodPost, "/v1/meetings/"+m1+"/accept", nil, prd0, http.StatusOK)
	b.do(t, http.MethodPost, "/v1/meetings/"+m2+"/decline", nil, prd1, http.StatusOK)
	var decided fairsv1.MeetingDecided
	lastEvent(t, b.deps, "ocop.fairs.meeting."+m2, &decided)
	require.Equal(t, "declined", decided.Meeting.Status)

	var agenda struct {
		Items []struct {
			ID     string
			Table  int
			Status string
		}
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/agenda", nil, buyer0, http.StatusOK).JSON(t, &agenda)
	require.Len(t, agenda.Items, 1)
	require.Equal(t, "accepted", agenda.Items[0].Status)
	res = b.do(t, http.MethodGet, "/v1/fairs/fair-bn/agenda.ics", nil, prd0, http.StatusOK)
	ics := string(res.Body)
	require.True(t, strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n"))
	require.Contains(t, ics, "UID:"+m1+"@ocop")
	require.Contains(t, ics, "STATUS:CONFIRMED")
	require.Contains(t, ics, "DTSTART:"+func() string { tm, _ := time.Parse(time.RFC3339, slot(9)); return tm.UTC().Format("20060102T150405Z") }())
	require.Equal(t, 1, strings.Count(ics, "BEGIN:VEVENT"))
	for _, line := range strings.Split(ics, "\r\n") {
		require.LessOrEqual(t, len(line), 75, "iCalendar lines fold at 75 octets")
	}

	var slots struct {
		Items []struct {
			FreeTables int `json:"free_tables"`
		}
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/slots?with=prd-1", nil, buyer0, http.StatusOK).JSON(t, &slots)
	require.Len(t, slots.Items, 8, "the 9:00 slot is taken by buyer-0's meeting; 3 slots a day for 3 days")

	b.do(t, http.MethodPost, "/v1/meetings/"+m1+"/outcome", map[string]any{"held": true}, buyer0, http.StatusConflict)
	_, err := b.deps.Pool.Exec(context.Background(), `UPDATE fairs.meetings SET starts_at = now() - interval '1 hour' WHERE id = $1`, m1)
	require.NoError(t, err)
	b.do(t, http.MethodPost, "/v1/meetings/"+m1+"/outcome", map[string]any{"held": false}, prd0, http.StatusOK)

	_, err = b.deps.Pool.Exec(context.Background(), `UPDATE fairs.fairs SET starts_on = current_date WHERE id = 'fair-bn'`)
	require.NoError(t, err)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/checkins", map[string]any{"producer_id": "prd-0"}, b.organiser, http.StatusCreated)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/checkins", map[string]any{"buyer_id": "buyer-1"}, b.organiser, http.StatusCreated)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/checkins", map[string]any{"buyer_id": "nobody"}, b.organiser, http.StatusBadRequest)

	var st struct {
		BoothsFilled  int            `json:"booths_filled"`
		Exhibitors    int            `json:"exhibitors"`
		Checked       int            `json:"exhibitors_checked_in"`
		Buyers        int            `json:"buyers_registered"`
		BuyersChecked int            `json:"buyers_checked_in"`
		Meetings      map[string]int `json:"meetings"`
		NoShows       int            `json:"meetings_no_show"`
		Applications  map[string]int `json:"applications"`
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/stats", nil, b.organiser, http.StatusOK).JSON(t, &st)
	require.Equal(t, 2, st.BoothsFilled)
	require.Equal(t, 1, st.Checked)
	require.Equal(t, 2, st.Buyers)
	require.Equal(t, 1, st.BuyersChecked)
	require.Equal(t, 1, st.Meetings["accepted"])
	require.Equal(t, 1, st.Meetings["declined"])
	require.Equal(t, 1, st.NoShows)
	require.Equal(t, 2, st.Applications["approved"])
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn/stats", nil, testkit.Token(t, auth.RoleOrganiser, "org-2"), http.StatusForbidden)
}

// A request left unanswered stops holding its slot: another buyer gets the
// exhibitor then, and the stale request is expired.
func TestUnansweredRequestsExpire(t *testing.T) {
	b := setup(t)
	b.exhibitorsAndBuyers(t, 1, 2)
	stale := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(10)},
		testkit.Token(t, auth.RoleBuyer, "buyer-0"), http.StatusCreated))
	buyer1 := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(10)}, buyer1, http.StatusConflict)
	_, err := b.deps.Pool.Exec(context.Background(), `UPDATE fairs.meetings SET requested_at = now() - interval '49 hours' WHERE id = $1`, stale)
	require.NoError(t, err)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": "prd-0", "starts_at": slot(10)}, buyer1, http.StatusCreated)
	var status string
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT status FROM fairs.meetings WHERE id = $1`, stale).Scan(&status))
	require.Equal(t, "expired", status)
	var ev fairsv1.MeetingDecided
	lastEvent(t, b.deps, "ocop.fairs.meeting."+stale, &ev)
	require.Equal(t, "expired", ev.Meeting.Status)
}

// Many buyers ask one exhibitor for one slot, and many pairs race for two
// tables: no party and no table is ever in two live meetings at once.
func TestConcurrentMeetingRequestsNeverDoubleBook(t *testing.T) {
	b := setup(t)
	b.exhibitorsAndBuyers(t, 6, 12)
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := testkit.Token(t, auth.RoleBuyer, fmt.Sprintf("buyer-%d", i))
			b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/meetings", map[string]any{"with": fmt.Sprintf("prd-%d", i%6), "starts_at": slot(11)}, token)
		}()
	}
	wg.Wait()
	var live, tables, buyers, producers int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT table_no), count(DISTINCT buyer_id), count(DISTINCT producer_id)
		FROM fairs.meetings WHERE status IN ('requested', 'accepted')`).Scan(&live, &tables, &buyers, &producers))
	require.Equal(t, 2, live, "two tables, two meetings")
	require.Equal(t, live, tables)
	require.Equal(t, live, buyers)
	require.Equal(t, live, producers)
}

func TestICSFoldsLongLines(t *testing.T) {
	f := fairDomain()
	at := time.Date(2026, 12, 10, 9, 0, 0, 0, ocop.Vietnam)
	long := strings.Repeat("Hợp tác xã nông sản ", 10)
	f.Name = long
	ics := httpapi.ICS(f, nil, at)
	for _, line := range strings.Split(ics, "\r\n") {
		require.LessOrEqual(t, len(line), 75)
	}
	require.Contains(t, strings.ReplaceAll(ics, "\r\n ", ""), "X-WR-CALNAME:"+strings.ReplaceAll(long, ",", `\,`))
}

func fairDomain() domain.Fair {
	return domain.Fair{ID: "fair-x", Name: "Hội chợ", Venue: "Nhà văn hóa"}
}
