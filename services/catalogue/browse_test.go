package catalogue_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/testkit"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/postgres"
)

func (b bundle) seedSample(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile("sheet/testdata/import-sample.csv")
	require.NoError(t, err)
	b.importCSV(t, data, "")
}

type listing struct {
	Items []struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		OCOPStars    int    `json:"ocop_stars"`
		PriceVND     int64  `json:"price_vnd"`
		Province     string `json:"province"`
		ProducerName string `json:"producer_name"`
	} `json:"items"`
	NextCursor string                    `json:"next_cursor"`
	Total      int                       `json:"total"`
	Facets     map[string]map[string]int `json:"facets"`
}

func (b bundle) list(t *testing.T, query string) listing {
	t.Helper()
	res := b.api.Do(t, http.MethodGet, "/v1/products?"+strings.ReplaceAll(query, " ", "%20"), nil, "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var l listing
	res.JSON(t, &l)
	return l
}

func TestBrowseFiltersFacetsAndPages(t *testing.T) {
	b := setup(t)
	b.seedSample(t)

	all := b.list(t, "")
	require.Equal(t, 3, all.Total)
	require.Equal(t, map[string]int{"thuc_pham": 2, "sinh_vat_canh": 1}, all.Facets["group"])
	require.Equal(t, map[string]int{"Bắc Ninh": 2, "Hải Phòng": 1}, all.Facets["province"])
	require.Equal(t, 1, all.Facets["certifications"]["HACCP"])

	cases := map[string][]string{
		"group=thuc_pham":                  {"Vải thiều sấy khô Phượng Sơn", "Vải thiều tươi Phượng Sơn"},
		"province=Bắc Giang":               {"Vải thiều sấy khô Phượng Sơn", "Vải thiều tươi Phượng Sơn"},
		"province=Hải Dương":               {"Cành đào Tết Thanh Hà"},
		"min_stars=4":                      {"Vải thiều sấy khô Phượng Sơn", "Vải thiều tươi Phượng Sơn"},
		"certification=HACCP":              {"Vải thiều sấy khô Phượng Sơn"},
		"in_season=1":                      {"Cành đào Tết Thanh Hà", "Vải thiều sấy khô Phượng Sơn"},
		"in_season=6&category=fresh_fruit": {"Vải thiều tươi Phượng Sơn"},
		"sort=-price_vnd":                  {"Cành đào Tết Thanh Hà", "Vải thiều sấy khô Phượng Sơn", "Vải thiều tươi Phượng Sơn"},
		"sort=price_vnd":                   {"Vải thiều tươi Phượng Sơn", "Vải thiều sấy khô Phượng Sơn", "Cành đào Tết Thanh Hà"},
	}
	for q, want := range cases {
		t.Run(q, func(t *testing.T) {
			var names []string
			for _, it := range b.list(t, q).Items {
				names = append(names, it.Name)
			}
			require.Equal(t, want, names)
		})
	}

	filtered := b.list(t, "group=thuc_pham")
	require.Equal(t, 2, filtered.Total, "facets count what the filters keep")

	var paged []string
	cursor := ""
	for {
		l := b.list(t, "sort=-ocop_stars&limit=1&cursor="+cursor)
		for _, it := range l.Items {
			paged = append(paged, it.ID)
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	require.Len(t, paged, 3)
	require.ElementsMatch(t, []string{all.Items[0].ID, all.Items[1].ID, all.Items[2].ID}, paged)

	res := b.api.Do(t, http.MethodGet, "/v1/products?group=food&min_stars=9&sort=colour&in_season=13&limit=0", nil, "")
	require.Equal(t, http.StatusBadRequest, res.Status)
	var fields []string
	for _, f := range res.Problem(t).Errors {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"group", "in_season", "limit", "min_stars", "sort"}, fields)
}

func TestTraceabilityPageJSONAndQR(t *testing.T) {
	b := setup(t)
	b.seedSample(t)
	id := b.list(t, "certification=HACCP").Items[0].ID

	res := b.api.Do(t, http.MethodGet, "/p/"+id, nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	page := string(res.Body)
	for _, want := range []string{"Vải thiều sấy khô Phượng Sơn", "OCOP 4 sao", "còn hiệu lực", "123/QĐ-UBND",
		"Mã số vùng trồng", "VN-BGLN-0012", "HTX Nông sản Phượng Sơn", "Hợp tác xã", "tỉnh Bắc Giang cũ"} {
		require.Contains(t, page, want)
	}

	res = b.api.Do(t, http.MethodGet, "/v1/products/"+id+"/trace", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	var tr struct {
		OCOPRatingValid bool   `json:"ocop_rating_valid"`
		PageURL         string `json:"page_url"`
		Certifications  []struct {
			Certification, Code string
		} `json:"certifications"`
		Producer struct {
			ID string `json:"id"`
		} `json:"producer"`
	}
	res.JSON(t, &tr)
	require.True(t, tr.OCOPRatingValid)
	require.True(t, strings.HasSuffix(tr.PageURL, "/p/"+id))

	old := lychee()
	old["producer_id"], old["name"], old["ocop_certified_on"] = tr.Producer.ID, "Vải thiều sấy 2020", "2020-01-15"
	res = b.api.Do(t, http.MethodPost, "/v1/products", old, b.admin)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var lapsed struct{ ID string }
	res.JSON(t, &lapsed)
	res = b.api.Do(t, http.MethodGet, "/p/"+lapsed.ID, nil, "")
	require.Contains(t, string(res.Body), "đã hết hiệu lực từ ngày 15/01/2023", "a lapsed rating says so")

	res = b.api.Do(t, http.MethodGet, "/v1/products/"+id+"/qr.png", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, "image/png", res.Header.Get("Content-Type"))
	img, err := png.Decode(bytes.NewReader(res.Body))
	require.NoError(t, err)
	require.Equal(t, 512, img.Bounds().Dx())
	require.Equal(t, http.StatusNotFound, b.api.Do(t, http.MethodGet, "/v1/products/nope/qr.png", nil, "").Status)
}

func TestProducerChangeRestatesItsProducts(t *testing.T) {
	b := setup(t)
	b.seedSample(t)
	var producerID string
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
		`SELECT id FROM catalogue.producers WHERE registration_code = '2400123456'`).Scan(&producerID))
	official := testkit.Token(t, auth.RoleOfficial, "")

	res := b.api.Do(t, http.MethodPatch, "/v1/producers/"+producerID, map[string]any{"lat": 21.40, "commune": "Tân Sơn"}, official)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	for _, it := range b.list(t, "province=Bắc Ninh").Items {
		var ev cataloguev1.ProductChanged
		testkit.Eventually(t, 10*time.Second, "the product restated with the producer's new place", func() bool {
			stream, err := b.deps.JS.Stream(context.Background(), events.StreamCatalogue)
			require.NoError(t, err)
			msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.catalogue.product."+it.ID)
			if err != nil {
				return false
			}
			require.NoError(t, proto.Unmarshal(msg.Data, &ev))
			return ev.Producer.Commune == "Tân Sơn"
		})
		require.InDelta(t, 21.40, ev.Producer.Lat, 1e-9)
	}
	before := b.count(t, changeEvents)
	res = b.api.Do(t, http.MethodPatch, "/v1/producers/"+producerID, map[string]any{"commune": "Tân Sơn"}, official)
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, before, b.count(t, changeEvents), "a change to nothing tells no one")

	res = b.api.Do(t, http.MethodPatch, "/v1/producers/"+producerID, map[string]any{"province": "Hà Giang"}, testkit.Token(t, auth.RoleProducer, "prd-other"))
	require.Equal(t, http.StatusForbidden, res.Status)
	res = b.api.Do(t, http.MethodPatch, "/v1/producers/"+producerID, map[string]any{"province": "Atlantis"}, official)
	require.Equal(t, http.StatusBadRequest, res.Status)
}

func TestProducersAreWarnedBeforeRatingsLapse(t *testing.T) {
	b := setup(t)
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin).Status)
	owner := testkit.Token(t, auth.RoleProducer, "prd-001")
	certified := time.Now().AddDate(-3, 0, 20).Format("2006-01-02")
	for i, name := range []string{"Mật ong hoa vải", "Vải sấy"} {
		p := lychee()
		p["id"], p["name"], p["ocop_certified_on"] = fmt.Sprintf("p-soon-%d", i), name, certified
		require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/products", p, owner).Status)
	}
	fresh := lychee()
	fresh["ocop_certified_on"] = time.Now().AddDate(-1, 0, 0).Format("2006-01-02")
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/products", fresh, owner).Status)

	// The service's own job runs at its start too, and may have warned of a
	// product created before it ran: together they warn of both, once.
	uc := app.New(postgres.New(b.deps.Pool))
	_, err := uc.RemindExpiringRatings(context.Background())
	require.NoError(t, err)
	n, err := uc.RemindExpiringRatings(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "each warning is sent once")
	// The job's run may still hold the rows it warns of (the calls above
	// skip them) until it commits.
	warnings := func() int {
		return b.count(t, `SELECT count(*) FROM catalogue.outbox WHERE subject LIKE 'ocop.catalogue.rating.%'`)
	}
	testkit.Eventually(t, 10*time.Second, "two warnings in the outbox", func() bool { return warnings() >= 2 })
	require.Equal(t, 2, warnings())

	var ev cataloguev1.RatingExpiring
	testkit.Eventually(t, 10*time.Second, "a RatingExpiring warning", func() bool {
		stream, err := b.deps.JS.Stream(context.Background(), events.StreamCatalogue)
		require.NoError(t, err)
		msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.catalogue.rating.p-soon-0")
		if err != nil {
			return false
		}
		require.NoError(t, proto.Unmarshal(msg.Data, &ev))
		return true
	})
	require.EqualValues(t, 30, ev.DaysLeft, "twenty days before expiry, the 30-day warning")
	require.Equal(t, "prd-001", ev.ProducerId)
	require.Equal(t, 2, b.count(t, `SELECT count(*) FROM catalogue.rating_reminders`), "the product rated a year ago is not warned")
}
