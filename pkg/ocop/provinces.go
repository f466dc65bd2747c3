package ocop

import (
	"math"
	"strings"
)

// Province is one of the 34 provinces and centrally run cities in force since
// 1 July 2025, with the pre-2025 provinces merged into it and the approximate
// location of its administrative centre.
type Province struct {
	Name   string
	Legacy []string
	Lat    float64
	Lon    float64
}

// Provinces is the 34-province map of Resolution 202/2025/QH15.
var Provinces = []Province{
	{"Hà Nội", []string{"Hà Nội"}, 21.0285, 105.8542},
	{"Huế", []string{"Thừa Thiên Huế"}, 16.4637, 107.5909},
	{"Lai Châu", []string{"Lai Châu"}, 22.3964, 103.4582},
	{"Điện Biên", []string{"Điện Biên"}, 21.3856, 103.0169},
	{"Sơn La", []string{"Sơn La"}, 21.3256, 103.9188},
	{"Lạng Sơn", []string{"Lạng Sơn"}, 21.8537, 106.7615},
	{"Quảng Ninh", []string{"Quảng Ninh"}, 20.9599, 107.0425},
	{"Thanh Hóa", []string{"Thanh Hóa"}, 19.8067, 105.7852},
	{"Nghệ An", []string{"Nghệ An"}, 18.6796, 105.6813},
	{"Hà Tĩnh", []string{"Hà Tĩnh"}, 18.3559, 105.8877},
	{"Cao Bằng", []string{"Cao Bằng"}, 22.6657, 106.2579},
	{"Tuyên Quang", []string{"Tuyên Quang", "Hà Giang"}, 21.8233, 105.2180},
	{"Lào Cai", []string{"Lào Cai", "Yên Bái"}, 21.7229, 104.9113},
	{"Thái Nguyên", []string{"Thái Nguyên", "Bắc Kạn"}, 21.5942, 105.8482},
	{"Phú Thọ", []string{"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"}, 21.3227, 105.4019},
	{"Bắc Ninh", []string{"Bắc Ninh", "Bắc Giang"}, 21.2731, 106.1946},
	{"Hưng Yên", []string{"Hưng Yên", "Thái Bình"}, 20.6464, 106.0511},
	{"Hải Phòng", []string{"Hải Phòng", "Hải Dương"}, 20.8449, 106.6881},
	{"Ninh Bình", []string{"Ninh Bình", "Hà Nam", "Nam Định"}, 20.2506, 105.9745},
	{"Quảng Trị", []string{"Quảng Trị", "Quảng Bình"}, 17.4689, 106.6223},
	{"Đà Nẵng", []string{"Đà Nẵng", "Quảng Nam"}, 16.0544, 108.2022},
	{"Quảng Ngãi", []string{"Quảng Ngãi", "Kon Tum"}, 15.1214, 108.8044},
	{"Gia Lai", []string{"Gia Lai", "Bình Định"}, 13.7830, 109.2197},
	{"Khánh Hòa", []string{"Khánh Hòa", "Ninh Thuận"}, 12.2388, 109.1967},
	{"Lâm Đồng", []string{"Lâm Đồng", "Đắk Nông", "Bình Thuận"}, 11.9404, 108.4583},
	{"Đắk Lắk", []string{"Đắk Lắk", "Phú Yên"}, 12.6667, 108.0500},
	{"TP. Hồ Chí Minh", []string{"TP. Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}, 10.7769, 106.7009},
	{"Đồng Nai", []string{"Đồng Nai", "Bình Phước"}, 10.9574, 106.8427},
	{"Tây Ninh", []string{"Tây Ninh", "Long An"}, 10.5359, 106.4137},
	{"Cần Thơ", []string{"Cần Thơ", "Sóc Trăng", "Hậu Giang"}, 10.0452, 105.7469},
	{"Vĩnh Long", []string{"Vĩnh Long", "Bến Tre", "Trà Vinh"}, 10.2537, 105.9722},
	{"Đồng Tháp", []string{"Đồng Tháp", "Tiền Giang"}, 10.3600, 106.3600},
	{"Cà Mau", []string{"Cà Mau", "Bạc Liêu"}, 9.1769, 105.1524},
	{"An Giang", []string{"An Giang", "Kiên Giang"}, 10.0125, 105.0809},
}

// provinceAliases are other names people write for a province, folded.
var provinceAliases = map[string]string{
	"ha noi": "Hà Nội", "hanoi": "Hà Nội", "tp ha noi": "Hà Nội", "thanh pho ha noi": "Hà Nội",
	"hue": "Huế", "thua thien hue": "Huế", "tp hue": "Huế",
	"ho chi minh": "TP. Hồ Chí Minh", "tp ho chi minh": "TP. Hồ Chí Minh", "tphcm": "TP. Hồ Chí Minh", "tp hcm": "TP. Hồ Chí Minh",
	"hcm": "TP. Hồ Chí Minh", "hcmc": "TP. Hồ Chí Minh", "ho chi minh city": "TP. Hồ Chí Minh", "sai gon": "TP. Hồ Chí Minh", "saigon": "TP. Hồ Chí Minh",
	"thanh pho ho chi minh": "TP. Hồ Chí Minh",
	"ba ria vung tau":       "TP. Hồ Chí Minh", "vung tau": "TP. Hồ Chí Minh",
	"hai phong": "Hải Phòng", "haiphong": "Hải Phòng", "da nang": "Đà Nẵng", "danang": "Đà Nẵng", "can tho": "Cần Thơ",
}

// ProvinceMatch is the answer to a province name: the current province, the
// name as the map spells it, and whether that name is a pre-2025 province.
type ProvinceMatch struct {
	Province
	Spelled string
	Legacy  bool
}

var provinceIndex = func() map[string]ProvinceMatch {
	idx := make(map[string]ProvinceMatch)
	for _, p := range Provinces {
		for _, l := range p.Legacy {
			idx[provinceKey(l)] = ProvinceMatch{Province: p, Spelled: l, Legacy: l != p.Name}
		}
		idx[provinceKey(p.Name)] = ProvinceMatch{Province: p, Spelled: p.Name}
	}
	for alias, current := range provinceAliases {
		if _, taken := idx[alias]; !taken {
			m := idx[provinceKey(current)]
			idx[alias] = m
		}
	}
	return idx
}()

// provinceKey folds a province name for lookup: no diacritics, no "tỉnh" or
// "thành phố" prefix, punctuation as spaces.
func provinceKey(name string) string {
	f := Fold(name)
	f = strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '–' || r == ',' || r == '_' {
			return ' '
		}
		return r
	}, f)
	f = strings.Join(strings.Fields(f), " ")
	return strings.TrimPrefix(f, "tinh ")
}

// LookupProvince finds the current province for a current or pre-2025 name
// written with or without diacritics or a "Tỉnh" prefix ("bac giang" is a
// legacy name of Bắc Ninh).
func LookupProvince(name string) (ProvinceMatch, bool) {
	m, ok := provinceIndex[provinceKey(name)]
	return m, ok
}

// DistanceKm is the great-circle distance between two points in kilometres.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// ValidCoordinates reports whether lat/lon lie in or near Vietnam.
func ValidCoordinates(lat, lon float64) bool {
	return lat >= 8 && lat <= 24 && lon >= 102 && lon <= 110
}

// ProvinceAliases returns the other names people write for a province
// (folded, e.g. "saigon"), each with the current province's name.
func ProvinceAliases() map[string]string {
	out := make(map[string]string, len(provinceAliases))
	for alias, name := range provinceAliases {
		out[alias] = name
	}
	return out
}
