package domain

import (
	"errors"
	"slices"
	"testing"

	"github.com/ocopvn/ocop/pkg/errs"
)

func valid() Demand {
	price := int64(170000)
	return Demand{
		ID: "d-1", BuyerID: "buyer-1", BuyerKind: "supermarket", Title: "Vải thiều sấy khô", Group: "thuc_pham",
		Quantity: 1500, Unit: "kg", MaxPriceVND: &price, MinStars: 4, RequiredCertifications: []string{"HACCP"},
		DeliveryProvince: "Hà Nội",
	}
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

func TestNormaliseFillsDeliveryPointAndMapsProvince(t *testing.T) {
	d := valid()
	d.DeliveryProvince = "Bắc Giang"
	d.Unit = "Tan"
	d.RequiredCertifications = []string{"VietGAP", "HACCP", "VietGAP"}
	d.Normalise()
	if d.DeliveryProvince != "Bắc Ninh" || d.DeliveryLat == 0 || d.Unit != "tấn" {
		t.Fatalf("normalised = %+v", d)
	}
	if !slices.Equal(d.RequiredCertifications, []string{"HACCP", "VietGAP"}) {
		t.Fatalf("certifications = %v", d.RequiredCertifications)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Demand)
		field  string
	}{
		"unknown buyer kind":  {func(d *Demand) { d.BuyerKind = "farmer" }, "buyer_kind"},
		"no title":            {func(d *Demand) { d.Title = " " }, "title"},
		"unknown group":       {func(d *Demand) { d.Group = "food" }, "group"},
		"zero quantity":       {func(d *Demand) { d.Quantity = 0 }, "quantity"},
		"unknown unit":        {func(d *Demand) { d.Unit = "bushel" }, "unit"},
		"negative price":      {func(d *Demand) { p := int64(-1); d.MaxPriceVND = &p }, "max_price_vnd"},
		"six stars":           {func(d *Demand) { d.MinStars = 6 }, "min_stars"},
		"unknown certificate": {func(d *Demand) { d.RequiredCertifications = []string{"FDA"} }, "required_certifications"},
		"unknown province":    {func(d *Demand) { d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon = "Atlantis", 21, 105.8 }, "delivery_province"},
		"point abroad":        {func(d *Demand) { d.DeliveryLat, d.DeliveryLon = 48.85, 2.35 }, "delivery_lat"},
		"bad id":              {func(d *Demand) { d.ID = "D 1" }, "id"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := valid()
			tc.change(&d)
			d.Normalise()
			if got := fields(t, d.Validate()); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("fields = %v, want [%s]", got, tc.field)
			}
		})
	}
}

func TestOptionalFieldsMayBeAbsent(t *testing.T) {
	d := valid()
	d.Group, d.MaxPriceVND, d.MinStars, d.RequiredCertifications, d.Text = "", nil, 0, nil, ""
	d.Normalise()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
}
