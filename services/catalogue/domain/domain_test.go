package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func validProduct() Product {
	shelf := 7
	return Product{
		ID: "p-0001", ProducerID: "prd-001", Name: "Vải thiều Lục Ngạn", Group: "thuc_pham", Category: "fresh_fruit",
		OCOPStars: 4, OCOPCertifiedOn: date("2024-03-03"), Certifications: []string{"GlobalGAP", "VietGAP", "GlobalGAP"},
		Unit: "kg", PriceVND: 48000, MonthlyCapacity: 250000, MinOrder: 500, SeasonalMonths: []int{7, 6},
		ShelfLifeDays: &shelf, Tags: []string{" vải thiều ", "vải thiều", ""},
	}
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a validation error, got %v", err)
	}
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Field
	}
	return names
}

func TestNormaliseDerivesRatingAndCleansSets(t *testing.T) {
	p := validProduct()
	p.Normalise()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if p.OCOPYear != 2024 || !p.OCOPExpiresOn.Equal(date("2027-03-03")) {
		t.Fatalf("rating = %d until %s", p.OCOPYear, p.OCOPExpiresOn)
	}
	if len(p.Certifications) != 2 || p.Certifications[0] != "GlobalGAP" {
		t.Fatalf("certifications = %v", p.Certifications)
	}
	if len(p.Tags) != 1 || p.Tags[0] != "vải thiều" {
		t.Fatalf("tags = %q", p.Tags)
	}
	if p.SeasonalMonths[0] != 6 {
		t.Fatalf("months = %v", p.SeasonalMonths)
	}
}

func TestProductValidationListsEveryBadField(t *testing.T) {
	p := validProduct()
	p.Group = "food"
	p.OCOPStars = 6
	p.PriceVND = 0
	p.MonthlyCapacity = -1
	p.Unit = "bushel"
	p.SeasonalMonths = []int{13}
	p.Certifications = []string{"FDA"}
	p.Name = ""
	p.Normalise()
	got := fieldsOf(t, p.Validate())
	want := []string{"certifications", "group", "monthly_capacity", "name", "ocop_stars", "price_vnd", "seasonal_months", "unit"}
	if len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fields = %v, want %v", got, want)
		}
	}
}

func TestProductRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Product)
		field  string
	}{
		"category of another group": {func(p *Product) { p.Category = "homestay" }, "category"},
		"expiry not 36 months":      {func(p *Product) { p.OCOPExpiresOn = date("2028-01-01") }, "ocop_expires_on"},
		"year not certified year":   {func(p *Product) { p.OCOPYear = 2020 }, "ocop_year"},
		"min order above capacity":  {func(p *Product) { p.MinOrder = 300000 }, "min_order"},
		"zero shelf life":           {func(p *Product) { z := 0; p.ShelfLifeDays = &z }, "shelf_life_days"},
		"bad id":                    {func(p *Product) { p.ID = "P 1" }, "id"},
		"no rating date":            {func(p *Product) { p.OCOPCertifiedOn = time.Time{} }, "ocop_certified_on"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := validProduct()
			tc.change(&p)
			p.Normalise()
			got := fieldsOf(t, p.Validate())
			if len(got) != 1 || got[0] != tc.field {
				t.Fatalf("fields = %v, want [%s]", got, tc.field)
			}
		})
	}
}

func TestRatingValidity(t *testing.T) {
	p := validProduct()
	p.Normalise()
	if !p.RatingValidOn(date("2027-03-02")) || p.RatingValidOn(date("2027-03-03")) {
		t.Fatal("a rating is valid on the days before its expiry date only")
	}
}

func TestNormaliseProducerMapsLegacyProvince(t *testing.T) {
	cases := []struct {
		province, legacy, wantProvince, wantLegacy string
	}{
		{"Bắc Giang", "", "Bắc Ninh", "Bắc Giang"},
		{"bac giang", "", "Bắc Ninh", "Bắc Giang"},
		{"Bắc Ninh", "Bắc Giang", "Bắc Ninh", "Bắc Giang"},
		{"Bắc Ninh", "", "Bắc Ninh", "Bắc Ninh"},
		{"Hải Dương", "", "Hải Phòng", "Hải Dương"},
	}
	for _, c := range cases {
		p := Producer{ID: "prd-1", Name: "HTX", Kind: "cooperative", Province: c.province, LegacyProvince: c.legacy, Lat: 21.3, Lon: 106.5}
		NormaliseProducer(&p)
		if p.Province != c.wantProvince || p.LegacyProvince != c.wantLegacy {
			t.Errorf("%q/%q → %q/%q", c.province, c.legacy, p.Province, p.LegacyProvince)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%q: %v", c.province, err)
		}
	}
}

func TestProducerValidation(t *testing.T) {
	p := Producer{ID: "prd-1", Name: "", Kind: "farm", Province: "Atlantis", Lat: 48.8, Lon: 2.3, Email: "not-an-email"}
	NormaliseProducer(&p)
	got := fieldsOf(t, p.Validate())
	want := []string{"email", "kind", "lat", "name", "province"}
	if len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	mismatch := Producer{ID: "prd-2", Name: "HTX", Kind: "cooperative", Province: "Bắc Ninh", LegacyProvince: "Hà Giang", Lat: 21.3, Lon: 106.5}
	NormaliseProducer(&mismatch)
	if got := fieldsOf(t, mismatch.Validate()); len(got) != 1 || got[0] != "legacy_province" {
		t.Fatalf("fields = %v", got)
	}
}
