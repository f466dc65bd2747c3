package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

func valid() Demand {
	price := int64(170000)
	return Demand{
		ID: "d-1", BuyerID: "buyer-1", BuyerKind: "supermarket", Title: "Vải thiều sấy khô", Group: "thuc_pham",
		Quantity: 1500, Unit: "kg", MaxPriceVND: &price, MinStars: 4, RequiredCertifications: []string{"HACCP"},
		DeliveryProvince: "Hà Nội",
	}
}

// fields returns the bad fields a validation error names, or nil for no error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func price(p int64) *int64 { return &p }

func TestDemandRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Demand)
		want   []string // the bad fields; none when the change is allowed
	}{
		"the valid demand":              {func(*Demand) {}, nil},
		"generated id to come":          {func(d *Demand) { d.ID = "" }, nil},
		"id with capitals and a space":  {func(d *Demand) { d.ID = "D 1" }, []string{"id"}},
		"id of 64 characters":           {func(d *Demand) { d.ID = strings.Repeat("d", 64) }, nil},
		"id of 65 characters":           {func(d *Demand) { d.ID = strings.Repeat("d", 65) }, []string{"id"}},
		"id with a dot":                 {func(d *Demand) { d.ID = "d.1" }, []string{"id"}},
		"every buyer kind":              {func(d *Demand) { d.BuyerKind = "tourism_operator" }, nil},
		"unknown buyer kind":            {func(d *Demand) { d.BuyerKind = "farmer" }, []string{"buyer_kind"}},
		"no buyer kind":                 {func(d *Demand) { d.BuyerKind = "" }, []string{"buyer_kind"}},
		"blank title":                   {func(d *Demand) { d.Title = " \t" }, []string{"title"}},
		"title of 200 runes":            {func(d *Demand) { d.Title = strings.Repeat("ấ", 200) }, nil},
		"title of 201 runes":            {func(d *Demand) { d.Title = strings.Repeat("ấ", 201) }, []string{"title"}},
		"no text":                       {func(d *Demand) { d.Text = "" }, nil},
		"text of 5000 runes":            {func(d *Demand) { d.Text = strings.Repeat("ệ", 5000) }, nil},
		"text of 5001 runes":            {func(d *Demand) { d.Text = strings.Repeat("ệ", 5001) }, []string{"text"}},
		"no group":                      {func(d *Demand) { d.Group = "" }, nil},
		"tourism group":                 {func(d *Demand) { d.Group = "du_lich" }, nil},
		"unknown group":                 {func(d *Demand) { d.Group = "food" }, []string{"group"}},
		"zero quantity":                 {func(d *Demand) { d.Quantity = 0 }, []string{"quantity"}},
		"negative quantity":             {func(d *Demand) { d.Quantity = -3 }, []string{"quantity"}},
		"fractional quantity":           {func(d *Demand) { d.Quantity = 0.5 }, nil},
		"absurd quantity":               {func(d *Demand) { d.Quantity = 2e9 }, []string{"quantity"}},
		"unit alias":                    {func(d *Demand) { d.Unit = "Tan" }, nil},
		"unknown unit":                  {func(d *Demand) { d.Unit = "bushel" }, []string{"unit"}},
		"no unit":                       {func(d *Demand) { d.Unit = "" }, []string{"unit"}},
		"no price ceiling":              {func(d *Demand) { d.MaxPriceVND = nil }, nil},
		"price ceiling of one đồng":     {func(d *Demand) { d.MaxPriceVND = price(1) }, nil},
		"zero price ceiling":            {func(d *Demand) { d.MaxPriceVND = price(0) }, []string{"max_price_vnd"}},
		"negative price ceiling":        {func(d *Demand) { d.MaxPriceVND = price(-1) }, []string{"max_price_vnd"}},
		"absurd price ceiling":          {func(d *Demand) { d.MaxPriceVND = price(2_000_000_000_000) }, []string{"max_price_vnd"}},
		"no minimum stars":              {func(d *Demand) { d.MinStars = 0 }, nil},
		"three stars":                   {func(d *Demand) { d.MinStars = 3 }, nil},
		"five stars":                    {func(d *Demand) { d.MinStars = 5 }, nil},
		"two stars":                     {func(d *Demand) { d.MinStars = 2 }, []string{"min_stars"}},
		"six stars":                     {func(d *Demand) { d.MinStars = 6 }, []string{"min_stars"}},
		"no certifications":             {func(d *Demand) { d.RequiredCertifications = nil }, nil},
		"every known certification":     {func(d *Demand) { d.RequiredCertifications = ocop.Certifications }, nil},
		"one unknown certification":     {func(d *Demand) { d.RequiredCertifications = []string{"HACCP", "FDA"} }, []string{"required_certifications"}},
		"certification in another case": {func(d *Demand) { d.RequiredCertifications = []string{"haccp"} }, []string{"required_certifications"}},
		"pre-2025 province":             {func(d *Demand) { d.DeliveryProvince = "Bắc Giang" }, nil},
		"province without diacritics":   {func(d *Demand) { d.DeliveryProvince = "ha noi" }, nil},
		"unknown province":              {func(d *Demand) { d.DeliveryProvince = "Atlantis" }, []string{"delivery_province"}},
		"unknown province with a point": {func(d *Demand) { d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon = "Atlantis", 21, 105.8 }, []string{"delivery_province"}},
		"unknown province and a point abroad": {func(d *Demand) { d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon = "Atlantis", 48.85, 2.35 },
			[]string{"delivery_lat", "delivery_province"}},
		"point in Vietnam":           {func(d *Demand) { d.DeliveryLat, d.DeliveryLon = 21.3558, 106.5262 }, nil},
		"point abroad":               {func(d *Demand) { d.DeliveryLat, d.DeliveryLon = 48.85, 2.35 }, []string{"delivery_lat"}},
		"latitude out of range":      {func(d *Demand) { d.DeliveryLat, d.DeliveryLon = 25, 105 }, []string{"delivery_lat"}},
		"longitude out of range":     {func(d *Demand) { d.DeliveryLat, d.DeliveryLon = 21, 101.9 }, []string{"delivery_lat"}},
		"latitude without longitude": {func(d *Demand) { d.DeliveryLat = 21 }, []string{"delivery_lat"}},
		"many problems at once": {func(d *Demand) {
			d.ID, d.BuyerKind, d.Title, d.Group, d.Quantity, d.Unit = "?", "farmer", "", "food", -1, "bushel"
			d.MaxPriceVND, d.MinStars, d.RequiredCertifications, d.DeliveryProvince = price(0), 9, []string{"FDA"}, "Atlantis"
		}, []string{"buyer_kind", "delivery_province", "group", "id", "max_price_vnd", "min_stars", "quantity", "required_certifications", "title", "unit"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			d := valid()
			tc.change(&d)
			d.Normalise()
			if got := fields(t, d.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("bad fields = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNormalisePlacesTheDemand(t *testing.T) {
	d := valid()
	d.Title, d.Text = "  Vải thiều sấy  ", "\nCần vải sấy.\n"
	d.DeliveryProvince = "Bắc Giang"
	d.Unit = "Tan"
	d.RequiredCertifications = []string{"VietGAP", "HACCP", "VietGAP"}
	d.Normalise()
	bacNinh, _ := ocop.LookupProvince("Bắc Ninh")
	if d.DeliveryProvince != "Bắc Ninh" || d.DeliveryLat != bacNinh.Lat || d.DeliveryLon != bacNinh.Lon {
		t.Errorf("delivery = %s (%v, %v), want Bắc Ninh at its centre", d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon)
	}
	if d.Unit != "tấn" {
		t.Errorf("unit = %q, want tấn", d.Unit)
	}
	if d.Title != "Vải thiều sấy" || d.Text != "Cần vải sấy." {
		t.Errorf("text not trimmed: %q, %q", d.Title, d.Text)
	}
	if !slices.Equal(d.RequiredCertifications, []string{"HACCP", "VietGAP"}) {
		t.Errorf("certifications = %v, want a sorted set", d.RequiredCertifications)
	}
}

func TestNormaliseKeepsTheBuyersPoint(t *testing.T) {
	d := valid()
	d.DeliveryProvince, d.DeliveryLat, d.DeliveryLon = "Bắc Giang", 21.3558, 106.5262
	d.Normalise()
	if d.DeliveryLat != 21.3558 || d.DeliveryLon != 106.5262 {
		t.Fatalf("point = %v, %v; the buyer's point was replaced", d.DeliveryLat, d.DeliveryLon)
	}
}

func TestNormaliseLeavesUnknownsForValidate(t *testing.T) {
	d := valid()
	d.DeliveryProvince, d.Unit = "Atlantis", "bushel"
	d.Normalise()
	if d.DeliveryProvince != "Atlantis" || d.Unit != "bushel" || d.DeliveryLat != 0 {
		t.Fatalf("normalised = %+v; unknown values must stay as given", d)
	}
}

func TestNormaliseDoesNotShareTheCallersSlice(t *testing.T) {
	certs := []string{"VietGAP", "HACCP"}
	d := valid()
	d.RequiredCertifications = certs
	d.Normalise()
	if !slices.Equal(certs, []string{"VietGAP", "HACCP"}) {
		t.Fatalf("the caller's slice was sorted in place: %v", certs)
	}
}

func TestEditableStatuses(t *testing.T) {
	for _, s := range Statuses {
		want := s == StatusDraft || s == StatusOpen
		if s.Editable() != want {
			t.Errorf("%s editable = %v, want %v", s, s.Editable(), want)
		}
	}
}

func TestQuoteRules(t *testing.T) {
	validQuote := func() Quote {
		return Quote{ProductID: "p-0001", PriceVND: 160000, Quantity: 1500, Unit: "kg", Message: "Giao xe lạnh"}
	}
	cases := map[string]struct {
		change func(*Quote)
		want   []string
	}{
		"the valid quote":       {func(*Quote) {}, nil},
		"no product":            {func(q *Quote) { q.ProductID = "" }, nil},
		"bad product id":        {func(q *Quote) { q.ProductID = "P 1" }, []string{"product_id"}},
		"zero price":            {func(q *Quote) { q.PriceVND = 0 }, []string{"price_vnd"}},
		"absurd price":          {func(q *Quote) { q.PriceVND = 2_000_000_000_000 }, []string{"price_vnd"}},
		"zero quantity":         {func(q *Quote) { q.Quantity = 0 }, []string{"quantity"}},
		"absurd quantity":       {func(q *Quote) { q.Quantity = 2e9 }, []string{"quantity"}},
		"unknown unit":          {func(q *Quote) { q.Unit = "bushel" }, []string{"unit"}},
		"message of 2000 runes": {func(q *Quote) { q.Message = strings.Repeat("ơ", 2000) }, nil},
		"message of 2001 runes": {func(q *Quote) { q.Message = strings.Repeat("ơ", 2001) }, []string{"message"}},
		"many problems at once": {func(q *Quote) { q.PriceVND, q.Quantity, q.Unit = -1, -1, "" }, []string{"price_vnd", "quantity", "unit"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			q := validQuote()
			tc.change(&q)
			if got := fields(t, q.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("bad fields = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQuoteDecisions(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		from, to QuoteStatus
		want     errs.Code // "" when allowed
	}{
		{QuoteSubmitted, QuoteShortlisted, ""},
		{QuoteSubmitted, QuoteAccepted, ""},
		{QuoteSubmitted, QuoteRejected, ""},
		{QuoteShortlisted, QuoteAccepted, ""},
		{QuoteShortlisted, QuoteRejected, ""},
		{QuoteAccepted, QuoteAccepted, ""},
		{QuoteAccepted, QuoteRejected, errs.Conflict},
		{QuoteRejected, QuoteAccepted, errs.Conflict},
		{QuoteRejected, QuoteShortlisted, errs.Conflict},
		{QuoteSubmitted, QuoteSubmitted, ""},
		{QuoteShortlisted, QuoteSubmitted, errs.Invalid},
	}
	for _, tc := range cases {
		t.Run(string(tc.from)+"→"+string(tc.to), func(t *testing.T) {
			q := Quote{ID: "q-1", Status: tc.from}
			err := q.Decide(tc.to, at)
			if got := errs.CodeOf(err); got != tc.want {
				t.Fatalf("code = %q, want %q (%v)", got, tc.want, err)
			}
			switch {
			case tc.want != "" && q.Status != tc.from:
				t.Fatalf("a refused decision changed the status to %s", q.Status)
			case tc.want == "" && q.Status != tc.to:
				t.Fatalf("status = %s, want %s", q.Status, tc.to)
			case tc.want == "" && tc.from != tc.to && (q.DecidedAt == nil || !q.DecidedAt.Equal(at)):
				t.Fatalf("decided_at = %v, want %v", q.DecidedAt, at)
			}
		})
	}
}

func TestDealStages(t *testing.T) {
	if ValidStage("awarded") {
		t.Error("awarded is recorded by the award itself, never by a side")
	}
	for _, s := range DealStages[1:] {
		if !ValidStage(s) {
			t.Errorf("%s must be a stage a side may record", s)
		}
	}
	if ValidStage("married") {
		t.Error("an unknown stage is valid")
	}
	if !Further("contract_signed", "contacted") || Further("contacted", "contract_signed") || Further("contacted", "contacted") {
		t.Error("Further does not follow the order of DealStages")
	}
}

func TestBuyerRules(t *testing.T) {
	validBuyer := func() Buyer {
		return Buyer{ID: "winmart-hn", Name: "Siêu thị WinMart Hà Nội", Kind: "supermarket", Province: "Hà Nội", Address: "Long Biên"}
	}
	cases := map[string]struct {
		change func(*Buyer)
		want   []string
	}{
		"the valid buyer":      {func(*Buyer) {}, nil},
		"pre-2025 province":    {func(b *Buyer) { b.Province = "Hải Dương" }, nil},
		"no id":                {func(b *Buyer) { b.ID = "" }, []string{"id"}},
		"bad id":               {func(b *Buyer) { b.ID = "WinMart" }, []string{"id"}},
		"blank name":           {func(b *Buyer) { b.Name = "  " }, []string{"name"}},
		"name of 201 runes":    {func(b *Buyer) { b.Name = strings.Repeat("ư", 201) }, []string{"name"}},
		"unknown kind":         {func(b *Buyer) { b.Kind = "farmer" }, []string{"kind"}},
		"unknown province":     {func(b *Buyer) { b.Province = "Atlantis" }, []string{"lat", "province"}},
		"point abroad":         {func(b *Buyer) { b.Lat, b.Lon = 48.85, 2.35 }, []string{"lat"}},
		"address of 201 runes": {func(b *Buyer) { b.Address = strings.Repeat("ư", 201) }, []string{"address"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := validBuyer()
			tc.change(&b)
			b.Normalise()
			if got := fields(t, b.Validate()); !slices.Equal(got, tc.want) {
				t.Fatalf("bad fields = %v, want %v", got, tc.want)
			}
		})
	}
}
