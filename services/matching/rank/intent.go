package rank

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/lexicon"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Read reads what a demand's words ask for beyond its form fields.
func Read(d Demand) lexicon.Intent {
	return lexicon.Default.Read(lexicon.Demand{
		Title: d.Title, Text: d.Text, Unit: d.Unit,
		DeliveryProvince: d.DeliveryProvince, DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon,
	})
}

// Factors by which a match's score is multiplied when the product breaks a
// constraint stated only in the buyer's words. They demote rather than
// exclude, because words are read less surely than form fields: a product
// just past a radius or from the next district over is still worth showing
// below the ones that fit.
const (
	// outsideRadiusFloor is the least a product beyond the radius keeps.
	outsideRadiusFloor = 0.1
	// otherOrigin is kept by a product from elsewhere than the places named.
	otherOrigin = 0.4
	// ruledOut is kept by a product of a kind the buyer ruled out.
	ruledOut = 0.4
	// otherKind is kept by a product of none of the kinds the words name.
	otherKind = 0.3
	// otherGroup is kept by a product outside the group the unit implies,
	// or inside the one it rules out.
	otherGroup = 0.5
	// nearTown is how close a producer must be to a named town to count as from it.
	nearTownKm = 15
)

// wordsFactor applies the constraints of the buyer's words to a product and
// says why.
func wordsFactor(in lexicon.Intent, p search.Document) (float64, []string) {
	f := 1.0
	var reasons []string
	if (in.Group != "" && p.Group != in.Group) || (in.NotGroup != "" && p.Group == in.NotGroup) {
		f *= otherGroup
	}
	if len(in.Groups) > 0 && !slices.Contains(in.Groups, p.Group) && in.Categories[p.Category] == 0 {
		f *= otherGroup
	}
	if r := in.Radius; r != nil {
		km := ocop.DistanceKm(p.Lat, p.Lon, r.Place.Lat, r.Place.Lon)
		if km <= r.Km {
			reasons = append(reasons, "within "+number(r.Km)+" km of "+r.Place.Name+" ("+strconv.Itoa(int(math.Round(km)))+" km)")
		} else {
			scale := math.Max(10, 0.3*r.Km)
			f *= math.Max(outsideRadiusFloor, 0.9*math.Exp(-(km-r.Km)/scale))
			reasons = append(reasons, strconv.Itoa(int(math.Round(km)))+" km from "+r.Place.Name+", beyond the "+number(r.Km)+" km asked")
		}
	}
	if len(in.Origins) > 0 {
		from := ""
		for _, o := range in.Origins {
			if comesFrom(p, o) {
				from = o.Name
				break
			}
		}
		if from != "" {
			reasons = append(reasons, "from "+from+", as asked")
		} else {
			f *= otherOrigin
		}
	}
	if len(in.Peoples) > 0 {
		if people := peopleOf(in.Peoples, p); people != "" {
			reasons = append(reasons, "of the "+people+" people, as asked")
		} else {
			f *= otherOrigin
		}
	}
	for _, c := range in.ExcludedCategories {
		if p.Category == c {
			f *= ruledOut
			reasons = append(reasons, "a kind the buyer ruled out")
		}
	}
	if in.MinShelfLifeDays > 0 && p.ShelfLifeDays != nil && *p.ShelfLifeDays < in.MinShelfLifeDays {
		f *= ruledOut
		reasons = append(reasons, "keeps "+strconv.Itoa(*p.ShelfLifeDays)+" days, less than the "+strconv.Itoa(in.MinShelfLifeDays)+" asked")
	}
	if len(in.Excluded) > 0 {
		// Folded only for a demand that rules something out: ranking reads
		// every candidate's text.
		said := ocop.Fold(p.Name + " " + strings.Join(p.Tags, " ") + " " + p.Description)
		for _, x := range in.Excluded {
			if saysIt(said, ocop.Fold(x)) {
				f *= ruledOut
				reasons = append(reasons, "“"+x+"”, which the buyer ruled out")
				break
			}
		}
	}
	return f, reasons
}

// comesFrom reports whether a product is from a named place: its province
// (current or pre-2025), former district or commune, or near a named town.
func comesFrom(p search.Document, o lexicon.Place) bool {
	if slices.Contains(search.PlaceKeys(p), search.PlaceKey(o.Name)) {
		return true
	}
	if o.Name == o.Province || isLegacyProvince(o.Name) {
		return false
	}
	return ocop.DistanceKm(p.Lat, p.Lon, o.Lat, o.Lon) <= nearTownKm
}

func isLegacyProvince(name string) bool {
	m, ok := ocop.LookupProvince(name)
	return ok && m.Legacy
}

// saysIt reports whether a product's folded words hold phrase as whole
// words, not denied: "không dùng cỏ ngọt" in a description says the
// opposite of "cỏ ngọt".
func saysIt(text, phrase string) bool {
	if phrase == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isLetter(text[start-1])) && (end == len(text) || !isLetter(text[end])) && !denied(text[:start]) {
			return true
		}
		i = start + 1
	}
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// denied reports whether the words just before a position deny what follows.
func denied(before string) bool {
	words := strings.Fields(before)
	for _, w := range words[max(0, len(words)-3):] {
		switch w {
		case "khong", "ko", "chang", "no", "not", "without":
			return true
		}
	}
	return false
}

// kindFit is how well a product's category answers the kinds the buyer
// named: the most named kind scores 1, others their share; when the words
// name no kind, every product scores the same.
func kindFit(in lexicon.Intent, p search.Document) (float64, string) {
	if len(in.Categories) == 0 {
		return 0.5, ""
	}
	w := in.Categories[p.Category]
	if w == 0 {
		return 0, ""
	}

	return w, "a kind asked for (" + strings.ReplaceAll(p.Category, "_", " ") + ")"
}

// peopleOf returns the first of the peoples a product says it is of
// ("người Thái", "bản Dao", "dân tộc Mông" in its name or description).
func peopleOf(peoples []string, p search.Document) string {
	text := " " + ocop.Fold(p.Name+" "+p.Description) + " "
	for _, people := range peoples {
		name := ocop.Fold(people)
		for _, cue := range []string{"nguoi ", "ban ", "dan toc ", "dong bao "} {
			if strings.Contains(text, " "+cue+name+" ") || strings.Contains(text, " "+cue+name+",") || strings.Contains(text, " "+cue+name+".") {
				return people
			}
		}
	}
	return ""
}
