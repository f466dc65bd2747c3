package rank

import (
	"fmt"
	"testing"

	"github.com/ocopvn/ocop/services/matching/search"
)

// BenchmarkRank re-ranks the 200 candidates a demand retrieves, reading
// its words first, as the service does for every demand.
func BenchmarkRank(b *testing.B) {
	d := baseDemand()
	d.Text = "Chuỗi siêu thị cần vải thiều sấy khô Lục Ngạn, không lấy hàng đông lạnh, giao trong vòng 100 km từ Hà Nội"
	hits := make([]search.Hit, candidates)
	for i := range hits {
		hits[i] = search.Hit{Score: float64(i%37) + 1, Document: new(product(fmt.Sprintf("p-%d", i), func(p *search.Document) {
			p.ProducerID = fmt.Sprintf("prd-%d", i/3)
			p.Name = fmt.Sprintf("Vải thiều sấy khô loại %d", i)
			p.PriceVND = int64(120000 + i*300)
			p.MonthlyCapacity = float64(500 + i*20)
		}))}
	}
	r := Ranker{Weights: DefaultWeights}
	b.ReportAllocs()
	for b.Loop() {
		in := Read(d)
		if len(r.Rank(d, in, hits, on)) == 0 {
			b.Fatal("nothing ranked")
		}
	}
}
