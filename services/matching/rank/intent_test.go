package rank

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocopvn/ocop/services/matching/search"
)

func rankIDs(d Demand, hits []search.Hit) []string {
	var out []string
	for _, m := range (Ranker{Weights: DefaultWeights}).Rank(d, Read(d), hits, on) {
		out = append(out, m.ProductID)
	}
	return out
}

func hit(id string, score float64, change func(*search.Document)) search.Hit {
	return search.Hit{Document: new(product(id, change)), Score: score}
}

func TestRadiusAroundATownDemotesFartherProducers(t *testing.T) {
	d := baseDemand()
	d.Title, d.Text = "Gà ta", "chỉ lấy từ trại trong bán kính 30 km tính từ Chũ"
	poultry := func(lat, lon float64) func(*search.Document) {
		return func(p *search.Document) { p.Category, p.Lat, p.Lon = "poultry", lat, lon }
	}
	hits := []search.Hit{
		hit("far", 10, poultry(21.52, 106.15)),   // Yên Thế, about 45 km away
		hit("near", 8, poultry(21.318, 106.387)), // Lục Nam, about 19 km away
	}
	got := (Ranker{Weights: DefaultWeights}).Rank(d, Read(d), hits, on)
	if got[0].ProductID != "near" {
		t.Fatalf("order = %v, want the producer inside the radius first", rankIDs(d, hits))
	}
	if !slices.ContainsFunc(got[0].Reasons, func(r string) bool { return strings.HasPrefix(r, "within 30 km of Chũ") }) {
		t.Errorf("reasons %q do not say it is within the radius", got[0].Reasons)
	}
}

func TestNamedOriginFirst(t *testing.T) {
	d := baseDemand()
	d.Title, d.Text, d.DeliveryProvince = "Vải thiều sấy", "hàng sản xuất ở Hưng Yên sau sáp nhập, kể cả Thái Bình cũ", "Hà Nội"
	hits := []search.Hit{
		hit("elsewhere", 10, func(p *search.Document) { p.Province, p.LegacyProvince = "Bắc Ninh", "Bắc Giang" }),
		hit("thai-binh", 8, func(p *search.Document) { p.Province, p.LegacyProvince = "Hưng Yên", "Thái Bình" }),
	}
	if got := rankIDs(d, hits); got[0] != "thai-binh" {
		t.Fatalf("order = %v, want the product from the named province (former Thái Bình is in Hưng Yên now)", got)
	}
}

func TestExclusionsAndShelfLife(t *testing.T) {
	d := baseDemand()
	d.Title, d.Text = "Vải thiều sấy", "không nhận hàng đông lạnh; phải để được từ 6 tháng"
	days := func(n int) *int { return &n }
	hits := []search.Hit{
		hit("frozen", 10, func(p *search.Document) { p.Name = "Vải thiều sấy đông lạnh" }),
		hit("short", 10, func(p *search.Document) { p.Name = "Vải sấy dẻo"; p.ShelfLifeDays = days(60) }),
		hit("fits", 8, func(p *search.Document) { p.Name = "Vải thiều sấy khô"; p.ShelfLifeDays = days(365) }),
	}
	if got := rankIDs(d, hits); got[0] != "fits" {
		t.Fatalf("order = %v, want the product neither ruled out nor too short-lived first", got)
	}
}

func TestKindNamedInWordsBeatsOtherKinds(t *testing.T) {
	d := baseDemand()
	d.Group, d.MinStars, d.RequiredCertifications = "", 0, nil
	d.Title, d.Text = "Minibar", "a green tea in single-serve bags"
	hits := []search.Hit{
		hit("juice", 10, func(p *search.Document) { p.Category = "juice_syrup" }),
		hit("tea", 6, func(p *search.Document) { p.Category = "tea" }),
	}
	if got := rankIDs(d, hits); got[0] != "tea" {
		t.Fatalf("order = %v, want the kind the buyer named", got)
	}
}

func TestWhenNobodyMakesItAllTheLargestAreBest(t *testing.T) {
	d := baseDemand()
	d.Quantity = 100000
	hits := []search.Hit{
		hit("small", 10, func(p *search.Document) { p.MonthlyCapacity = 5000 }),
		hit("largest", 10, func(p *search.Document) { p.MonthlyCapacity = 60000 }),
	}
	got := (Ranker{Weights: DefaultWeights}).Rank(d, Read(d), hits, on)
	if got[0].ProductID != "largest" || got[0].Score < 1.3*got[1].Score {
		t.Fatalf("got %v %v/%v, want the largest well ahead", got[0].ProductID, got[0].Score, got[1].Score)
	}
}

func TestResponsivenessCountsShareAndSpeed(t *testing.T) {
	cases := []struct {
		r    Response
		want float64
		ok   bool
	}{
		{Response{Notified: 2, Answered: 2}, 0, false},
		{Response{Notified: 10, Answered: 8, MedianHours: 5}, 0.8, true},
		{Response{Notified: 10, Answered: 8, MedianHours: 7 * 24}, 0.4, true},
		{Response{Notified: 10}, 0, true},
	}
	for _, c := range cases {
		if got, ok := c.r.score(); ok != c.ok || (ok && (got < c.want-0.001 || got > c.want+0.001)) {
			t.Errorf("%+v: score = %v %v, want %v %v", c.r, got, ok, c.want, c.ok)
		}
	}
	d := baseDemand()
	r := Ranker{Weights: DefaultWeights, History: map[string]Response{"prd-slow": {Notified: 10, Answered: 1, MedianHours: 200}}}
	hits := []search.Hit{hit("slow", 10, nil), hit("new", 10, nil)}
	got := r.Rank(d, Read(d), hits, on)
	if got[0].ProductID != "new" || !slices.Contains(got[1].Reasons, "answered 10% of past matches, usually within 9 days") {
		t.Fatalf("got %v / %q", got[0].ProductID, got[1].Reasons)
	}
}

func match(producer, kind string, score float64) Match {
	return Match{ProductID: "p-" + producer, ProducerID: producer, Score: score, Product: &search.Document{ProducerKind: kind}}
}

func TestPickRotatesNearEqualProducersAndKeepsSmallOnes(t *testing.T) {
	ms := []Match{
		match("big-1", "enterprise", 0.90), match("big-2", "enterprise", 0.89), match("coop", "cooperative", 0.88),
		match("far-behind", "household", 0.70),
	}
	got := Pick(ms, 2, nil)
	if got[0].ProducerID != "coop" || got[1].ProducerID != "big-1" {
		t.Fatalf("picked %v, want the cooperative within the margin kept in", got)
	}
	got = Pick(ms, 2, map[string]int{"coop": 5, "big-1": 5})
	if got[0].ProducerID != "big-2" {
		t.Fatalf("picked %v, want the producer told least lately first", got)
	}
	got = Pick(ms, 4, map[string]int{"coop": 5, "big-1": 5, "big-2": 5})
	if got[3].ProducerID != "far-behind" {
		t.Fatalf("picked %v: a producer outside the margin never jumps ahead", got)
	}
	two := Pick([]Match{match("a", "household", 0.9), {ProductID: "a2", ProducerID: "a", Score: 0.89}}, 5, nil)
	if len(two) != 1 {
		t.Fatalf("one slot per producer: %v", two)
	}
}

func TestCombineProposesClosestThenBestRated(t *testing.T) {
	d := baseDemand()
	d.Quantity, d.Unit = 300, "tấn"
	member := func(producer string, tonnes float64, stars int, lat float64, score float64) Match {
		return Match{ProducerID: producer, ProductID: "p-" + producer, Score: score, Product: &search.Document{
			MonthlyCapacity: tonnes * 1000, Unit: "kg", Stars: stars, Lat: lat, Lon: d.DeliveryLon}}
	}
	ms := []Match{
		member("far", 200, 5, d.DeliveryLat+2, 0.9),
		member("near-3", 150, 3, d.DeliveryLat+0.3, 0.8),
		member("near-4", 100, 4, d.DeliveryLat+0.3, 0.8),
		member("poor", 250, 4, d.DeliveryLat, 0.3),
	}
	group, ok := Combine(d, ms)
	if !ok {
		t.Fatal("no combined supply proposed")
	}
	var ids []string
	for _, m := range group.Members {
		ids = append(ids, m.ProducerID)
	}
	if !slices.Equal(ids, []string{"near-4", "near-3", "far"}) || group.Capacity != 450 {
		t.Fatalf("members %v capacity %v", ids, group.Capacity)
	}
	ms = append(ms, member("big", 400, 3, d.DeliveryLat, 0.85))
	if _, ok := Combine(d, ms); ok {
		t.Fatal("a producer making it all needs no group")
	}
}

func TestPackSizesInNamesMakeUnitsCompare(t *testing.T) {
	d := baseDemand()
	d.Quantity, d.Unit, d.MaxPriceVND = 3000, "gói", ptr(int64(45000))
	carton := product("carton", func(p *search.Document) {
		p.Name, p.Unit, p.MonthlyCapacity, p.PriceVND = "Bánh đa Kế thùng 50 gói", "thùng", 600, 1900000
	})
	c, ok := capacityFit(d, carton, d.Quantity)
	if !ok || c.fit != 1 {
		t.Fatalf("600 cartons of 50 packs cover 3,000 packs: %+v %v", c, ok)
	}
	pf, ok := priceFit(d, carton)
	if !ok || pf.fit != 1 {
		t.Fatalf("1.9 million a carton of 50 is 38,000 a pack, within 45,000: %+v %v", pf, ok)
	}
	d.Unit, d.Quantity = "kg", 20000
	box := product("box", func(p *search.Document) {
		p.Name, p.Unit, p.MonthlyCapacity = "Vải thiều hộp 2 kg", "hộp", 50000
	})
	if c, ok := capacityFit(d, box, d.Quantity); !ok || c.fit != 1 {
		t.Fatalf("50,000 boxes of 2 kg are 100 t: %+v %v", c, ok)
	}
	loose := product("loose", func(p *search.Document) { p.Unit = "kg" })
	if !bulkForUnits("sản phẩm", loose.Unit) || bulkForUnits("kg", loose.Unit) {
		t.Fatal("a buyer counting items is sold loose tea by the kilogram; one counting kilograms is not")
	}
}

func TestPeopleNamedFirst(t *testing.T) {
	d := baseDemand()
	d.Group, d.MinStars, d.RequiredCertifications, d.MaxPriceVND = "", 0, nil, nil
	d.Title, d.Text, d.Unit, d.Quantity = "Lưu trú bản Thái", "cho đoàn 50 học sinh", "khách", 50
	stay := func(desc string) func(*search.Document) {
		return func(p *search.Document) {
			p.Group, p.Category, p.Unit, p.Description, p.MonthlyCapacity = "du_lich", "homestay", "khách/đêm", desc, 2000
		}
	}
	hits := []search.Hit{
		hit("dao", 10, stay("Nhà truyền thống của người Dao, sức chứa 40 khách.")),
		hit("thai", 8, stay("Cụm nhà sàn người Thái bản Lác, sức chứa 80 khách.")),
	}
	got := (Ranker{Weights: DefaultWeights}).Rank(d, Read(d), hits, on)
	if got[0].ProductID != "thai" || !slices.Contains(got[0].Reasons, "of the Thái people, as asked") {
		t.Fatalf("got %v %q", got[0].ProductID, got[0].Reasons)
	}
}
