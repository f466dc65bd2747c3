// Package domain holds trade fairs, their booths and booth bookings, and the
// rules they obey. It does no I/O.
package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// FairStatus is where a fair is in its life.
type FairStatus string

// FairPublished is a fair announced to producers and buyers.
const FairPublished FairStatus = "published"

// Fair is a trade fair or exhibition ("hội chợ, triển lãm") run by an organiser.
type Fair struct {
	ID          string
	OrganiserID string
	Name        string
	Description string
	Venue       string
	Province    string
	Lat, Lon    float64
	StartsOn    time.Time
	EndsOn      time.Time
	Groups      []string // OCOP groups featured; empty: all
	Status      FairStatus
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// BoothTypes are the kinds of stand a hall offers.
var BoothTypes = []string{"standard", "corner", "pavilion", "outdoor"}

// Booth is a stand in a fair.
type Booth struct {
	ID       string
	FairID   string
	Code     string // as painted on the floor, e.g. "A-01"; unique in the fair
	Type     string
	PriceVND int64
	WidthM   float64
	DepthM   float64
	// Booking is the confirmed booking holding the booth, if any.
	Booking   *Booking
	CreatedAt time.Time
}

// Booking is a producer holding a booth.
type Booking struct {
	ID         string
	FairID     string
	BoothID    string
	BoothCode  string
	ProducerID string
	BookedAt   time.Time
}

const (
	maxName        = 200
	maxDescription = 5000
	maxCode        = 20
	maxBoothSide   = 200
	maxPriceVND    = 1_000_000_000_000
)

// Normalise trims text, places the province on the 34-province map and sorts
// the groups.
func (f *Fair) Normalise() {
	f.Name = strings.TrimSpace(f.Name)
	f.Venue = strings.TrimSpace(f.Venue)
	f.Description = strings.TrimSpace(f.Description)
	if p, ok := ocop.LookupProvince(f.Province); ok {
		f.Province = p.Name
	}
	f.Groups = append([]string{}, f.Groups...)
	slices.Sort(f.Groups)
	f.Groups = slices.Compact(f.Groups)
}

// Validate checks every field and reports all that are wrong; an empty id is
// one the service will assign.
func (f Fair) Validate() error {
	var v errs.Validation
	if f.ID != "" {
		v.Check(ocop.ValidID(f.ID), "id", ocop.IDRule)
	}
	v.Check(f.Name != "" && utf8.RuneCountInString(f.Name) <= maxName, "name", "is required, at most %d characters", maxName)
	v.Check(f.Venue != "" && utf8.RuneCountInString(f.Venue) <= maxName, "venue", "is required, at most %d characters", maxName)
	v.Check(utf8.RuneCountInString(f.Description) <= maxDescription, "description", "must be at most %d characters", maxDescription)
	if p, ok := ocop.LookupProvince(f.Province); !ok || p.Name != f.Province {
		v.Add("province", "must be a province of the 34-province map (or a pre-2025 name such as Bắc Giang)")
	}
	v.Check(ocop.ValidCoordinates(f.Lat, f.Lon), "lat", "lat and lon must place the venue in Vietnam (lat 8–24, lon 102–110)")
	v.Check(!f.StartsOn.IsZero(), "starts_on", "is required (YYYY-MM-DD)")
	v.Check(!f.EndsOn.IsZero(), "ends_on", "is required (YYYY-MM-DD)")
	if !f.StartsOn.IsZero() && !f.EndsOn.IsZero() {
		v.Check(!f.EndsOn.Before(f.StartsOn), "ends_on", "must not be before starts_on")
	}
	for _, g := range f.Groups {
		if !ocop.ValidGroup(g) {
			v.Add("groups", "unknown group %q: use thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich", g)
			break
		}
	}
	return v.Err()
}

// Normalise trims the booth's code.
func (b *Booth) Normalise() { b.Code = strings.ToUpper(strings.TrimSpace(b.Code)) }

// Validate checks every field and reports all that are wrong.
func (b Booth) Validate() error {
	var v errs.Validation
	v.Check(b.Code != "" && utf8.RuneCountInString(b.Code) <= maxCode, "code", "is required, at most %d characters (e.g. A-01)", maxCode)
	v.Check(slices.Contains(BoothTypes, b.Type), "type", "must be one of %s", strings.Join(BoothTypes, ", "))
	v.Check(b.PriceVND > 0 && b.PriceVND <= maxPriceVND, "price_vnd", "must be a positive price in đồng")
	v.Check(b.WidthM >= 0 && b.WidthM <= maxBoothSide, "width_m", "must be 0 (not given) to %d metres", maxBoothSide)
	v.Check(b.DepthM >= 0 && b.DepthM <= maxBoothSide, "depth_m", "must be 0 (not given) to %d metres", maxBoothSide)
	return v.Err()
}
