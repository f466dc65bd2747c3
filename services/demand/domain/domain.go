// Package domain holds buyers' purchase demands and the rules they obey. It
// does no I/O.
package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// Status is where a demand is in its life: draft → open → awarded, closed
// or expired.
type Status string

const (
	// StatusDraft is a demand its buyer is still writing; no one sees it.
	StatusDraft Status = "draft"
	// StatusOpen is a posted demand producers can answer.
	StatusOpen Status = "open"
	// StatusAwarded is a demand whose buyer accepted a quote.
	StatusAwarded Status = "awarded"
	// StatusClosed is a demand its buyer withdrew.
	StatusClosed Status = "closed"
	// StatusExpired is an open demand past the date it was needed by.
	StatusExpired Status = "expired"
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusOpen, StatusAwarded, StatusClosed, StatusExpired}

// Editable reports whether the buyer may still change the demand.
func (s Status) Editable() bool { return s == StatusDraft || s == StatusOpen }

// Demand is a buyer's purchase demand: what, how much, by when, where, and
// the conditions a supplier must meet.
type Demand struct {
	ID                     string
	BuyerID                string
	BuyerKind              string
	Title                  string
	Text                   string
	Group                  string // empty: the buyer chose no group
	Quantity               float64
	Unit                   string
	MaxPriceVND            *int64
	MinStars               int // 0: no minimum
	RequiredCertifications []string
	DeliveryProvince       string
	DeliveryLat            float64
	DeliveryLon            float64
	NeededBy               *time.Time
	// Public demands take quotes from any producer, not only matched ones.
	Public       bool
	Status       Status
	ClosedReason string
	Version      int64
	// PostedAt is when the demand was opened: a draft's is when it was
	// written until it is published.
	PostedAt  time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GroupRule and StarsRule say what group and min_stars accept; the zero
// values mean "none", so the API, which sees an explicit "" or 0, refuses
// them with the same words.
const (
	GroupRule = "must be null or one of thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich"
	StarsRule = "must be null, 3, 4 or 5"
)

const (
	maxTitle    = 200
	maxText     = 5000
	maxQuantity = 1_000_000_000
	maxPriceVND = 1_000_000_000_000
)

// Normalise trims text, canonicalises the unit and certifications, places
// the delivery province on the 34-province map and, when the buyer gave no
// coordinates, delivers to the province's centre.
func (d *Demand) Normalise() {
	d.Title = strings.TrimSpace(d.Title)
	d.Text = strings.TrimSpace(d.Text)
	if u, ok := ocop.NormaliseUnit(d.Unit); ok {
		d.Unit = u
	}
	d.RequiredCertifications = append([]string{}, d.RequiredCertifications...)
	slices.Sort(d.RequiredCertifications)
	d.RequiredCertifications = slices.Compact(d.RequiredCertifications)
	if p, ok := ocop.LookupProvince(d.DeliveryProvince); ok {
		d.DeliveryProvince = p.Name
		if d.DeliveryLat == 0 && d.DeliveryLon == 0 {
			d.DeliveryLat, d.DeliveryLon = p.Lat, p.Lon
		}
	}
}

// CheckDeliveryPoint records a delivery point outside Vietnam.
func CheckDeliveryPoint(v *errs.Validation, lat, lon float64) {
	v.Check(ocop.ValidCoordinates(lat, lon), "delivery_lat", "delivery_lat and delivery_lon must place the delivery point in Vietnam (lat 8–24, lon 102–110)")
}

// Validate checks every field a buyer sets and reports all that are wrong;
// an empty id is one the service will assign.
func (d Demand) Validate() error {
	var v errs.Validation
	if d.ID != "" {
		v.Check(ocop.ValidID(d.ID), "id", ocop.IDRule)
	}
	v.Check(slices.Contains(ocop.BuyerKinds, d.BuyerKind), "buyer_kind", "must be one of %s", strings.Join(ocop.BuyerKinds, ", "))
	v.Check(d.Title != "" && utf8.RuneCountInString(d.Title) <= maxTitle, "title", "is required, at most %d characters", maxTitle)
	v.Check(utf8.RuneCountInString(d.Text) <= maxText, "text", "must be at most %d characters", maxText)
	v.Check(d.Group == "" || ocop.ValidGroup(d.Group), "group", GroupRule)
	v.Check(d.Quantity > 0 && d.Quantity <= maxQuantity, "quantity", "must be a positive quantity in the demand's unit")
	_, knownUnit := ocop.NormaliseUnit(d.Unit)
	v.Check(knownUnit, "unit", "must be one of %s", strings.Join(ocop.Units, ", "))
	if d.MaxPriceVND != nil {
		v.Check(*d.MaxPriceVND > 0 && *d.MaxPriceVND <= maxPriceVND, "max_price_vnd", "must be a positive price in đồng per unit, or null")
	}
	v.Check(d.MinStars == 0 || (d.MinStars >= ocop.MinStars && d.MinStars <= ocop.MaxStars), "min_stars", StarsRule)
	for _, c := range d.RequiredCertifications {
		if !ocop.ValidCertification(c) {
			v.Add("required_certifications", "unknown certification %q: use %s", c, strings.Join(ocop.Certifications, ", "))
			break
		}
	}
	province, ok := ocop.LookupProvince(d.DeliveryProvince)
	knownProvince := ok && province.Name == d.DeliveryProvince
	v.Check(knownProvince, "delivery_province", "must be a province of the 34-province map (or a pre-2025 name such as Bắc Giang)")
	// Without a point of its own a demand delivers to its province's centre;
	// an unknown province has none, and its own error says all there is.
	if knownProvince || d.DeliveryLat != 0 || d.DeliveryLon != 0 {
		CheckDeliveryPoint(&v, d.DeliveryLat, d.DeliveryLon)
	}
	return v.Err()
}
