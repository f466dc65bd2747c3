package catalogue_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/catalogue"
	"github.com/ocopvn/ocop/services/catalogue/sheet"
)

// importRows writes n rows of the template: n/10 producers with ten
// products each, in the batches `ocop import` sends.
func importRows(n, batch int) [][]byte {
	var batches [][]byte
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := func() {
		keys := make([]string, len(sheet.Columns))
		for i, c := range sheet.Columns {
			keys[i] = c.Key
		}
		_ = w.Write(keys)
	}
	header()
	for i := range n {
		producer := i / 10
		_ = w.Write([]string{
			fmt.Sprintf("BG%08d", producer), fmt.Sprintf("HTX Nông sản số %d", producer), "cooperative", "Bắc Giang",
			"huyện Lục Ngạn", "Phượng Sơn", "", "21.3558", "106.5262", "", fmt.Sprintf("Vải thiều sấy loại %d", i%10),
			"thuc_pham", "dried_fruit", "4", "2025-03-03", "", "", "HACCP", "kg", "150000", "2000", "50", "", "365",
			"vải thiều sấy", "Vải thiều sấy khô nguyên quả, đóng túi.",
		})
		if (i+1)%batch == 0 || i == n-1 {
			w.Flush()
			batches = append(batches, bytes.Clone(buf.Bytes()))
			buf.Reset()
			header()
		}
	}
	return batches
}

// BenchmarkImport20000Rows imports 20,000 rows (2,000 producers) through the
// upload endpoint in batches of 500, as `ocop import` does, each time into a
// fresh database.
func BenchmarkImport20000Rows(b *testing.B) {
	const rows, batch = 20000, 500
	batches := importRows(rows, batch)
	token := testkit.Token(b, auth.RoleOfficial, "")
	for b.Loop() {
		b.StopTimer()
		deps := testkit.Deps(b)
		svc, err := catalogue.New(context.Background(), deps)
		require.NoError(b, err)
		srv := testkit.Server(b)
		svc.Register(srv)
		api := testkit.Client{Handler: srv.Echo}
		b.StartTimer()
		start := time.Now()
		for i, body := range batches {
			res := api.Do(b, http.MethodPost, fmt.Sprintf("/v1/imports?first_row=%d", 2+i*batch), body, token, "Content-Type", "text/csv")
			require.Equal(b, http.StatusOK, res.Status, string(res.Body))
		}
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	}
}
