package lexicon

import (
	"slices"
	"testing"
)

func read(title, text string) Intent {
	return Default.Read(Demand{Title: title, Text: text, Unit: "kg", DeliveryProvince: "Hà Nội", DeliveryLat: 21.0285, DeliveryLon: 105.8542})
}

func TestKindsWithAndWithoutDiacritics(t *testing.T) {
	for _, text := range []string{"vải thiều sấy khô", "vai thieu say kho", "dried lychee"} {
		in := read(text, "")
		if in.Categories["dried_fruit"] != 1 {
			t.Errorf("%q: categories = %v, want dried_fruit first", text, in.Categories)
		}
	}
}

func TestDiacriticsTypedMustBeTheTermsOwn(t *testing.T) {
	if in := read("cám gạo", ""); in.Categories["fresh_fruit"] != 0 {
		t.Errorf("cám (bran) read as cam (orange): %v", in.Categories)
	}
	if in := read("cam sành", ""); in.Categories["fresh_fruit"] != 1 {
		t.Errorf("cam sành: %v", in.Categories)
	}
	if in := read("cam kết giao đúng hạn", ""); len(in.Categories) != 0 {
		t.Errorf("cam kết (a promise) names no product: %v", in.Categories)
	}
}

func TestEnglishFindsVietnameseWords(t *testing.T) {
	in := read("Dried lychee and green tea for export", "")
	for _, want := range []string{"vải thiều", "chè xanh", "trà xanh"} {
		if !slices.Contains(in.Terms, want) {
			t.Errorf("terms %v lack %q", in.Terms, want)
		}
	}
}

func TestSynonymsAreSearchedToo(t *testing.T) {
	cases := map[string]string{"mì Chũ": "mỳ", "chè Thái Nguyên": "trà", "nếp cái hoa vàng": "gạo nếp"}
	for text, want := range cases {
		if in := read(text, ""); !slices.Contains(in.Terms, want) {
			t.Errorf("%q: terms %v lack %q", text, in.Terms, want)
		}
	}
}

func TestRadiusAroundANamedPlace(t *testing.T) {
	cases := []struct{ text, place string }{
		{"chỉ lấy gà trong bán kính 30 km tính từ Chũ", "Chũ"},
		{"only farms within 30 km of Chu", "Chũ"},
		{"trong vòng 30km từ Chũ", "Chũ"},
	}
	for _, c := range cases {
		in := read("gà ta", c.text)
		if in.Radius == nil || in.Radius.Km != 30 || in.Radius.Place.Name != c.place {
			t.Errorf("%q: radius = %+v", c.text, in.Radius)
		}
	}
	in := read("gà ta", "nhà hàng ở Sa Pa chỉ dùng nguyên liệu trong bán kính 80 km")
	if in.Radius == nil || in.Radius.Place.Name != "Sa Pa" {
		t.Errorf("a radius with no place after it is around the place named before: %+v", in.Radius)
	}
	in = read("gà ta", "giao trong vòng 50 km")
	if in.Radius == nil || in.Radius.Place.Name != "Hà Nội" {
		t.Errorf("a radius with no place at all is around the delivery point: %+v", in.Radius)
	}
	if in := read("gà ta", "chu yeu la ga song"); in.Radius != nil || len(in.Origins) != 0 {
		t.Errorf("a lowercase chu is not Chũ: %+v", in)
	}
}

func TestOriginsCurrentAndLegacyProvinces(t *testing.T) {
	in := read("Gà đồi Yên Thế", "sản phẩm của vùng Bắc Giang cũ, giao Hà Nội")
	var names []string
	for _, o := range in.Origins {
		names = append(names, o.Name+"/"+o.Province)
	}
	if !slices.Equal(names, []string{"Yên Thế/Bắc Ninh", "Bắc Giang/Bắc Ninh"}) {
		t.Errorf("origins = %v", names)
	}
	if in.Text != "gà đồi\nsản phẩm của vùng cũ\ngiao" {
		t.Errorf("places stay out of the words searched: %q", in.Text)
	}
	in = Default.Read(Demand{Title: "vải tươi", Text: "nhà máy của chúng tôi ở Hải Dương cũ", DeliveryProvince: "Hải Phòng"})
	if len(in.Origins) != 0 {
		t.Errorf("where the buyer is, in the delivery province, is not an origin: %v", in.Origins)
	}
}

func TestExclusions(t *testing.T) {
	in := read("Gà đồi làm sạch", "không lấy hàng đông lạnh")
	if !slices.Contains(in.ExcludedCategories, "frozen_fruit") || !slices.Contains(in.Excluded, "đông lạnh") {
		t.Errorf("not frozen: %+v", in)
	}
	in = read("Trà thảo dược", "Không nhận loại trà có pha đường hoặc phối cỏ ngọt.")
	if slices.Contains(in.Excluded, "trà") || !slices.Contains(in.Excluded, "cỏ ngọt") {
		t.Errorf("sweetened tea is ruled out, not tea: %v", in.Excluded)
	}
	in = read("Homestay", "no stilt houses, please")
	if !slices.Contains(in.Excluded, "nhà sàn") {
		t.Errorf("English exclusions are read in Vietnamese too: %v", in.Excluded)
	}
}

func TestShelfLifeAndUnits(t *testing.T) {
	if in := read("Đặc sản", "thực phẩm phải để được từ 3 tháng trở lên"); in.MinShelfLifeDays != 90 {
		t.Errorf("shelf life = %d", in.MinShelfLifeDays)
	}
	if in := read("Minibar", "every item must keep at least 6 months"); in.MinShelfLifeDays != 180 {
		t.Errorf("shelf life = %d", in.MinShelfLifeDays)
	}
	if in := Default.Read(Demand{Title: "Tham quan", Unit: "khách"}); in.Group != "du_lich" {
		t.Errorf("a demand in guests is tourism: %+v", in)
	}
	if in := Default.Read(Demand{Title: "Quà Tết", Unit: "hộp"}); in.NotGroup != "du_lich" {
		t.Errorf("a demand in boxes is not tourism: %+v", in)
	}
}

func TestNumbersAndPlacesDoNotBreakWords(t *testing.T) {
	in := read("Gà", "giá dưới 130.000đ/kg, xe không quá 1,5 giờ")
	if in.Radius != nil {
		t.Errorf("no radius here: %+v", in.Radius)
	}
	if in := read("Quà Tết", "vung Bac Giang cu (nay thuoc Bac Ninh)"); in.Categories["herbal_medicine"] != 0 {
		t.Errorf("thuoc Bac Ninh is not thuốc bắc: %v", in.Categories)
	}
}

func TestPeoplesAndGroupsNamed(t *testing.T) {
	in := read("Lưu trú bản Thái", "đoàn học sinh trải nghiệm văn hóa dân tộc Thái, ngủ nhà người Dao cũng được")
	if !slices.Equal(in.Peoples, []string{"Thái", "Dao"}) {
		t.Errorf("peoples = %v", in.Peoples)
	}
	if in := read("Chè Thái Nguyên", "thịt thái lát"); len(in.Peoples) != 0 {
		t.Errorf("a province or a word is not a people: %v", in.Peoples)
	}
	if in := read("Hmong village homestay", ""); !slices.Equal(in.Peoples, []string{"Mông"}) {
		t.Errorf("English: %v", in.Peoples)
	}
	in = read("Đặc sản", "thực phẩm đóng gói sẵn, đồ thủ công cũng nhận")
	if !slices.Equal(in.Groups, []string{"thuc_pham", "thu_cong_my_nghe"}) {
		t.Errorf("groups = %v", in.Groups)
	}
}
