package fairs_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
)

// count returns the rows of a table of the fairs schema.
func (b bundle) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM fairs.`+table).Scan(&n))
	return n
}

func TestFairCreatedAndBoothAddedAreTold(t *testing.T) {
	b := setup(t)
	body := fair()
	body["organiser_id"] = "org-9"
	res := b.do(t, http.MethodPost, "/v1/fairs", body, b.organiser, http.StatusCreated)
	require.Equal(t, "/v1/fairs/fair-bn", res.Header.Get("Location"))
	var created struct {
		OrganiserID string `json:"organiser_id"`
		Province    string
		Status      string
	}
	res.JSON(t, &created)
	require.Equal(t, "org-1", created.OrganiserID, "an organiser creates fairs for itself only")
	require.Equal(t, "Bắc Ninh", created.Province, "a pre-2025 province is stored by its current name")
	require.Equal(t, "draft", created.Status)

	var told fairsv1.FairCreated
	lastEvent(t, b.deps, "ocop.fairs.fair.fair-bn", &told)
	require.Equal(t, "fair-bn", told.Fair.Id)
	require.Equal(t, "org-1", told.Fair.OrganiserId)
	require.Equal(t, "Bắc Ninh", told.Fair.Province)
	require.Equal(t, date(1), told.Fair.StartsOn)
	require.Equal(t, []string{"thuc_pham"}, told.Fair.Groups)

	res = b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths",
		map[string]any{"code": "c-07", "type": "corner", "price_vnd": 4500000, "width_m": 3, "depth_m": 2.5}, b.organiser, http.StatusCreated)
	var booth struct {
		ID     string
		Code   string
		WidthM *float64 `json:"width_m"`
		DepthM *float64 `json:"depth_m"`
		Status string
	}
	res.JSON(t, &booth)
	require.Equal(t, "C-07", booth.Code)
	require.Equal(t, 3.0, *booth.WidthM)
	require.Equal(t, 2.5, *booth.DepthM)
	require.Equal(t, "available", booth.Status)
	var added fairsv1.BoothAdded
	lastEvent(t, b.deps, "ocop.fairs.booth."+booth.ID, &added)
	require.Equal(t, "fair-bn", added.Booth.FairId)
	require.Equal(t, "C-07", added.Booth.Code)
	require.Equal(t, "corner", added.Booth.Type)
	require.EqualValues(t, 4500000, added.Booth.PriceVnd)

	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths", map[string]any{"code": "C-07", "type": "standard", "price_vnd": 3000000},
		b.organiser, http.StatusConflict)
	var f struct {
		Booths []struct {
			Code   string
			WidthM *float64 `json:"width_m"`
		}
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn", nil, b.organiser, http.StatusOK).JSON(t, &f)
	require.Len(t, f.Booths, 1, "the duplicate code wrote nothing")
	require.Equal(t, 3.0, *f.Booths[0].WidthM, "the size is kept")
}

func TestBookingRules(t *testing.T) {
	b := setup(t)
	booths := b.publishedFair(t, 3)
	b.approved(t, "prd-1", 3)
	b.approved(t, "prd-2", 3)
	prd1, prd2 := testkit.Token(t, auth.RoleProducer, "prd-1"), testkit.Token(t, auth.RoleProducer, "prd-2")

	other := fair()
	other["id"] = "fair-hn"
	b.do(t, http.MethodPost, "/v1/fairs", other, b.organiser, http.StatusCreated)
	foreign := idOf(t, b.do(t, http.MethodPost, "/v1/fairs/fair-hn/booths", map[string]any{"code": "A-01", "type": "standard", "price_vnd": 1000000},
		b.organiser, http.StatusCreated))

	res := b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[1]+"/bookings", nil, prd1, http.StatusCreated)
	var bk struct {
		ID         string `json:"id"`
		FairID     string `json:"fair_id"`
		BoothID    string `json:"booth_id"`
		BoothCode  string `json:"booth_code"`
		ProducerID string `json:"producer_id"`
	}
	res.JSON(t, &bk)
	require.Equal(t, "fair-bn", bk.FairID)
	require.Equal(t, booths[1], bk.BoothID)
	require.Equal(t, "A-02", bk.BoothCode)
	require.Equal(t, "prd-1", bk.ProducerID, "the producer is the token's organisation")

	var booked fairsv1.BoothBooked
	lastEvent(t, b.deps, "ocop.fairs.booking."+bk.ID, &booked)
	require.Equal(t, booths[1], booked.BoothId)
	require.Equal(t, "A-02", booked.BoothCode)
	require.Equal(t, "prd-1", booked.ProducerId)
	require.Equal(t, "org-1", booked.OrganiserId)

	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[1]+"/bookings", nil, prd2, http.StatusConflict)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[2]+"/bookings", nil, prd1, http.StatusConflict)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+foreign+"/bookings", nil, prd2, http.StatusNotFound)
	b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/booth-nope/bookings", nil, prd2, http.StatusNotFound)
	b.do(t, http.MethodPost, "/v1/fairs/fair-nope/booths/"+booths[2]+"/bookings", nil, prd2, http.StatusNotFound)
	require.Equal(t, 1, b.count(t, "bookings"), "refused bookings write nothing")

	var f struct {
		Booths []struct {
			Code    string
			Status  string
			Booking *struct {
				ProducerID string `json:"producer_id"`
			}
		}
	}
	b.do(t, http.MethodGet, "/v1/fairs/fair-bn", nil, "", http.StatusOK).JSON(t, &f)
	require.Len(t, f.Booths, 3)
	for i, booth := range f.Booths {
		if i == 1 {
			require.Equal(t, "booked", booth.Status)
			require.Equal(t, "prd-1", booth.Booking.ProducerID)
			continue
		}
		require.Equal(t, "available", booth.Status, booth.Code)
		require.Nil(t, booth.Booking, booth.Code)
	}
}

// Every endpoint of fairs and booths, asked by every kind of caller.
func TestWhoMayDoWhat(t *testing.T) {
	b := setup(t)
	// booths[1] is a standard booth, open to a 3-star producer.
	booths := b.publishedFair(t, 2)
	b.approved(t, "prd-1", 3)
	draft := fair()
	draft["id"] = "fair-draft"
	b.do(t, http.MethodPost, "/v1/fairs", draft, b.organiser, http.StatusCreated)

	callers := []struct{ name, token string }{
		{"owner", b.organiser},
		{"other organiser", testkit.Token(t, auth.RoleOrganiser, "org-2")},
		{"producer", testkit.Token(t, auth.RoleProducer, "prd-1")},
		{"buyer", testkit.Token(t, auth.RoleBuyer, "buyer-1")},
		{"official", testkit.Token(t, auth.RoleOfficial, "")},
		{"admin", testkit.Token(t, auth.RoleAdmin, "")},
		{"anonymous", ""},
	}
	newFair := func() map[string]any {
		f := fair()
		delete(f, "id")
		return f
	}
	withOrganiser := func() map[string]any {
		f := newFair()
		f["organiser_id"] = "org-3"
		return f
	}
	code := 0
	newBooth := func() map[string]any {
		code++
		return map[string]any{"code": fmt.Sprintf("Z-%02d", code), "type": "corner", "price_vnd": 4000000}
	}
	endpoints := []struct {
		name, method, path string
		body               func() map[string]any
		want               map[string]int
	}{
		{"create fair", http.MethodPost, "/v1/fairs", newFair, map[string]int{
			"owner": 201, "other organiser": 201, "producer": 403, "buyer": 403, "official": 403, "admin": 400, "anonymous": 401}},
		{"create fair for an organiser", http.MethodPost, "/v1/fairs", withOrganiser, map[string]int{
			"owner": 201, "other organiser": 201, "producer": 403, "buyer": 403, "official": 403, "admin": 201, "anonymous": 401}},
		{"read published fair", http.MethodGet, "/v1/fairs/fair-bn", nil, map[string]int{
			"owner": 200, "other organiser": 200, "producer": 200, "buyer": 200, "official": 200, "admin": 200, "anonymous": 200}},
		{"read draft fair", http.MethodGet, "/v1/fairs/fair-draft", nil, map[string]int{
			"owner": 200, "other organiser": 404, "producer": 404, "buyer": 404, "official": 404, "admin": 200, "anonymous": 404}},
		{"add booth", http.MethodPost, "/v1/fairs/fair-bn/booths", newBooth, map[string]int{
			"owner": 201, "other organiser": 403, "producer": 403, "buyer": 403, "official": 403, "admin": 201, "anonymous": 401}},
		{"book booth", http.MethodPost, "/v1/fairs/fair-bn/booths/" + booths[1] + "/bookings", nil, map[string]int{
			"owner": 403, "other organiser": 403, "producer": 201, "buyer": 403, "official": 403, "admin": 403, "anonymous": 401}},
	}
	for _, e := range endpoints {
		for _, c := range callers {
			t.Run(e.name+"/"+c.name, func(t *testing.T) {
				var body any
				if e.body != nil {
					body = e.body()
				}
				res := b.api.Do(t, e.method, e.path, body, c.token)
				require.Equal(t, e.want[c.name], res.Status, "%s", res.Body)
				if e.name == "create fair for an organiser" && res.Status == http.StatusCreated {
					var f struct {
						OrganiserID string `json:"organiser_id"`
					}
					res.JSON(t, &f)
					want := map[string]string{"owner": "org-1", "other organiser": "org-2", "admin": "org-3"}[c.name]
					require.Equal(t, want, f.OrganiserID, "only an admin names the organiser")
				}
			})
		}
	}
	t.Run("producer not approved books", func(t *testing.T) {
		res := b.do(t, http.MethodPost, "/v1/fairs/fair-bn/booths/"+booths[1]+"/bookings", nil, testkit.Token(t, auth.RoleProducer, "prd-2"), http.StatusForbidden)
		require.Contains(t, res.Problem(t).Detail, "approved", "a producer applies and is approved before booking")
	})
}

func TestInvalidRequestsListEveryFieldAndWriteNothing(t *testing.T) {
	b := setup(t)
	bad := map[string]any{"id": "Hội chợ", "name": "", "venue": "Nhà văn hóa", "province": "Atlantis", "lat": 50, "lon": 2,
		"starts_on": "10/12/2026", "ends_on": "2026-12-01", "groups": []string{"food"}}
	res := b.api.Do(t, http.MethodPost, "/v1/fairs", bad, b.organiser)
	require.Equal(t, http.StatusBadRequest, res.Status)
	var got []string
	for _, f := range res.Problem(t).Errors {
		got = append(got, f.Field)
	}
	require.Equal(t, []string{"groups", "id", "lat", "name", "province", "starts_on"}, got)

	res = b.api.Do(t, http.MethodPost, "/v1/fairs", map[string]any{"name": "Hội chợ", "venue": "Nhà văn hóa", "province": "Hà Nội",
		"lat": 21.03, "lon": 105.85, "starts_on": date(5), "ends_on": date(4)}, b.organiser)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "ends_on", res.Problem(t).Errors[0].Field, "a fair ends on or after it starts")
	require.Zero(t, b.count(t, "fairs"))
	require.Zero(t, b.count(t, "outbox"))

	b.do(t, http.MethodPost, "/v1/fairs", fair(), b.organiser, http.StatusCreated)
	told := b.count(t, "outbox")
	res = b.api.Do(t, http.MethodPost, "/v1/fairs/fair-bn/booths",
		map[string]any{"code": "", "type": "tent", "price_vnd": -5, "width_m": 0, "depth_m": -1}, b.organiser)
	require.Equal(t, http.StatusBadRequest, res.Status)
	got = nil
	for _, f := range res.Problem(t).Errors {
		got = append(got, f.Field)
	}
	require.Equal(t, []string{"code", "depth_m", "price_vnd", "type", "width_m"}, got)
	require.Zero(t, b.count(t, "booths"))
	require.Equal(t, told, b.count(t, "outbox"))
}
