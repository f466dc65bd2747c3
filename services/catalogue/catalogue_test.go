package catalogue_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/testkit"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	"github.com/ocopvn/ocop/services/catalogue"
)

type bundle struct {
	api   testkit.Client
	deps  platform.Deps
	admin string
}

func setup(t *testing.T) bundle {
	t.Helper()
	deps := testkit.Deps(t)
	svc, err := catalogue.New(context.Background(), deps)
	require.NoError(t, err)
	srv := testkit.Server(t)
	svc.Register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	return bundle{api: testkit.Client{Handler: srv.Echo}, deps: deps, admin: testkit.Token(t, auth.RoleAdmin, "")}
}

var producer = map[string]any{
	"id": "prd-001", "name": "HTX Nông sản Phượng Sơn", "kind": "cooperative", "province": "Bắc Giang",
	"legacy_district": "thị xã Chũ", "commune": "Phượng Sơn", "lat": 21.3558, "lon": 106.5262, "email": "htx.phuongson@example.vn",
}

func lychee() map[string]any {
	return map[string]any{
		"id": "p-0001", "name": "Vải thiều Lục Ngạn Phượng Sơn", "description": "Vải thiều tươi tuyển chọn",
		"group": "thuc_pham", "category": "fresh_fruit", "ocop_stars": 4, "ocop_certified_on": "2024-03-03",
		"certifications": []string{"GlobalGAP", "growing_area_code"}, "unit": "kg", "price_vnd": 48000,
		"monthly_capacity": 250000, "min_order": 500, "seasonal_months": []int{6, 7}, "shelf_life_days": 7,
		"tags": []string{"vải thiều", "Lục Ngạn"},
	}
}

func (b bundle) lastProductEvent(t *testing.T, id string) *cataloguev1.ProductChanged {
	t.Helper()
	var got *cataloguev1.ProductChanged
	testkit.Eventually(t, 10*time.Second, "the product event on the catalogue stream", func() bool {
		stream, err := b.deps.JS.Stream(context.Background(), events.StreamCatalogue)
		require.NoError(t, err)
		msg, err := stream.GetLastMsgForSubject(context.Background(), "ocop.catalogue.product."+id)
		if err != nil {
			return false
		}
		var ev cataloguev1.ProductChanged
		require.NoError(t, proto.Unmarshal(msg.Data, &ev))
		require.Equal(t, "ocop.catalogue.v1.ProductChanged", msg.Header.Get("ce-type"))
		got = &ev
		return true
	})
	return got
}

func TestProducerAndProductLifecycle(t *testing.T) {
	b := setup(t)
	official := testkit.Token(t, auth.RoleOfficial, "")

	res := b.api.Do(t, http.MethodPost, "/v1/producers", producer, official)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var prod map[string]any
	res.JSON(t, &prod)
	require.Equal(t, "Bắc Ninh", prod["province"], "a pre-2025 province is stored under the current map")
	require.Equal(t, "Bắc Giang", prod["legacy_province"])
	require.Equal(t, "/v1/producers/prd-001", res.Header.Get("Location"))

	owner := testkit.Token(t, auth.RoleProducer, "prd-001")
	res = b.api.Do(t, http.MethodPost, "/v1/products", lychee(), owner)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var p map[string]any
	res.JSON(t, &p)
	require.Equal(t, "prd-001", p["producer_id"])
	require.Equal(t, "2027-03-03", p["ocop_expires_on"])
	require.EqualValues(t, 2024, p["ocop_year"])

	ev := b.lastProductEvent(t, "p-0001")
	require.Equal(t, "Vải thiều Lục Ngạn Phượng Sơn", ev.Product.Name)
	require.Equal(t, "Bắc Ninh", ev.Producer.Province)
	require.EqualValues(t, 1, ev.Product.Version)

	res = b.api.Do(t, http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 52000, "shelf_life_days": nil}, owner)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res.JSON(t, &p)
	require.EqualValues(t, 52000, p["price_vnd"])
	require.Nil(t, p["shelf_life_days"])
	require.Equal(t, "Vải thiều Lục Ngạn Phượng Sơn", p["name"], "absent fields stay as they were")
	testkit.Eventually(t, 10*time.Second, "the change on the stream", func() bool {
		return b.lastProductEvent(t, "p-0001").Product.PriceVnd == 52000
	})

	res = b.api.Do(t, http.MethodDelete, "/v1/products/p-0001", nil, owner)
	require.Equal(t, http.StatusNoContent, res.Status, string(res.Body))
	require.Equal(t, http.StatusNoContent, b.api.Do(t, http.MethodDelete, "/v1/products/p-0001", nil, owner).Status, "withdrawing twice is a no-op")
	testkit.Eventually(t, 10*time.Second, "the withdrawal on the stream", func() bool {
		return b.lastProductEvent(t, "p-0001").Product.Withdrawn
	})
	res = b.api.Do(t, http.MethodGet, "/v1/products/p-0001", nil, "")
	require.Equal(t, http.StatusOK, res.Status)
	res.JSON(t, &p)
	require.Equal(t, true, p["withdrawn"])

	res = b.api.Do(t, http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 1}, owner)
	require.Equal(t, http.StatusConflict, res.Status, "a withdrawn product is not edited")
}

func TestValidationListsEveryBadField(t *testing.T) {
	b := setup(t)
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin).Status)
	bad := lychee()
	bad["producer_id"] = "prd-001"
	bad["group"] = "food"
	bad["ocop_stars"] = 7
	bad["price_vnd"] = -5
	bad["ocop_certified_on"] = "03/03/2024"
	bad["monthly_capacity"] = 0
	res := b.api.Do(t, http.MethodPost, "/v1/products", bad, b.admin)
	require.Equal(t, http.StatusBadRequest, res.Status)
	prob := res.Problem(t)
	require.Equal(t, "urn:ocop:problem:invalid", prob.Type)
	var fields []string
	for _, f := range prob.Errors {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"group", "monthly_capacity", "ocop_certified_on", "ocop_stars", "price_vnd"}, fields)

	res = b.api.Do(t, http.MethodPost, "/v1/products", map[string]any{"name": "x", "colour": "red"}, b.admin)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "colour", res.Problem(t).Errors[0].Field)

	noProducer := lychee()
	noProducer["producer_id"] = "prd-999"
	res = b.api.Do(t, http.MethodPost, "/v1/products", noProducer, b.admin)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "producer_id", res.Problem(t).Errors[0].Field)

	var count int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM catalogue.products`).Scan(&count))
	require.Zero(t, count, "nothing is half-written")
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), `SELECT count(*) FROM catalogue.outbox WHERE subject LIKE 'ocop.catalogue.product.%'`).Scan(&count))
	require.Zero(t, count, "no event for a refused change")
}

func TestOwnership(t *testing.T) {
	b := setup(t)
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin).Status)
	other := map[string]any{"id": "prd-002", "name": "HTX Khác", "kind": "household", "province": "Hà Nội", "lat": 21.0, "lon": 105.8}
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/producers", other, b.admin).Status)
	owner := testkit.Token(t, auth.RoleProducer, "prd-001")
	stranger := testkit.Token(t, auth.RoleProducer, "prd-002")
	buyer := testkit.Token(t, auth.RoleBuyer, "b-1")
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/products", lychee(), owner).Status)

	cases := []struct {
		name, method, path string
		body               any
		token              string
		status             int
	}{
		{"anonymous creates producer", http.MethodPost, "/v1/producers", producer, "", http.StatusUnauthorized},
		{"producer creates producer", http.MethodPost, "/v1/producers", producer, owner, http.StatusForbidden},
		{"buyer lists product", http.MethodPost, "/v1/products", lychee(), buyer, http.StatusForbidden},
		{"producer lists for another", http.MethodPost, "/v1/products", map[string]any{"producer_id": "prd-001", "name": "x"}, stranger, http.StatusForbidden},
		{"stranger edits", http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 1}, stranger, http.StatusForbidden},
		{"buyer edits", http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 1}, buyer, http.StatusForbidden},
		{"anonymous edits", http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 1}, "", http.StatusUnauthorized},
		{"stranger withdraws", http.MethodDelete, "/v1/products/p-0001", nil, stranger, http.StatusForbidden},
		{"admin edits", http.MethodPatch, "/v1/products/p-0001", map[string]any{"price_vnd": 50000}, b.admin, http.StatusOK},
		{"anyone reads", http.MethodGet, "/v1/products/p-0001", nil, "", http.StatusOK},
		{"missing product", http.MethodGet, "/v1/products/p-nope", nil, "", http.StatusNotFound},
		{"missing producer", http.MethodGet, "/v1/producers/prd-nope", nil, "", http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := b.api.Do(t, c.method, c.path, c.body, c.token)
			require.Equal(t, c.status, res.Status, string(res.Body))
		})
	}
}

func TestCreateIsIdempotentAndDuplicateIDsConflict(t *testing.T) {
	b := setup(t)
	first := b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin, "Idempotency-Key", "import-row-1")
	require.Equal(t, http.StatusCreated, first.Status)
	again := b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin, "Idempotency-Key", "import-row-1")
	require.Equal(t, http.StatusCreated, again.Status)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	dup := b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin)
	require.Equal(t, http.StatusConflict, dup.Status)
}

// A product listed with only the required fields: every optional list is
// stored empty, never refused by the database.
func TestMinimalProduct(t *testing.T) {
	b := setup(t)
	require.Equal(t, http.StatusCreated, b.api.Do(t, http.MethodPost, "/v1/producers", producer, b.admin).Status)
	res := b.api.Do(t, http.MethodPost, "/v1/products", map[string]any{
		"name": "Mật ong hoa vải", "group": "thuc_pham", "category": "honey", "ocop_stars": 3,
		"ocop_certified_on": "2025-01-31", "unit": "kg", "price_vnd": 250000, "monthly_capacity": 100, "min_order": 1,
	}, testkit.Token(t, auth.RoleProducer, "prd-001"))
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var p map[string]any
	res.JSON(t, &p)
	require.Equal(t, []any{}, p["certifications"])
	require.Equal(t, []any{}, p["seasonal_months"])
	require.Equal(t, "2028-01-28", p["ocop_expires_on"], "a rating issued on the 31st lapses on the 28th")
	require.Regexp(t, `^p-[0-9a-f]{12}$`, p["id"])
}
