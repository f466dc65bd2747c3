// Package rank orders OCOP products for a buyer's demand and says why: hard
// constraints exclude, soft ones score, and every match carries reasons a
// buyer can read. The same function ranks for every search engine.
package rank

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/lexicon"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Demand is what ranking needs of a buyer's purchase demand.
type Demand struct {
	ID                     string
	BuyerID                string
	Title                  string
	Text                   string
	Group                  string
	Quantity               float64
	Unit                   string
	MaxPriceVND            *int64
	MinStars               int
	RequiredCertifications []string
	DeliveryProvince       string
	DeliveryLat            float64
	DeliveryLon            float64
	NeededBy               time.Time // zero when open-ended
}

// Weights say how much each signal counts in a match's score. They sum to 1,
// so a score reads as a share of a perfect match.
type Weights struct {
	Text           float64 // how well the product's words answer the buyer's
	Kind           float64 // whether its category is a kind the buyer's words name
	Capacity       float64 // monthly capacity against the quantity asked
	Price          float64 // price against the buyer's ceiling
	Distance       float64 // producer to delivery point
	Stars          float64 // OCOP rating
	Certifications float64 // certifications held beyond the required ones
	Responsiveness float64 // share of past matches the producer answered
}

// DefaultWeights are the weights the service and `ocop eval` use. What the
// product is (its words and its kind) dominates: the right product from a
// distant 3-star producer beats the wrong product next door. The rest
// separate the right products from each other.
var DefaultWeights = Weights{
	Text:           0.35,
	Kind:           0.25,
	Capacity:       0.12,
	Price:          0.10,
	Distance:       0.08,
	Stars:          0.04,
	Certifications: 0.03,
	Responsiveness: 0.03,
}

// Match is one ranked product with its score (0..1) and reasons.
type Match struct {
	Rank       int
	Score      float64
	ProductID  string
	ProducerID string
	Reasons    []string
	// Product is the hit's own document: a match is copied as it is
	// picked and sorted, and a document is most of its size.
	Product *search.Document
}

// Response is a producer's record of answering match notifications.
type Response struct {
	Notified int // match notifications old enough to have been answered
	Answered int // of those, answered with a quote
	// MedianHours is the median time from notification to quote.
	MedianHours float64
}

// minHistory is how many notifications a record needs before it counts: a
// producer told twice is not yet unresponsive.
const minHistory = 3

// score is how responsive the record shows the producer (0..1): the share
// answered, discounted when answers take days (a quote within a day keeps
// it all, one after a week half).
func (r Response) score() (float64, bool) {
	if r.Notified < minHistory {
		return 0, false
	}
	share := float64(r.Answered) / float64(r.Notified)
	speed := 1.0
	if r.Answered > 0 && r.MedianHours > 24 {
		speed = math.Max(0.5, 1-0.5*(r.MedianHours-24)/(7*24-24))
	}
	return share * speed, true
}

// Ranker ranks candidates for demands.
type Ranker struct {
	Weights Weights
	// History is the producers' answering records, by producer id.
	History map[string]Response
}

// Rank scores every eligible hit and returns them best first. on is the day
// ratings must be valid on (today in service, the data set's as_of in eval);
// in is what the demand's words ask for (see Read).
func (r Ranker) Rank(d Demand, in lexicon.Intent, hits []search.Hit, on time.Time) []Match {
	maxText := 0.0
	for _, h := range hits {
		maxText = math.Max(maxText, h.Score)
	}
	reachable := reachableQuantity(d, in, hits, on)
	matches := make([]Match, 0, len(hits))
	for i := range hits {
		h := &hits[i]
		if !Eligible(d, *h.Document, on) {
			continue
		}
		s := r.score(d, in, *h, maxText, reachable)
		matches = append(matches, Match{
			Score: s.total(r.Weights) * s.factor, ProductID: h.ID, ProducerID: h.ProducerID, Reasons: s.reasons, Product: h.Document,
		})
	}
	sort.SliceStable(matches, func(i, j int) bool {
		if matches[i].Score != matches[j].Score {
			return matches[i].Score > matches[j].Score
		}
		return matches[i].ProductID < matches[j].ProductID
	})
	for i := range matches {
		matches[i].Rank = i + 1
		matches[i].Score = math.Round(matches[i].Score*10000) / 10000
	}
	return matches
}

// Eligible applies the hard constraints the buyer set: the group, the minimum
// stars, every required certification, an OCOP rating valid on the day, and
// a season that allows delivery by the date needed.
func Eligible(d Demand, p search.Document, on time.Time) bool {
	if d.Group != "" && p.Group != d.Group {
		return false
	}
	if d.MinStars > 0 && p.Stars < d.MinStars {
		return false
	}
	for _, c := range d.RequiredCertifications {
		if !slices.Contains(p.Certifications, c) {
			return false
		}
	}
	expires, err := time.Parse(ocop.DateLayout, p.ExpiresOn)
	if err != nil || !ocop.RatingValidOn(expires, on) {
		return false
	}
	return deliverableBy(p.SeasonalMonths, p.ShelfLifeDays, on, d.NeededBy)
}

// deliverableBy reports whether a product in season in months can be
// delivered between on and neededBy (any month of the window will do). A
// perishable product must also still keep on the day needed: fresh lychee
// picked in June is no answer for a Christmas order, frozen lychee is.
func deliverableBy(months []int, shelfLifeDays *int, on, neededBy time.Time) bool {
	if len(months) == 0 || neededBy.IsZero() {
		return true
	}
	if neededBy.Before(on) {
		return ocop.InSeason(months, neededBy.Month())
	}
	from := on
	if shelfLifeDays != nil {
		if freshest := neededBy.AddDate(0, 0, -*shelfLifeDays); freshest.After(from) {
			from = freshest
		}
	}
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12 && !m.After(neededBy); i++ {
		if ocop.InSeason(months, m.Month()) {
			return true
		}
		m = m.AddDate(0, 1, 0)
	}
	return false
}

type signals struct {
	text, kind, capacity, price, distance, stars, certs, responsiveness float64
	// factor multiplies the total for constraints of the buyer's words.
	factor  float64
	reasons []string
}

func (s signals) total(w Weights) float64 {
	return w.Text*s.text + w.Kind*s.kind + w.Capacity*s.capacity + w.Price*s.price + w.Distance*s.distance +
		w.Stars*s.stars + w.Certifications*s.certs + w.Responsiveness*s.responsiveness
}

func (r Ranker) score(d Demand, in lexicon.Intent, h search.Hit, maxText, reachable float64) signals {
	p := *h.Document
	var s signals
	if maxText > 0 {
		s.text = math.Sqrt(h.Score / maxText)
	}

	s.factor = 1
	var kindReason string
	if s.kind, kindReason = kindFit(in, p); kindReason != "" {
		s.reasons = append(s.reasons, kindReason)
	}
	if s.kind == 0 {
		s.factor *= otherKind
	}
	wordsFactor, wordReasons := wordsFactor(in, p)
	s.factor *= wordsFactor
	s.reasons = append(s.reasons, wordReasons...)

	s.stars = float64(p.Stars-2) / 3
	s.reasons = append(s.reasons, starsReason(p.Stars))

	s.capacity, s.price = 0.5, 0.5
	if c, ok := capacityFit(d, p, reachable); ok {
		s.capacity = c.fit
		s.factor *= shortfall(c.share)
		s.reasons = append(s.reasons, c.reason)
		if c.minOrderReason != "" {
			s.factor *= shortfall(mildMiss)
			s.reasons = append(s.reasons, c.minOrderReason)
		}
	}
	if pf, ok := priceFit(d, p); ok {
		s.price = pf.fit
		s.factor *= shortfall(pf.share)
		s.reasons = append(s.reasons, pf.reason)
	}
	if _, counted := convert(1, p, d.Unit); !counted && bulkForUnits(d.Unit, p.Unit) {
		s.factor *= shortfall(mildMiss)
		s.reasons = append(s.reasons, "sold by "+p.Unit+", not by the "+d.Unit)
	}

	s.certs, s.reasons = certificationFit(d, p, s.reasons)

	if d.DeliveryLat != 0 || d.DeliveryLon != 0 {
		km := ocop.DistanceKm(p.Lat, p.Lon, d.DeliveryLat, d.DeliveryLon)
		s.distance = 1 / (1 + km/150)
		s.reasons = append(s.reasons, distanceReason(km, d.DeliveryProvince))
	}

	s.responsiveness = 0.5
	if h, ok := r.History[p.ProducerID]; ok {
		if score, ok := h.score(); ok {
			s.responsiveness = score
			s.reasons = append(s.reasons, responsivenessReason(h))
		}
	}
	return s
}

// bulkUnits sell a product loose, by weight or by the sack: a buyer counting
// in bottles, boxes or items wants it packed as such.
var bulkUnits = map[string]bool{"kg": true, "tạ": true, "tấn": true, "bao": true, "thùng": true, "lít": true}

// bulkForUnits reports a product sold in bulk to a buyer who counts items.
func bulkForUnits(demandUnit, productUnit string) bool {
	if demandUnit == "" || bulkUnits[demandUnit] || demandUnit == "khách" || demandUnit == "khách/đêm" {
		return false
	}
	return bulkUnits[productUnit]
}

// mildMiss is the share of a form field a product meets when it misses it
// mildly: 70% of the quantity, or a price about 15% over the ceiling.
const mildMiss = 0.7

// shortfall turns the share of a form field a product meets into a factor on
// the whole score: a product short of the quantity or over the price
// ceiling is a lesser answer however well its words match, more so the more
// it misses.
func shortfall(share float64) float64 {
	switch {
	case share >= 1:
		return 1
	case share >= mildMiss:
		return 0.85
	default:
		return 0.65
	}
}

type fit struct {
	fit float64
	// share is how much of the field the product meets: capacity over
	// quantity, or for price 1 within the ceiling falling to mildMiss at 15% over.
	share          float64
	reason         string
	minOrderReason string
}

// reachableQuantity is the most a single producer of a fitting kind can
// supply of the quantity asked: when nobody makes it all, the largest
// suitable producers are the best answers, not lesser ones.
func reachableQuantity(d Demand, in lexicon.Intent, hits []search.Hit, on time.Time) float64 {
	largest := 0.0
	for _, h := range hits {
		if fit, _ := kindFit(in, *h.Document); fit == 0 || !Eligible(d, *h.Document, on) {
			continue
		}
		if c, ok := convert(h.MonthlyCapacity, *h.Document, d.Unit); ok {
			largest = math.Max(largest, c)
		}
	}
	if largest == 0 {
		return d.Quantity
	}
	return math.Min(d.Quantity, largest)
}

// capacityFit compares monthly capacity with the quantity asked, in the same
// unit when the two units measure the same thing. Its share is measured
// against what one producer can reach (see reachableQuantity).
func capacityFit(d Demand, p search.Document, reachable float64) (fit, bool) {
	if d.Quantity <= 0 || p.MonthlyCapacity <= 0 {
		return fit{}, false
	}
	capacity, ok := convert(p.MonthlyCapacity, p, d.Unit)
	if !ok {
		return fit{}, false
	}
	var f fit
	if capacity >= d.Quantity {
		f.fit, f.share = 1, 1
		f.reason = "capacity " + quantity(p.MonthlyCapacity, p.Unit) + "/month ≥ " + quantity(d.Quantity, d.Unit) + " asked"
	} else {
		f.fit = capacity / d.Quantity
		f.share = capacity / reachable
		f.reason = "capacity " + quantity(p.MonthlyCapacity, p.Unit) + "/month, " + percent(f.fit) + " of " + quantity(d.Quantity, d.Unit) + " asked"
	}
	if minOrder, ok := convert(p.MinOrder, p, d.Unit); ok && minOrder > d.Quantity {
		f.fit *= 0.5
		f.minOrderReason = "minimum order " + quantity(p.MinOrder, p.Unit) + " is above the " + quantity(d.Quantity, d.Unit) + " asked"
	}
	return f, true
}

// priceFit compares the price with the buyer's ceiling, per the buyer's unit.
func priceFit(d Demand, p search.Document) (fit, bool) {
	if d.MaxPriceVND == nil || p.PriceVND <= 0 {
		return fit{}, false
	}
	perProductUnit, ok := convert(1, p, d.Unit)
	if !ok || perProductUnit <= 0 {
		return fit{}, false
	}
	price := float64(p.PriceVND) / perProductUnit
	ceiling := float64(*d.MaxPriceVND)
	if price <= ceiling {
		return fit{fit: 1, share: 1, reason: money(p.PriceVND) + "/" + p.Unit + " within the " + money(*d.MaxPriceVND) + "/" + d.Unit + " ceiling"}, true
	}
	over := price/ceiling - 1
	return fit{
		fit:    math.Max(0, 1-over/0.3),
		share:  1 - over*(1-mildMiss)/0.15,
		reason: money(p.PriceVND) + "/" + p.Unit + ", " + percent(over) + " over the " + money(*d.MaxPriceVND) + "/" + d.Unit + " ceiling",
	}, true
}

// certificationFit lists the certifications held, the required ones first,
// and scores the ones held beyond the required.
func certificationFit(d Demand, p search.Document, reasons []string) (float64, []string) {
	extra := 0
	for _, c := range d.RequiredCertifications {
		reasons = append(reasons, certLabel(c)+" (required)")
	}
	for _, c := range p.Certifications {
		if slices.Contains(d.RequiredCertifications, c) {
			continue
		}
		extra++
		reasons = append(reasons, certLabel(c))
	}
	return math.Min(1, float64(extra)/3), reasons
}

func certLabel(c string) string {
	if l, ok := ocop.CertificationLabels[c]; ok {
		return l
	}
	return c
}
