package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// Hall is an exhibition hall laid out as a grid of cells.
type Hall struct {
	ID     string
	FairID string
	Name   string
	Width  int // cells
	Height int
}

// Validate checks every field.
func (h Hall) Validate() error {
	var v errs.Validation
	v.Check(strings.TrimSpace(h.Name) != "" && utf8.RuneCountInString(h.Name) <= maxName, "name", "is required, at most %d characters", maxName)
	v.Check(h.Width >= 1 && h.Width <= maxHallCells, "width", "must be 1 to %d grid cells", maxHallCells)
	v.Check(h.Height >= 1 && h.Height <= maxHallCells, "height", "must be 1 to %d grid cells", maxHallCells)
	return v.Err()
}

// BoothTypes are the kinds of stand a hall offers.
var BoothTypes = []string{"standard", "corner", "pavilion", "outdoor"}

// BoothType is a fair's price and eligibility rules for one kind of stand.
type BoothType struct {
	FairID   string
	Type     string
	PriceVND int64
	// MinStars, when above zero, admits only producers showing products
	// rated at least that.
	MinStars int
	// Groups, when set, admits only products of these OCOP groups.
	Groups []string
}

// Validate checks every field.
func (t BoothType) Validate() error {
	var v errs.Validation
	v.Check(slices.Contains(BoothTypes, t.Type), "type", "must be one of %s", strings.Join(BoothTypes, ", "))
	v.Check(t.PriceVND > 0 && t.PriceVND <= maxPriceVND, "price_vnd", "must be a positive price in đồng")
	v.Check(t.MinStars == 0 || (t.MinStars >= ocop.MinStars && t.MinStars <= ocop.MaxStars), "min_stars", "must be 3, 4 or 5, or 0 for any")
	for _, g := range t.Groups {
		if !ocop.ValidGroup(g) {
			v.Add("groups", "unknown group %q", g)
			break
		}
	}
	return v.Err()
}

// Admits reports whether a producer showing these products may take a booth
// of this type: every product must meet the rules. It returns why not.
func (t BoothType) Admits(products []Product, day time.Time) (bool, string) {
	for _, p := range products {
		if t.MinStars > 0 && p.Stars < t.MinStars {
			return false, p.Name + " is rated " + strconv.Itoa(p.Stars) + "★; " + t.Type + " booths take " + strconv.Itoa(t.MinStars) + "★ and above"
		}
		if len(t.Groups) > 0 && !slices.Contains(t.Groups, p.Group) {
			return false, p.Name + " is not of the groups " + strings.Join(t.Groups, ", ") + " that " + t.Type + " booths take"
		}
		if !ocop.RatingValidOn(p.ExpiresOn, day) {
			return false, p.Name + "'s OCOP rating has lapsed"
		}
	}
	return true, ""
}

// Booth is a stand in a hall.
type Booth struct {
	ID       string
	FairID   string
	HallID   string // empty: not placed on a floor plan
	Code     string // as painted on the floor, e.g. "A-01"; unique in the fair
	Type     string
	PriceVND int64
	// X, Y, W and H place the booth on its hall's grid.
	X, Y, W, H int
	// WidthM and DepthM are the stand's size in metres, what an exhibitor
	// pays for ("gian 3×3 m"); nil when the organiser has not given it.
	WidthM, DepthM *float64
	// Booking is the confirmed booking holding the booth, if any.
	Booking   *Booking
	CreatedAt time.Time
}

// Normalise trims the booth's code.
func (b *Booth) Normalise() { b.Code = strings.ToUpper(strings.TrimSpace(b.Code)) }

// Validate checks every field.
func (b Booth) Validate() error {
	var v errs.Validation
	v.Check(b.Code != "" && utf8.RuneCountInString(b.Code) <= maxCode, "code", "is required, at most %d characters (e.g. A-01)", maxCode)
	v.Check(slices.Contains(BoothTypes, b.Type), "type", "must be one of %s", strings.Join(BoothTypes, ", "))
	v.Check(b.PriceVND >= 0 && b.PriceVND <= maxPriceVND, "price_vnd", "must be a price in đồng, or 0 for the booth type's price")
	v.Check(b.WidthM == nil || (*b.WidthM > 0 && *b.WidthM <= maxBoothMetres), "width_m", "must be more than 0 and at most %d metres, or left out", maxBoothMetres)
	v.Check(b.DepthM == nil || (*b.DepthM > 0 && *b.DepthM <= maxBoothMetres), "depth_m", "must be more than 0 and at most %d metres, or left out", maxBoothMetres)
	if b.HallID != "" {
		v.Check(b.X >= 0 && b.Y >= 0, "x", "x and y must be 0 or more")
		v.Check(b.W >= 1 && b.H >= 1 && b.W <= maxBoothSide && b.H <= maxBoothSide, "w", "w and h must be 1 or more grid cells")
	}
	return v.Err()
}

// Fits reports whether the booth lies inside its hall.
func (b Booth) Fits(h Hall) bool { return b.X+b.W <= h.Width && b.Y+b.H <= h.Height }

// Overlaps reports whether two booths of one hall share a cell.
func (b Booth) Overlaps(o Booth) bool {
	return b.HallID == o.HallID && b.X < o.X+o.W && o.X < b.X+b.W && b.Y < o.Y+o.H && o.Y < b.Y+b.H
}

// Booking is a producer holding a booth.
type Booking struct {
	ID            string
	FairID        string
	BoothID       string
	BoothCode     string
	ProducerID    string
	ApplicationID string
	BookedAt      time.Time
}

// Product is what the fairs service knows of a catalogue product, kept from
// catalogue events: enough to check a booth's rules and list exhibitors.
type Product struct {
	ID           string
	ProducerID   string
	ProducerName string
	Name         string
	Group        string
	Category     string
	Stars        int
	ExpiresOn    time.Time
	Withdrawn    bool
	Version      int64
}
