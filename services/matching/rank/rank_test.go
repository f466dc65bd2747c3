package rank

import (
	"slices"
	"testing"
	"time"

	"github.com/ocopvn/ocop/services/matching/search"
)

var on = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func baseDemand() Demand {
	return Demand{
		ID: "d-1", Title: "Vải thiều sấy", Group: "thuc_pham", Quantity: 1500, Unit: "kg", MaxPriceVND: ptr(int64(170000)),
		MinStars: 4, RequiredCertifications: []string{"HACCP"}, DeliveryProvince: "Hà Nội", DeliveryLat: 21.0285, DeliveryLon: 105.8542,
	}
}

func product(id string, change func(*search.Document)) search.Document {
	d := search.Document{
		ID: id, ProducerID: "prd-" + id, Group: "thuc_pham", Category: "dried_fruit", Stars: 4, ExpiresOn: "2027-03-03",
		Certifications: []string{"HACCP"}, Unit: "kg", PriceVND: 150000, MonthlyCapacity: 3000, MinOrder: 50,
		Lat: 21.3558, Lon: 106.5262,
	}
	if change != nil {
		change(&d)
	}
	return d
}

func TestEligibleAppliesHardConstraints(t *testing.T) {
	d := baseDemand()
	d.NeededBy = time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		change func(*search.Document)
		ok     bool
	}{
		"fits":                   {nil, true},
		"other group":            {func(p *search.Document) { p.Group = "do_uong" }, false},
		"too few stars":          {func(p *search.Document) { p.Stars = 3 }, false},
		"missing certification":  {func(p *search.Document) { p.Certifications = []string{"VietGAP"} }, false},
		"rating expired":         {func(p *search.Document) { p.ExpiresOn = "2026-05-01" }, false},
		"rating valid until eve": {func(p *search.Document) { p.ExpiresOn = "2026-05-02" }, true},
		"in season before date":  {func(p *search.Document) { p.SeasonalMonths = []int{6, 7} }, true},
		"out of season":          {func(p *search.Document) { p.SeasonalMonths = []int{12, 1} }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Eligible(d, product("x", tc.change), on); got != tc.ok {
				t.Fatalf("Eligible = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestDeliverableBySeasonWindow(t *testing.T) {
	tet := []int{12, 1, 2}
	cases := []struct {
		name     string
		neededBy time.Time
		ok       bool
	}{
		{"open-ended", time.Time{}, true},
		{"needed in January", time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC), true},
		{"needed in August", time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		if got := deliverableBy(tet, nil, on, c.neededBy); got != c.ok {
			t.Errorf("%s: deliverableBy = %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestRankOrdersByFitAndExplains(t *testing.T) {
	d := baseDemand()
	hits := []search.Hit{
		{Document: new(product("small", func(p *search.Document) { p.MonthlyCapacity = 500 })), Score: 10},
		{Document: new(product("right", nil)), Score: 10},
		{Document: new(product("pricey", func(p *search.Document) { p.PriceVND = 230000 })), Score: 10},
		{Document: new(product("three-star", func(p *search.Document) { p.Stars = 3 })), Score: 12},
		{Document: new(product("weak-text", nil)), Score: 2},
	}
	got := Ranker{Weights: DefaultWeights}.Rank(d, Read(d), hits, on)
	var order []string
	for _, m := range got {
		order = append(order, m.ProductID)
	}
	if slices.Contains(order, "three-star") {
		t.Fatalf("a product below the minimum stars is ranked: %v", order)
	}
	if order[0] != "right" {
		t.Fatalf("order = %v, want the product fitting capacity and price first", order)
	}
	if slices.Index(order, "weak-text") < slices.Index(order, "right") {
		t.Fatalf("order = %v, want the same product with weaker words below", order)
	}
	if got[0].Score <= 1.2*got[slices.Index(order, "small")].Score {
		t.Fatalf("order = %v: a producer making a third of the quantity must fall well below", order)
	}
	best := got[0]
	for _, want := range []string{"4★ OCOP", "HACCP (required)", "capacity 3 t/month ≥ 1.5 t asked", "150,000 đ/kg within the 170,000 đ/kg ceiling"} {
		if !slices.Contains(best.Reasons, want) {
			t.Errorf("reasons %q lack %q", best.Reasons, want)
		}
	}
	if best.Rank != 1 || best.Score <= 0 || best.Score > 1 {
		t.Errorf("best = rank %d score %v", best.Rank, best.Score)
	}
}

func TestCapacityConvertsUnits(t *testing.T) {
	d := baseDemand()
	d.Quantity, d.Unit, d.MaxPriceVND = 300, "tấn", nil
	p := product("bulk", func(p *search.Document) { p.MonthlyCapacity = 250000 })
	f, ok := capacityFit(d, p, d.Quantity)
	if !ok || f.fit >= 1 || f.reason != "capacity 250 t/month, 83% of 300 t asked" {
		t.Fatalf("fit = %+v, %v", f, ok)
	}
	d.Unit = "hộp"
	if _, ok := capacityFit(d, p, d.Quantity); ok {
		t.Fatal("boxes and kilograms do not compare")
	}
}

func TestPriceOverCeilingDecays(t *testing.T) {
	d := baseDemand()
	within, _ := priceFit(d, product("a", nil))
	over, _ := priceFit(d, product("b", func(p *search.Document) { p.PriceVND = 187000 }))
	far, _ := priceFit(d, product("c", func(p *search.Document) { p.PriceVND = 300000 }))
	if within.fit != 1 || !(over.fit < 1 && over.fit > far.fit) || far.fit != 0 {
		t.Fatalf("fits = %v %v %v", within.fit, over.fit, far.fit)
	}
	if over.reason != "187,000 đ/kg, 10% over the 170,000 đ/kg ceiling" {
		t.Fatalf("reason = %q", over.reason)
	}
	d.Unit = "tấn"
	perTonne, ok := priceFit(d, product("d", nil))
	if !ok || perTonne.fit != 0 {
		t.Fatalf("150,000 đ/kg is 150 million a tonne, far over a 170,000 đ/t ceiling: %+v", perTonne)
	}
}

func TestOnePerProducer(t *testing.T) {
	ms := []Match{
		{ProductID: "a1", ProducerID: "a"}, {ProductID: "a2", ProducerID: "a"}, {ProductID: "b1", ProducerID: "b"},
		{ProductID: "c1", ProducerID: "c"},
	}
	got := OnePerProducer(ms, 2)
	if len(got) != 2 || got[0].ProductID != "a1" || got[1].ProductID != "b1" {
		t.Fatalf("got %+v", got)
	}
}

func TestNumberFormatting(t *testing.T) {
	cases := map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.891: "1,234,567.89", 1.5: "1.5"}
	for in, want := range cases {
		if got := number(in); got != want {
			t.Errorf("number(%v) = %q, want %q", in, got, want)
		}
	}
}
