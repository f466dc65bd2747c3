package rank

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/search"
)

// packPattern finds a pack size in a product's name, folded: "thùng 50
// gói", "hộp 2 kg", "chai 500 ml".
var packPattern = regexp.MustCompile(`\b(thung|hop|bao|goi|chai|hu|tui)\s+(\d+(?:[.,]\d+)?)\s*(goi|hop|chai|qua|banh|kg|g|lit|l|ml)\b`)

// innerUnits are the units a pack's contents are counted in, and the
// factor to the catalogue's unit.
var innerUnits = map[string]struct {
	unit   string
	factor float64
}{
	"goi": {"gói", 1}, "hop": {"hộp", 1}, "chai": {"chai", 1}, "qua": {"quả", 1}, "banh": {"bánh", 1},
	"kg": {"kg", 1}, "g": {"kg", 0.001}, "lit": {"lít", 1}, "l": {"lít", 1}, "ml": {"lít", 0.001},
}

// pack is a product's unit as its name states it: one unit holds size of inner.
type pack struct {
	size  float64
	inner string
}

// packUnits are the units a pack size can be stated for, as packPattern
// spells them.
var packUnits = map[string]bool{"thung": true, "hop": true, "bao": true, "goi": true, "chai": true, "hu": true, "tui": true}

// packOf reads the pack size a product's name states for its own unit.
// Ranking asks it of every candidate, so a unit no pack is sold in, or a
// name without a number, is answered before the pattern runs.
func packOf(p search.Document) (pack, bool) {
	unit := ocop.Fold(p.Unit)
	if !packUnits[unit] || !strings.ContainsAny(p.Name, "0123456789") {
		return pack{}, false
	}
	name := ocop.Fold(p.Name)
	if !spacedWord(name, unit) {
		return pack{}, false
	}
	m := packPattern.FindStringSubmatch(name)
	if m == nil || m[1] != unit {
		return pack{}, false
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", "."), 64)
	inner := innerUnits[m[3]]
	if err != nil || n <= 0 {
		return pack{}, false
	}
	return pack{size: n * inner.factor, inner: inner.unit}, true
}

// spacedWord reports whether word is in s followed by a space, as the
// pattern wants the product's unit: most names with a number lack it, and
// looking costs a small share of running the pattern.
func spacedWord(s, word string) bool {
	for {
		i := strings.Index(s, word)
		if i < 0 {
			return false
		}
		s = s[i+len(word):]
		if s != "" && strings.IndexByte(" \t\n\f\r", s[0]) >= 0 {
			return true
		}
	}
}

// convert expresses q of the product's unit in unit, through the pack size
// its name states when the units do not compare directly: a buyer of 3,000
// packs can count a carton of 50 packs, or boxes of 2 kg by weight.
func convert(q float64, p search.Document, unit string) (float64, bool) {
	if v, ok := ocop.Convert(q, p.Unit, unit); ok {
		return v, true
	}
	if pk, ok := packOf(p); ok {
		return ocop.Convert(q*pk.size, pk.inner, unit)
	}
	return 0, false
}
