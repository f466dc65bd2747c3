package domain

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

func validFair() Fair {
	return Fair{Name: "Hội chợ OCOP Bắc Ninh", Venue: "Nhà thi đấu tỉnh", Province: "Bắc Giang", Lat: 21.27, Lon: 106.19,
		StartsOn: day("2026-12-10"), EndsOn: day("2026-12-14"), Groups: []string{"thuc_pham", "do_uong", "thuc_pham"}}
}

func fields(t *testing.T, err error) []string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestFairNormaliseAndValidate(t *testing.T) {
	f := validFair()
	f.Normalise()
	if f.Province != "Bắc Ninh" || !slices.Equal(f.Groups, []string{"do_uong", "thuc_pham"}) {
		t.Fatalf("normalised = %+v", f)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestFairRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Fair)
		field  string
	}{
		"no name":          {func(f *Fair) { f.Name = "" }, "name"},
		"no venue":         {func(f *Fair) { f.Venue = "" }, "venue"},
		"unknown province": {func(f *Fair) { f.Province = "Atlantis" }, "province"},
		"abroad":           {func(f *Fair) { f.Lat = 48 }, "lat"},
		"ends before":      {func(f *Fair) { f.EndsOn = day("2026-12-01") }, "ends_on"},
		"unknown group":    {func(f *Fair) { f.Groups = []string{"food"} }, "groups"},
		"bad id":           {func(f *Fair) { f.ID = "Fair 1" }, "id"},
		"no start":         {func(f *Fair) { f.StartsOn = time.Time{} }, "starts_on"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := validFair()
			tc.change(&f)
			f.Normalise()
			if got := fields(t, f.Validate()); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("fields = %v, want [%s]", got, tc.field)
			}
		})
	}
}

func TestBoothRules(t *testing.T) {
	ok := Booth{Code: " a-01 ", Type: "corner", PriceVND: 3_000_000, WidthM: 3, DepthM: 3}
	ok.Normalise()
	if ok.Code != "A-01" || ok.Validate() != nil {
		t.Fatalf("booth = %+v, %v", ok, ok.Validate())
	}
	bad := Booth{Code: "", Type: "tent", PriceVND: 0, WidthM: -1}
	if got := fields(t, bad.Validate()); !slices.Equal(got, []string{"code", "price_vnd", "type", "width_m"}) {
		t.Fatalf("fields = %v", got)
	}
}
