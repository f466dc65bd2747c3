package ocop

import "strings"

// Units a product is sold in.
var Units = []string{
	"kg", "tạ", "tấn", "chai", "hộp", "gói", "thùng", "bao", "quả", "con", "chiếc", "bánh", "hũ", "lít", "m",
	"bộ", "đôi", "sản phẩm", "chậu", "cây", "cành", "khách", "khách/đêm",
}

// unitAliases maps what people type to a unit of Units.
var unitAliases = map[string]string{
	"kilogram": "kg", "kilo": "kg", "ký": "kg", "cân": "kg",
	"ta": "tạ", "quintal": "tạ",
	"tan": "tấn", "ton": "tấn", "tonne": "tấn", "t": "tấn",
	"lit": "lít", "litre": "lít", "liter": "lít", "l": "lít",
	"khach": "khách", "guest": "khách", "guests": "khách", "người": "khách", "pax": "khách",
	"khach/dem": "khách/đêm", "guest-night": "khách/đêm", "guest-nights": "khách/đêm",
	"san pham": "sản phẩm", "piece": "sản phẩm", "pieces": "sản phẩm", "pcs": "sản phẩm",
}

// NormaliseUnit returns the canonical form of a unit and whether it is known.
func NormaliseUnit(u string) (string, bool) {
	u = strings.TrimSpace(u)
	for _, known := range Units {
		if strings.EqualFold(u, known) {
			return known, true
		}
	}
	if canon, ok := unitAliases[strings.ToLower(u)]; ok {
		return canon, true
	}
	return u, false
}

// massKg is the weight of one unit of mass in kilograms.
var massKg = map[string]float64{"kg": 1, "tạ": 100, "tấn": 1000}

// Convert expresses quantity q of unit from in unit to, when the two measure
// the same thing: kg, tạ and tấn convert by weight; a group of guests and
// guest-nights compare one to one (a group of 20 needs 20 guest-nights a
// night). ok is false for units that do not compare (boxes and kilograms).
func Convert(q float64, from, to string) (float64, bool) {
	from, _ = NormaliseUnit(from)
	to, _ = NormaliseUnit(to)
	if from == to {
		return q, true
	}
	if a, ok := massKg[from]; ok {
		if b, ok := massKg[to]; ok {
			return q * a / b, true
		}
	}
	guests := func(u string) bool { return u == "khách" || u == "khách/đêm" }
	if guests(from) && guests(to) {
		return q, true
	}
	return 0, false
}
