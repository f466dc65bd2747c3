// Package ocop is the shared vocabulary of the OCOP programme ("One Commune One
// Product"): product groups and categories of Decision 148/QĐ-TTg (2023),
// certifications, units, kinds of producers and buyers, and the rules of a
// rating's validity.
package ocop

import (
	"slices"
	"time"
)

// Group is one of the six OCOP product groups.
type Group string

const (
	GroupFood        Group = "thuc_pham"
	GroupDrinks      Group = "do_uong"
	GroupHerbal      Group = "duoc_lieu"
	GroupHandicrafts Group = "thu_cong_my_nghe"
	GroupOrnamental  Group = "sinh_vat_canh"
	GroupTourism     Group = "du_lich"
)

// Categories lists each group's sub-categories.
var Categories = map[Group][]string{
	GroupFood: {"fresh_fruit", "dried_fruit", "frozen_fruit", "canned_fruit", "noodles", "rice", "cakes_snacks",
		"poultry", "eggs", "processed_meat", "seafood", "honey", "mushrooms", "condiments", "spices", "nuts_seeds",
		"cooking_oil", "vegetables", "tea", "coffee", "green_coffee"},
	GroupDrinks:      {"rice_wine", "fruit_wine", "medicinal_wine", "juice_syrup"},
	GroupHerbal:      {"herbal_medicine", "herbal_tea", "essential_oil", "herbal_cosmetics"},
	GroupHandicrafts: {"pottery", "bamboo_rattan", "wood_furniture", "wood_handicraft", "folk_painting", "bronze", "sedge_products", "brocade", "silk", "hemp_linen", "garments"},
	GroupOrnamental:  {"flowers", "ornamental_trees", "ornamental_animals"},
	GroupTourism:     {"homestay", "community_tour", "craft_village_tour", "farm_tour", "tourist_site"},
}

// Groups lists the six groups in the order of the decision.
var Groups = []Group{GroupFood, GroupDrinks, GroupHerbal, GroupHandicrafts, GroupOrnamental, GroupTourism}

// GroupNames are the groups' Vietnamese names, for people.
var GroupNames = map[Group]string{
	GroupFood:        "Thực phẩm",
	GroupDrinks:      "Đồ uống",
	GroupHerbal:      "Dược liệu và sản phẩm từ dược liệu",
	GroupHandicrafts: "Thủ công mỹ nghệ",
	GroupOrnamental:  "Sinh vật cảnh",
	GroupTourism:     "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}

// ValidGroup reports whether g is one of the six groups.
func ValidGroup(g string) bool { return slices.Contains(Groups, Group(g)) }

// ValidCategory reports whether category belongs to group.
func ValidCategory(group, category string) bool {
	return slices.Contains(Categories[Group(group)], category)
}

// Certifications a product can hold beyond its OCOP rating.
var Certifications = []string{
	"VietGAP", "GlobalGAP", "organic_vn", "organic_eu", "HACCP", "ISO22000",
	"growing_area_code", "traceability_qr", "geographical_indication", "collective_mark",
}

// CertificationLabels are the names buyers read in match reasons.
var CertificationLabels = map[string]string{
	"VietGAP":                 "VietGAP",
	"GlobalGAP":               "GlobalGAP",
	"organic_vn":              "organic (TCVN)",
	"organic_eu":              "organic (EU)",
	"HACCP":                   "HACCP",
	"ISO22000":                "ISO 22000",
	"growing_area_code":       "growing-area code",
	"traceability_qr":         "traceability QR",
	"geographical_indication": "geographical indication",
	"collective_mark":         "collective mark",
}

// ValidCertification reports whether c is a known certification code.
func ValidCertification(c string) bool { return slices.Contains(Certifications, c) }

// ProducerKinds are the kinds of OCOP subjects.
var ProducerKinds = []string{"cooperative", "enterprise", "household", "craft_village", "tourism_site"}

// BuyerKinds are the kinds of buyer organisations.
var BuyerKinds = []string{"distributor", "retailer", "supermarket", "tourism_operator", "exporter", "restaurant", "hotel"}

// MinStars and MaxStars bound an OCOP rating.
const (
	MinStars = 3
	MaxStars = 5
)

// RatingMonths is how long an OCOP rating is valid.
const RatingMonths = 36

// DateLayout is the ISO date layout used in every API field holding a date.
const DateLayout = "2006-01-02"

// RatingExpiry returns the day a rating issued on certified lapses: 36 months
// later, and for ratings issued on the 29th to 31st, the 28th of that month.
func RatingExpiry(certified time.Time) time.Time {
	y, m, d := certified.Date()
	if d > 28 {
		d = 28
	}
	return time.Date(y, m+RatingMonths, d, 0, 0, 0, 0, time.UTC)
}

// Vietnam keeps one time zone, UTC+7, with no daylight saving.
var Vietnam = time.FixedZone("ICT", 7*3600)

// Today returns the calendar day in Vietnam at instant now, as a UTC date,
// the form every date of the domain is compared in.
func Today(now time.Time) time.Time {
	y, m, d := now.In(Vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// RatingValidOn reports whether a rating expiring on expires is valid on day:
// it is valid on the days before its expiry date.
func RatingValidOn(expires, day time.Time) bool {
	return day.Before(expires)
}

// InSeason reports whether a product delivered in months (empty: all year)
// can be delivered in month m.
func InSeason(months []int, m time.Month) bool {
	return len(months) == 0 || slices.Contains(months, int(m))
}

// ParseDate reads an ISO date (YYYY-MM-DD) as a UTC day.
func ParseDate(s string) (time.Time, error) { return time.Parse(DateLayout, s) }
