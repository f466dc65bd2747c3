// Package domain holds the catalogue's producers and OCOP products and the rules
// they obey. It does no I/O.
package domain

import (
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// Producer is an OCOP subject: a cooperative, enterprise, household business,
// craft village or tourism site.
type Producer struct {
	ID             string
	Name           string
	Kind           string
	Province       string // current province (34-province map)
	LegacyProvince string // pre-2025 province, as on older labels
	LegacyDistrict string
	Commune        string
	Lat, Lon       float64
	Email          string
	// RegistrationCode is the tax or business registration code, the key
	// the provincial OCOP office files the producer under.
	RegistrationCode string
	Address          string
	Version          int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Product is an OCOP-rated product with its supply terms.
type Product struct {
	ID              string
	ProducerID      string
	Name            string
	Description     string
	Group           string
	Category        string
	OCOPStars       int
	OCOPYear        int
	OCOPCertifiedOn time.Time
	OCOPExpiresOn   time.Time
	// OCOPCertificateNumber and OCOPIssuedBy identify the rating decision.
	OCOPCertificateNumber string
	OCOPIssuedBy          string
	Certifications        []string
	// CertificationCodes holds each certification's code: a VietGAP
	// certificate number, a growing-area code, the registered name of a
	// geographical indication such as "Vải thiều Lục Ngạn".
	CertificationCodes map[string]string
	Unit               string
	PriceVND           int64
	MonthlyCapacity    float64
	MinOrder           float64
	SeasonalMonths     []int
	ShelfLifeDays      *int
	Tags               []string
	WithdrawnAt        *time.Time
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Withdrawn reports whether the producer took the product off the catalogue.
func (p Product) Withdrawn() bool { return p.WithdrawnAt != nil }

// RatingValidOn reports whether the product's OCOP rating is valid on day.
func (p Product) RatingValidOn(day time.Time) bool {
	return ocop.RatingValidOn(p.OCOPExpiresOn, day)
}

// Limits on free text, generous for real listings and small enough that no
// single product can bloat the index.
const (
	maxName        = 200
	maxDescription = 5000
	maxTags        = 30
	maxTag         = 60
	maxPriceVND    = 1_000_000_000_000
	maxQuantity    = 1_000_000_000
	maxShelfLife   = 3650
)

var registrationCode = regexp.MustCompile(`^[A-Z0-9-]*$`)

// NormaliseProducer stores the province under the 34-province map, keeping a
// pre-2025 name as the legacy province: "Bắc Giang" becomes Bắc Ninh with
// Bắc Giang kept, so older labels still match.
func NormaliseProducer(p *Producer) {
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.TrimSpace(p.Email)
	p.RegistrationCode = strings.ToUpper(strings.TrimSpace(p.RegistrationCode))
	p.Address = strings.TrimSpace(p.Address)
	current, ok := ocop.LookupProvince(p.Province)
	if !ok {
		return
	}
	if p.LegacyProvince == "" {
		p.LegacyProvince = current.Spelled
	}
	p.Province = current.Name
	if legacy, ok := ocop.LookupProvince(p.LegacyProvince); ok && legacy.Name == current.Name {
		p.LegacyProvince = legacy.Spelled
	}
}

// Validate checks every field and reports all that are wrong; an empty id
// is one the service will assign.
func (p Producer) Validate() error {
	var v errs.Validation
	if p.ID != "" {
		v.Check(ocop.ValidID(p.ID), "id", ocop.IDRule)
	}
	v.Check(p.Name != "" && utf8.RuneCountInString(p.Name) <= maxName, "name", "is required, at most %d characters", maxName)
	v.Check(slices.Contains(ocop.ProducerKinds, p.Kind), "kind", "must be one of %s", strings.Join(ocop.ProducerKinds, ", "))
	if prov, ok := ocop.LookupProvince(p.Province); !ok || prov.Name != p.Province {
		v.Add("province", "must be a province of the 34-province map (or a pre-2025 name such as Bắc Giang)")
	}
	if p.LegacyProvince != "" {
		if lp, ok := ocop.LookupProvince(p.LegacyProvince); !ok || lp.Name != p.Province {
			v.Add("legacy_province", "must be a pre-2025 province that is now part of %s", p.Province)
		}
	}
	v.Check(ocop.ValidCoordinates(p.Lat, p.Lon), "lat", "lat and lon must place the producer in Vietnam (lat 8–24, lon 102–110)")
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			v.Add("email", "must be an e-mail address such as htx@example.vn")
		}
	}
	v.Check(len(p.RegistrationCode) <= 32 && registrationCode.MatchString(p.RegistrationCode), "registration_code",
		"must be the tax or business registration code: letters, digits and '-', at most 32")
	v.Check(utf8.RuneCountInString(p.Address) <= maxName, "address", "must be at most %d characters", maxName)
	return v.Err()
}

// Normalise trims text, canonicalises the unit and sorts the set fields, and
// derives the rating's year and expiry from its certification date.
func (p *Product) Normalise() {
	p.Name = strings.TrimSpace(p.Name)
	p.Description = strings.TrimSpace(p.Description)
	if u, ok := ocop.NormaliseUnit(p.Unit); ok {
		p.Unit = u
	}
	p.Tags = cleanTags(p.Tags)
	p.OCOPCertificateNumber = strings.TrimSpace(p.OCOPCertificateNumber)
	p.OCOPIssuedBy = strings.TrimSpace(p.OCOPIssuedBy)
	codes := map[string]string{}
	for c, code := range p.CertificationCodes {
		if code = strings.TrimSpace(code); code != "" {
			codes[c] = code
			// A code names a certification held, even when the list forgot it.
			p.Certifications = append(p.Certifications, c)
		}
	}
	p.CertificationCodes = codes
	p.Certifications = sortedUnique(p.Certifications)
	p.SeasonalMonths = append([]int{}, p.SeasonalMonths...)
	slices.Sort(p.SeasonalMonths)
	p.SeasonalMonths = slices.Compact(p.SeasonalMonths)
	if !p.OCOPCertifiedOn.IsZero() {
		if p.OCOPYear == 0 {
			p.OCOPYear = p.OCOPCertifiedOn.Year()
		}
		if p.OCOPExpiresOn.IsZero() {
			p.OCOPExpiresOn = ocop.RatingExpiry(p.OCOPCertifiedOn)
		}
	}
}

// Validate checks every field and reports all that are wrong; an empty id
// is one the service will assign.
func (p Product) Validate() error {
	var v errs.Validation
	if p.ID != "" {
		v.Check(ocop.ValidID(p.ID), "id", ocop.IDRule)
	}
	v.Check(ocop.ValidID(p.ProducerID), "producer_id", "is required: the id of a registered producer")
	v.Check(p.Name != "" && utf8.RuneCountInString(p.Name) <= maxName, "name", "is required, at most %d characters", maxName)
	v.Check(utf8.RuneCountInString(p.Description) <= maxDescription, "description", "must be at most %d characters", maxDescription)
	switch {
	case !ocop.ValidGroup(p.Group):
		v.Add("group", "must be one of thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich")
	case !ocop.ValidCategory(p.Group, p.Category):
		v.Add("category", "must be a category of group %s: %s", p.Group, strings.Join(ocop.Categories[ocop.Group(p.Group)], ", "))
	}
	v.Check(p.OCOPStars >= ocop.MinStars && p.OCOPStars <= ocop.MaxStars, "ocop_stars", "must be 3, 4 or 5")
	if p.OCOPCertifiedOn.IsZero() {
		v.Add("ocop_certified_on", "is required (YYYY-MM-DD, the day the OCOP rating was issued)")
	} else {
		v.Check(p.OCOPYear == p.OCOPCertifiedOn.Year(), "ocop_year", "must be the year of ocop_certified_on (%d)", p.OCOPCertifiedOn.Year())
		want := ocop.RatingExpiry(p.OCOPCertifiedOn)
		v.Check(p.OCOPExpiresOn.Equal(want), "ocop_expires_on", "must be 36 months after ocop_certified_on (%s); leave it out to have it computed", want.Format(ocop.DateLayout))
	}
	for _, c := range p.Certifications {
		if !ocop.ValidCertification(c) {
			v.Add("certifications", "unknown certification %q: use %s", c, strings.Join(ocop.Certifications, ", "))
		}
	}
	v.Check(utf8.RuneCountInString(p.OCOPCertificateNumber) <= maxTag, "ocop_certificate_number", "must be at most %d characters", maxTag)
	v.Check(utf8.RuneCountInString(p.OCOPIssuedBy) <= maxName, "ocop_issued_by", "must be at most %d characters", maxName)
	for c, code := range p.CertificationCodes {
		if !ocop.ValidCertification(c) {
			v.Add("certification_codes", "unknown certification %q", c)
			break
		}
		if utf8.RuneCountInString(code) > maxName {
			v.Add("certification_codes", "the code of %s must be at most %d characters", c, maxName)
			break
		}
	}
	_, knownUnit := ocop.NormaliseUnit(p.Unit)
	v.Check(knownUnit, "unit", "must be one of %s", strings.Join(ocop.Units, ", "))
	v.Check(p.PriceVND > 0 && p.PriceVND <= maxPriceVND, "price_vnd", "must be a positive price in đồng per unit")
	v.Check(p.MonthlyCapacity > 0 && p.MonthlyCapacity <= maxQuantity, "monthly_capacity", "must be a positive quantity per month, in the product's unit")
	switch {
	case p.MinOrder <= 0 || p.MinOrder > maxQuantity:
		v.Add("min_order", "must be a positive quantity in the product's unit")
	case p.MonthlyCapacity > 0 && p.MinOrder > p.MonthlyCapacity:
		v.Add("min_order", "must not exceed monthly_capacity (%g)", p.MonthlyCapacity)
	}
	for _, m := range p.SeasonalMonths {
		if m < 1 || m > 12 {
			v.Add("seasonal_months", "months must be 1 to 12 (an empty list means all year)")
			break
		}
	}
	if p.ShelfLifeDays != nil {
		v.Check(*p.ShelfLifeDays > 0 && *p.ShelfLifeDays <= maxShelfLife, "shelf_life_days", "must be 1 to %d days, or null for non-perishables", maxShelfLife)
	}
	v.Check(len(p.Tags) <= maxTags, "tags", "at most %d tags", maxTags)
	for _, t := range p.Tags {
		if utf8.RuneCountInString(t) > maxTag {
			v.Add("tags", "each tag at most %d characters", maxTag)
			break
		}
	}
	return v.Err()
}

func cleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// sortedUnique returns a sorted set, never nil: the columns are NOT NULL.
func sortedUnique(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}

// SameProducer reports whether two states of a producer hold the same data,
// bookkeeping aside: an edit or import that changes nothing writes nothing.
func SameProducer(a, b Producer) bool {
	a.Version, a.CreatedAt, a.UpdatedAt = b.Version, b.CreatedAt, b.UpdatedAt
	return a == b
}

// SameProduct reports whether two states of a product hold the same data,
// bookkeeping aside.
func SameProduct(a, b Product) bool {
	return a.ID == b.ID && a.ProducerID == b.ProducerID && a.Name == b.Name && a.Description == b.Description &&
		a.Group == b.Group && a.Category == b.Category && a.OCOPStars == b.OCOPStars && a.OCOPYear == b.OCOPYear &&
		a.OCOPCertifiedOn.Equal(b.OCOPCertifiedOn) && a.OCOPExpiresOn.Equal(b.OCOPExpiresOn) &&
		a.OCOPCertificateNumber == b.OCOPCertificateNumber && a.OCOPIssuedBy == b.OCOPIssuedBy &&
		slices.Equal(a.Certifications, b.Certifications) && maps.Equal(a.CertificationCodes, b.CertificationCodes) &&
		a.Unit == b.Unit && a.PriceVND == b.PriceVND && a.MonthlyCapacity == b.MonthlyCapacity && a.MinOrder == b.MinOrder &&
		slices.Equal(a.SeasonalMonths, b.SeasonalMonths) && equalPtr(a.ShelfLifeDays, b.ShelfLifeDays) &&
		slices.Equal(a.Tags, b.Tags) && (a.WithdrawnAt == nil) == (b.WithdrawnAt == nil)
}

func equalPtr(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
