package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// QuoteStatus is where a quote stands with the buyer.
type QuoteStatus string

const (
	QuoteSubmitted   QuoteStatus = "submitted"
	QuoteShortlisted QuoteStatus = "shortlisted"
	QuoteAccepted    QuoteStatus = "accepted"
	QuoteRejected    QuoteStatus = "rejected"
)

// Quote is a producer's offer for a demand.
type Quote struct {
	ID           string
	DemandID     string
	ProducerID   string
	ProductID    string
	PriceVND     int64
	Quantity     float64
	Unit         string
	DeliveryDate *time.Time
	Message      string
	Status       QuoteStatus
	SubmittedAt  time.Time
	DecidedAt    *time.Time
}

const maxMessage = 2000

// Validate checks every field a producer sets.
func (q Quote) Validate() error {
	var v errs.Validation
	if q.ProductID != "" {
		v.Check(ocop.ValidID(q.ProductID), "product_id", ocop.IDRule)
	}
	v.Check(q.PriceVND > 0 && q.PriceVND <= maxPriceVND, "price_vnd", "must be a positive price in đồng per unit")
	v.Check(q.Quantity > 0 && q.Quantity <= maxQuantity, "quantity", "must be a positive quantity")
	_, knownUnit := ocop.NormaliseUnit(q.Unit)
	v.Check(knownUnit, "unit", "must be one of %s", strings.Join(ocop.Units, ", "))
	v.Check(utf8.RuneCountInString(q.Message) <= maxMessage, "message", "must be at most %d characters", maxMessage)
	return v.Err()
}

// Decide moves a quote to the buyer's decision, refusing a change of mind
// after acceptance or rejection.
func (q *Quote) Decide(to QuoteStatus, at time.Time) error {
	switch {
	case q.Status == to:
		return nil
	case q.Status == QuoteAccepted || q.Status == QuoteRejected:
		return errs.Errorf(errs.Conflict, "quote %s is already %s", q.ID, q.Status)
	case to == QuoteShortlisted || to == QuoteAccepted || to == QuoteRejected:
		q.Status = to
		q.DecidedAt = &at
		return nil
	}
	return errs.Errorf(errs.Invalid, "a quote cannot become %s", to)
}

// DealStages are the steps a deal goes through after the award, in order.
var DealStages = []string{"awarded", "contacted", "samples_sent", "contract_signed", "first_delivery", "repeat_order"}

// Deal follows an awarded demand: what the buyer and the producer agreed and
// how far it has come.
type Deal struct {
	ID         string
	DemandID   string
	QuoteID    string
	BuyerID    string
	ProducerID string
	ValueVND   int64
	AwardedAt  time.Time
	Stage      string // the furthest stage recorded
	StageAt    time.Time
	Stages     []DealStage
}

// DealStage is one step recorded by one side.
type DealStage struct {
	Stage      string
	RecordedBy string // buyer or producer
	Note       string
	RecordedAt time.Time
}

// ValidStage reports whether s is a stage either side may record.
func ValidStage(s string) bool { return s != "awarded" && slices.Contains(DealStages, s) }

// Further reports whether stage a comes after stage b.
func Further(a, b string) bool { return slices.Index(DealStages, a) > slices.Index(DealStages, b) }

// Buyer is a buyer organisation: a distributor, retailer, supermarket,
// tourism operator, hotel, restaurant or exporter.
type Buyer struct {
	ID        string
	Name      string
	Kind      string
	Province  string
	Lat, Lon  float64
	Address   string
	Email     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalise trims text and places the province on the 34-province map.
func (b *Buyer) Normalise() {
	b.Name, b.Address, b.Email = strings.TrimSpace(b.Name), strings.TrimSpace(b.Address), strings.TrimSpace(b.Email)
	if p, ok := ocop.LookupProvince(b.Province); ok {
		b.Province = p.Name
		if b.Lat == 0 && b.Lon == 0 {
			b.Lat, b.Lon = p.Lat, p.Lon
		}
	}
}

// Validate checks every field.
func (b Buyer) Validate() error {
	var v errs.Validation
	v.Check(ocop.ValidID(b.ID), "id", ocop.IDRule)
	v.Check(b.Name != "" && utf8.RuneCountInString(b.Name) <= maxTitle, "name", "is required, at most %d characters", maxTitle)
	v.Check(slices.Contains(ocop.BuyerKinds, b.Kind), "kind", "must be one of %s", strings.Join(ocop.BuyerKinds, ", "))
	if p, ok := ocop.LookupProvince(b.Province); !ok || p.Name != b.Province {
		v.Add("province", "must be a province of the 34-province map (or a pre-2025 name such as Bắc Giang)")
	}
	v.Check(ocop.ValidCoordinates(b.Lat, b.Lon), "lat", "lat and lon must place the buyer in Vietnam")
	v.Check(utf8.RuneCountInString(b.Address) <= maxTitle, "address", "must be at most %d characters", maxTitle)
	return v.Err()
}
