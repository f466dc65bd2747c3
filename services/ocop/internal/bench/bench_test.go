package bench

import (
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
