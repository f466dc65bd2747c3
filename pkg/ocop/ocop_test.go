package ocop

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Vải thiều sấy":      "vai thieu say",
		"Gà đồi Yên Thế":     "ga doi yen the",
		"MỲ CHŨ":             "my chu",
		"Chè Tân Cương":      "che tan cuong",
		"already plain text": "already plain text",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRatingExpiry(t *testing.T) {
	cases := []struct{ certified, expires string }{
		{"2024-03-03", "2027-03-03"},
		{"2023-01-31", "2026-01-28"},
		{"2024-02-29", "2027-02-28"},
		{"2022-12-30", "2025-12-28"},
	}
	for _, c := range cases {
		d, _ := time.Parse(DateLayout, c.certified)
		if got := RatingExpiry(d).Format(DateLayout); got != c.expires {
			t.Errorf("RatingExpiry(%s) = %s, want %s", c.certified, got, c.expires)
		}
	}
	exp, _ := time.Parse(DateLayout, "2026-05-01")
	if RatingValidOn(exp, exp) {
		t.Error("a rating is not valid on its expiry day")
	}
	if !RatingValidOn(exp, exp.AddDate(0, 0, -1)) {
		t.Error("a rating is valid the day before it expires")
	}
}

func TestConvert(t *testing.T) {
	cases := []struct {
		q        float64
		from, to string
		want     float64
		ok       bool
	}{
		{300, "tấn", "kg", 300000, true},
		{2, "tạ", "kg", 200, true},
		{1500, "kg", "tấn", 1.5, true},
		{20, "khách", "khách/đêm", 20, true},
		{5, "tan", "kg", 5000, true},
		{10, "hộp", "kg", 0, false},
	}
	for _, c := range cases {
		got, ok := Convert(c.q, c.from, c.to)
		if ok != c.ok || got != c.want {
			t.Errorf("Convert(%v %s → %s) = %v, %v; want %v, %v", c.q, c.from, c.to, got, ok, c.want, c.ok)
		}
	}
}

func TestLookupProvince(t *testing.T) {
	cases := []struct {
		name, current string
		legacy        bool
	}{
		{"Bắc Giang", "Bắc Ninh", true},
		{"bac giang", "Bắc Ninh", true},
		{"Tỉnh Hải Dương", "Hải Phòng", true},
		{"Hà Nội", "Hà Nội", false},
		{"TP HCM", "TP. Hồ Chí Minh", false},
		{"Thừa Thiên Huế", "Huế", true},
		{"Hoà Bình", "Phú Thọ", true},
	}
	for _, c := range cases {
		m, ok := LookupProvince(c.name)
		if !ok || m.Name != c.current || m.Legacy != c.legacy {
			t.Errorf("LookupProvince(%q) = %q legacy=%v ok=%v", c.name, m.Name, m.Legacy, ok)
		}
	}
	if m, _ := LookupProvince("bac giang"); m.Spelled != "Bắc Giang" {
		t.Errorf("spelled = %q", m.Spelled)
	}
	if _, ok := LookupProvince("Atlantis"); ok {
		t.Error("unknown province found")
	}
	if len(Provinces) != 34 {
		t.Errorf("%d provinces, want 34", len(Provinces))
	}
	legacy := 0
	for _, p := range Provinces {
		legacy += len(p.Legacy)
	}
	if legacy != 63 {
		t.Errorf("%d legacy provinces, want 63", legacy)
	}
}

func TestDistanceKm(t *testing.T) {
	// Hà Nội to Bắc Giang city is about 50 km.
	d := DistanceKm(21.0285, 105.8542, 21.2731, 106.1946)
	if d < 40 || d > 50 {
		t.Fatalf("distance = %.1f km", d)
	}
}

func TestCategoriesAndGroups(t *testing.T) {
	if !ValidGroup("thuc_pham") || ValidGroup("food") {
		t.Fatal("ValidGroup")
	}
	if !ValidCategory("du_lich", "homestay") || ValidCategory("thuc_pham", "homestay") {
		t.Fatal("ValidCategory")
	}
	if u, ok := NormaliseUnit("Tan"); !ok || u != "tấn" {
		t.Fatalf("NormaliseUnit = %q %v", u, ok)
	}
}

func TestTodayIsVietnamDate(t *testing.T) {
	// 20:00 UTC on 30 April is already 1 May in Vietnam.
	now := time.Date(2026, 4, 30, 20, 0, 0, 0, time.UTC)
	if got := Today(now).Format(DateLayout); got != "2026-05-01" {
		t.Fatalf("Today = %s", got)
	}
}

// foldByDecomposing is Fold as first written: decompose, drop the marks,
// lowercase. The table Fold looks letters up in must agree with it.
func foldByDecomposing(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func TestFoldAgreesWithDecomposingEveryLetter(t *testing.T) {
	for r := rune(0); r < 0x3100; r++ {
		if got, want := Fold(string(r)+"ạ"), foldByDecomposing(string(r)+"ạ"); got != want {
			t.Fatalf("Fold(%U) = %q, want %q", r, got, want)
		}
	}
}

func FuzzFoldAgreesWithDecomposing(f *testing.F) {
	for _, s := range []string{"Vải thiều Lục Ngạn", "ĐẶC SẢN", "a\u0301", "Ǆ", "한국", "", "\xf1Ņ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// After a byte that is not UTF-8, norm.NFD leaves the next letter
		// whole ("\xf1Ņ" keeps its cedilla); Fold reads such a byte as
		// U+FFFD, as ranging over the string does, and folds on.
		if !utf8.ValidString(s) {
			if got, want := Fold(s), Fold(string([]rune(s))); got != want {
				t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
			}
			return
		}
		if got, want := Fold(s), foldByDecomposing(s); got != want {
			t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
		}
	})
}
