package catalogue_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
)

type importReport struct {
	DryRun bool           `json:"dry_run"`
	Rows   int            `json:"rows"`
	Counts map[string]int `json:"counts"`
	Issues []struct {
		Row        int    `json:"row"`
		Column     string `json:"column"`
		Value      string `json:"value"`
		Vietnamese string `json:"error_vi"`
		English    string `json:"error_en"`
	} `json:"issues"`
	Results []struct {
		Row       int    `json:"row"`
		ProductID string `json:"product_id"`
		Producer  string `json:"producer"`
		Product   string `json:"product"`
	} `json:"results"`
}

func (b bundle) importCSV(t *testing.T, data []byte, query string) importReport {
	t.Helper()
	res := b.api.Do(t, http.MethodPost, "/v1/imports"+query, data, testkit.Token(t, auth.RoleOfficial, ""), "Content-Type", "text/csv")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var rep importReport
	res.JSON(t, &rep)
	return rep
}

// changeEvents counts the events that announce producers and products. The
// reminder job may add RatingExpiring events at any moment, because the sample
// ratings' certification dates draw nearer to expiry as the calendar moves.
const changeEvents = `SELECT count(*) FROM catalogue.outbox
	WHERE type IN ('ocop.catalogue.v1.ProducerChanged', 'ocop.catalogue.v1.ProductChanged')`

func (b bundle) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, b.deps.Pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestImportSampleReportsBadRowsAndTakesGoodOnes(t *testing.T) {
	b := setup(t)
	data, err := os.ReadFile("sheet/testdata/import-sample.csv")
	require.NoError(t, err)

	dry := b.importCSV(t, data, "?dry_run=true")
	require.True(t, dry.DryRun)
	require.Zero(t, b.count(t, `SELECT count(*) FROM catalogue.products`), "a dry run writes nothing")
	require.Zero(t, b.count(t, changeEvents))

	rep := b.importCSV(t, data, "")
	require.Equal(t, 6, rep.Rows)
	require.Equal(t, dry.Counts, rep.Counts, "a dry run reports what the import does")
	require.Equal(t, map[string]int{
		"producers_created": 2, "producers_unchanged": 1, "producers_failed": 3,
		"products_created": 3, "products_failed": 3,
	}, rep.Counts)

	type cell struct {
		row           int
		column, value string
	}
	var got []cell
	for _, is := range rep.Issues {
		require.NotEmpty(t, is.Vietnamese)
		require.NotEmpty(t, is.English)
		got = append(got, cell{is.Row, is.Column, is.Value})
	}
	require.Equal(t, []cell{
		{4, "Nhóm sản phẩm", "food"}, {4, "Số sao OCOP", "6"}, {4, "Giá bán (đồng)", "ba trăm nghìn"},
		{5, "Tỉnh/Thành phố", "Atlantis"}, {5, "Ngày công nhận", "31/02/2024"},
		{7, "Mã số thuế/ĐKKD", ""}, {7, "Chứng nhận khác", "FDA"},
	}, got)

	require.Equal(t, 3, b.count(t, `SELECT count(*) FROM catalogue.products`))
	require.Equal(t, "Bắc Giang", func() string {
		var s string
		require.NoError(t, b.deps.Pool.QueryRow(context.Background(),
			`SELECT legacy_province FROM catalogue.producers WHERE registration_code = '2400123456'`).Scan(&s))
		return s
	}(), "the legacy province is kept")
	events := b.count(t, changeEvents)
	require.Equal(t, 5, events, "two producers and three products announced")

	again := b.importCSV(t, data, "")
	require.Equal(t, map[string]int{"producers_unchanged": 3, "producers_failed": 3, "products_unchanged": 3, "products_failed": 3}, again.Counts)
	require.Equal(t, events, b.count(t, changeEvents), "a second import changes nothing and tells no one")
	require.Equal(t, 1, b.count(t, `SELECT max(version) FROM catalogue.products`))
}

func TestExportImportsBackUnchanged(t *testing.T) {
	b := setup(t)
	data, err := os.ReadFile("sheet/testdata/import-sample.csv")
	require.NoError(t, err)
	b.importCSV(t, data, "")
	events := b.count(t, changeEvents)
	official := testkit.Token(t, auth.RoleOfficial, "")

	for _, format := range []string{"csv", "xlsx"} {
		res := b.api.Do(t, http.MethodGet, "/v1/exports/catalogue?format="+format, nil, official)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		require.Contains(t, res.Header.Get("Content-Disposition"), "ocop-catalogue."+format)

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("file", "catalogue."+format)
		require.NoError(t, err)
		_, err = fw.Write(res.Body)
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		req := httptest.NewRequest(http.MethodPost, "/v1/imports", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+official)
		rec := httptest.NewRecorder()
		b.api.Handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var rep importReport
		testkit.Response{Body: rec.Body.Bytes()}.JSON(t, &rep)
		require.Empty(t, rep.Issues, format)
		require.Equal(t, map[string]int{"producers_unchanged": 3, "products_unchanged": 3}, rep.Counts, format)
	}
	require.Equal(t, events, b.count(t, changeEvents))
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodGet, "/v1/exports/catalogue", nil, testkit.Token(t, auth.RoleBuyer, "b")).Status)
}

func TestImportRefusals(t *testing.T) {
	b := setup(t)
	official := testkit.Token(t, auth.RoleOfficial, "")
	res := b.api.Do(t, http.MethodPost, "/v1/imports", "Tên,Màu\nA,đỏ\n", official, "Content-Type", "text/csv")
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "file", res.Problem(t).Errors[0].Field)
	res = b.api.Do(t, http.MethodPost, "/v1/imports", "a,b", official, "Content-Type", "application/pdf")
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, http.StatusForbidden, b.api.Do(t, http.MethodPost, "/v1/imports", "a", testkit.Token(t, auth.RoleProducer, "p"), "Content-Type", "text/csv").Status)
	require.Equal(t, http.StatusUnauthorized, b.api.Do(t, http.MethodPost, "/v1/imports", "a", "", "Content-Type", "text/csv").Status)
}
