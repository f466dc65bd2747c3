package bench

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ocopvn/ocop/services/catalogue/sheet"
)

func TestGeneratedCatalogueImportsCleanly(t *testing.T) {
	cat, err := Generate(500, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Table.Rows) != 500 || len(cat.Queries) == 0 {
		t.Fatalf("%d rows, %d queries", len(cat.Table.Rows), len(cat.Queries))
	}
	names := map[string]bool{}
	for _, row := range cat.Table.Rows {
		if _, issues := sheet.Convert(row); len(issues) > 0 {
			t.Fatalf("row %d would be refused by the import: %+v", row.Number, issues)
		}
		names[row.Cells["product_name"]] = true
	}
	if len(names) != 500 {
		t.Fatalf("product names repeat: %d distinct", len(names))
	}
	again, _ := Generate(500, 7)
	if again.Table.Rows[42].Cells["product_name"] != cat.Table.Rows[42].Cells["product_name"] {
		t.Fatal("the same seed gives the same catalogue")
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var l Latencies
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	if l.Percentile(50) != 50*time.Millisecond || l.Percentile(99) != 99*time.Millisecond || l.Percentile(100) != 100*time.Millisecond {
		t.Fatalf("p50 %v p99 %v p100 %v", l.Percentile(50), l.Percentile(99), l.Percentile(100))
	}
	if (Latencies{}).Percentile(99) != 0 {
		t.Fatal("no measurements, no latency")
	}
}

func TestOpenLoopMeasuresFromIntendedTimes(t *testing.T) {
	var (
		mu       sync.Mutex
		intended = map[int]time.Time{}
	)
	lat, errs := OpenLoop(context.Background(), 100, 100*time.Millisecond, func(_ context.Context, i int, at time.Time) error {
		mu.Lock()
		intended[i] = at
		mu.Unlock()
		if i == 0 {
			time.Sleep(30 * time.Millisecond)
		}
		return nil
	})
	if len(lat) != 10 || errs != 0 || len(intended) != 10 {
		t.Fatalf("%d measured, %d errors, %d calls; want 10 calls measured", len(lat), errs, len(intended))
	}
	for i := 1; i < 10; i++ {
		if gap := intended[i].Sub(intended[0]) - time.Duration(i)*10*time.Millisecond; gap.Abs() > time.Microsecond {
			t.Fatalf("call %d intended %v off the 10 ms schedule", i, gap)
		}
	}
	if slowest := lat.Percentile(100); slowest < 30*time.Millisecond {
		t.Fatalf("the slow call measured %v, less than it took", slowest)
	}
}

// Tools read these names from `ocop bench --json`, and rss_mb is the peak
// the memory target is about.
func TestReportNamesTheFiguresToolsRead(t *testing.T) {
	b, err := json.Marshal(Report{RSSMB: 578, RSSNowMB: 531})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"products", "searchable_seconds", "search_p50_ms", "search_p99_ms", "search_max_qps",
		"bare_search_qps", "import_vs_bare", "match_rate", "match_p50_ms", "match_p99_ms", "match_vs_bare", "rss_mb"} {
		if _, ok := got[k]; !ok {
			t.Errorf("the report has no %s", k)
		}
	}
	if got["rss_mb"] != 578.0 {
		t.Errorf("rss_mb is %v, not the peak", got["rss_mb"])
	}

	now, peak := rss(os.Getpid())
	if now <= 0 || peak < now {
		t.Errorf("this process's memory read as %.1f MB now and %.1f MB peak", now, peak)
	}
}
