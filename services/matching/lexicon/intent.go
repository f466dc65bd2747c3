package lexicon

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Intent is what a demand's words ask for, beyond its form fields.
type Intent struct {
	// Text is the buyer's words to search for, without the places named and
	// what the buyer rules out: "Bắc Giang" in "homestay near Bắc Giang" is
	// where, not what.
	Text string
	// Terms are Vietnamese words the buyer's English stands for, and
	// synonyms of the words used.
	Terms []string
	// Categories are the OCOP categories the words name, each with a weight
	// in (0, 1]: 1 for the most named.
	Categories map[string]float64
	// Groups are whole OCOP groups the words name ("thực phẩm", "đồ thủ công").
	Groups []string
	// Excluded are phrases the buyer rules out ("không ở nhà sàn").
	Excluded []string
	// ExcludedCategories are categories named only to be ruled out ("not frozen").
	ExcludedCategories []string
	// Origins are places the products should come from.
	Origins []Place
	// Peoples are ethnic peoples the buyer names ("bản Thái", "người Dao").
	Peoples []string
	// Radius, when set, is the distance from a place the producer must be within.
	Radius *Radius
	// MinShelfLifeDays, when above zero, is how long the products must keep
	// ("để được từ 3 tháng", "keep at least 6 months").
	MinShelfLifeDays int
	// Group is the OCOP group the unit implies when the buyer chose none:
	// a demand counted in guests is for tourism.
	Group string
	// NotGroup is the group the unit rules out: goods counted in kilograms,
	// bottles or boxes are not a tour.
	NotGroup string
}

// Radius is "within Km of Place".
type Radius struct {
	Km    float64
	Place Place
}

// Demand is what the lexicon reads of a demand.
type Demand struct {
	Title, Text      string
	Unit             string
	DeliveryProvince string
	DeliveryLat      float64
	DeliveryLon      float64
}

// groupPrefix marks kinds.txt lines that name a whole OCOP group.
const groupPrefix = "group "

// negations open a scope that rules out what follows, to the end of the clause.
var negations = map[string]bool{
	"không": true, "khong": true, "ko": true, "chẳng": true, "trừ": true, "ngoại trừ": true,
	"no": true, "not": true, "without": true, "excluding": true, "except": true, "avoid": true,
}

// locatives say where someone is ("ở", "tại", "in").
var locatives = map[string]bool{"ở": true, "tại": true, "o": true, "tai": true, "in": true, "at": true}

// negationReach is how many words after a negation it rules out.
const negationReach = 6

// qualifiers narrow a ruled-out kind to one kind of it ("trà có pha đường").
var qualifiers = map[string]bool{"có": true, "chứa": true, "with": true, "containing": true}

// alternatives separate the things a scope rules out.
var alternatives = map[string]bool{"hoặc": true, "hay": true, "và": true, "or": true, "and": true, "nor": true}

// qualified returns what a qualifier rules out: each alternative up to the
// end of the clause, and its last two words, the part most likely to be
// written in a product's name ("phối cỏ ngọt" → "cỏ ngọt").
func qualified(toks []token, clause int) []string {
	var out []string
	var run []string
	flush := func() {
		if len(run) > 0 {
			out = append(out, strings.Join(run, " "))
		}
		if len(run) > 2 {
			out = append(out, strings.Join(run[len(run)-2:], " "))
		}
		run = nil
	}
	for _, t := range toks {
		if t.clause != clause {
			break
		}
		if alternatives[t.lower] {
			flush()
			continue
		}
		run = append(run, t.lower)
	}
	flush()
	return out
}

// radiusCues introduce a distance limit ("trong vòng 30 km", "within 30 km").
var radiusCues = map[string]bool{
	"vòng": true, "vong": true, "kính": true, "kinh": true, "cách": true, "cach": true,
	"quá": true, "dưới": true, "duoi": true,
	"within": true, "radius": true, "than": true, "under": true,
}

// titleWeight makes a kind named in the title count double: a title names
// the main thing wanted.
const titleWeight = 2

type token struct {
	word
	clause  int
	title   bool
	place   bool // part of a place name
	negated bool
}

// Read reads a demand's intent.
func (l *Lexicon) Read(d Demand) Intent {
	toks := tokenize(d.Title, d.Text)
	var in Intent
	switch u := strings.ToLower(d.Unit); {
	case u == "khách" || u == "khách/đêm":
		in.Group = "du_lich"
	case u != "":
		in.NotGroup = "du_lich"
	}

	type mention struct {
		place Place
		at    int
	}
	var mentions []mention
	ws := func(from int) []word {
		out := make([]word, len(toks)-from)
		for i := range out {
			out[i] = toks[from+i].word
		}
		return out
	}
	all := ws(0)
	for i := 0; i < len(toks); {
		if p, ok := l.places.at(all, i); ok && samePhraseClause(toks, i, len(p.words)) && placeTyped(toks[i], p) {
			idx, _ := strconv.Atoi(p.value)
			mentions = append(mentions, mention{place: l.list[idx], at: i})
			for j := i; j < i+len(p.words); j++ {
				toks[j].place = true
			}
			i += len(p.words)
			continue
		}
		i++
	}

	for i := 0; i < len(toks); i++ {
		if !negations[toks[i].lower] {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+negationReach && toks[j].clause == toks[i].clause; j++ {
			toks[j].negated = true
			if qualifiers[toks[j].lower] {
				// "không nhận trà có pha đường" rules out sweetened tea,
				// not tea: the kind before the qualifier stays wanted.
				for k := i + 1; k < j; k++ {
					toks[k].negated = false
				}
				in.Excluded = append(in.Excluded, qualified(toks[j+1:], toks[i].clause)...)
				break
			}
		}
	}

	for i := 0; i+1 < len(toks); i++ {
		km, err := strconv.ParseFloat(strings.ReplaceAll(toks[i].folded, ",", "."), 64)
		if err != nil || toks[i+1].folded != "km" || km <= 0 {
			continue
		}
		cued := false
		for j := max(0, i-3); j < i; j++ {
			cued = cued || radiusCues[toks[j].lower] || radiusCues[toks[j].folded]
		}
		if !cued {
			continue
		}
		anchor, found := Place{}, false
		for _, m := range mentions {
			if m.at > i && m.at <= i+5 && toks[m.at].clause == toks[i].clause {
				anchor, found = m.place, true
				break
			}
		}
		if !found {
			for _, m := range mentions {
				if m.at < i {
					anchor, found = m.place, true
				}
			}
		}
		if !found && (d.DeliveryLat != 0 || d.DeliveryLon != 0) {
			anchor, found = Place{Name: d.DeliveryProvince, Province: d.DeliveryProvince, Lat: d.DeliveryLat, Lon: d.DeliveryLon}, true
		}
		if found {
			in.Radius = &Radius{Km: km, Place: anchor}
			break
		}
	}
	if in.Radius == nil {
		seen := map[string]bool{}
		for _, m := range mentions {
			// The delivery province named as such is where goods go, not
			// where they come from; so is a place in it where the buyer is
			// ("nhà máy của chúng tôi ở Hải Dương cũ").
			if m.place.Name == d.DeliveryProvince || seen[m.place.Name] {
				continue
			}
			if m.at > 0 && locatives[toks[m.at-1].lower] && m.place.Province == d.DeliveryProvince {
				continue
			}
			seen[m.place.Name] = true
			in.Origins = append(in.Origins, m.place)
		}
	}

	votes := map[string]float64{}
	negatedVotes := map[string]bool{}
	terms := map[string]bool{}
	addTerms := func(value string, negated bool) {
		for _, t := range strings.Split(value, ";") {
			if negated {
				in.Excluded = append(in.Excluded, t)
			} else if !terms[t] {
				terms[t] = true
				in.Terms = append(in.Terms, t)
			}
		}
	}
	for i := 0; i < len(toks); {
		if toks[i].place {
			i++
			continue
		}
		if p, ok := l.kinds.at(all, i); ok && samePhraseClause(toks, i, len(p.words)) && !spansPlace(toks, i, len(p.words)) {
			if group, ok := strings.CutPrefix(p.value, groupPrefix); ok {
				if !toks[i].negated && !slices.Contains(in.Groups, group) {
					in.Groups = append(in.Groups, group)
				}
			} else if p.value != noCategory {
				switch {
				case toks[i].negated:
					negatedVotes[p.value] = true
					in.Excluded = append(in.Excluded, joinLower(p.words))
				default:
					w := float64(len(p.words))
					if toks[i].title {
						w *= titleWeight
					}
					votes[p.value] += w
				}
			}
			i += len(p.words)
			continue
		}
		i++
	}
	for i := 0; i < len(toks); i++ {
		if toks[i].place {
			continue
		}
		if p, ok := l.english.at(all, i); ok {
			addTerms(p.value, toks[i].negated)
		}
		if p, ok := l.synonyms.at(all, i); ok && !toks[i].negated {
			addTerms(p.value, false)
		}
	}

	top := 0.0
	for _, v := range votes {
		top = math.Max(top, v)
	}
	if top > 0 {
		in.Categories = map[string]float64{}
		for c, v := range votes {
			in.Categories[c] = v / top
		}
	}
	for c := range negatedVotes {
		if votes[c] == 0 {
			in.ExcludedCategories = append(in.ExcludedCategories, c)
		}
	}

	var text strings.Builder
	for i, t := range toks {
		if t.place || t.negated || negations[t.lower] {
			continue
		}
		if i > 0 && toks[i-1].clause != t.clause {
			text.WriteString("\n")
		} else if text.Len() > 0 {
			text.WriteString(" ")
		}
		text.WriteString(t.lower)
	}
	in.Text = text.String()
	in.MinShelfLifeDays = shelfLife(toks)
	in.Peoples = l.peoplesNamed(toks, all)
	return in
}

// peopleCues come before a people's name ("người Dao", "bản Thái",
// "dân tộc Mông"); peopleAfter come after it in English ("Dao village").
var (
	peopleCues  = map[string]bool{"người": true, "nguoi": true, "bản": true, "ban": true, "tộc": true, "toc": true, "bào": true, "bao": true}
	peopleAfter = map[string]bool{"people": true, "peoples": true, "ethnic": true, "village": true, "villages": true, "minority": true}
)

// peoplesNamed finds the peoples named with a cue: a bare "Thái" may be a
// province or a word, "người Thái" is a people.
func (l *Lexicon) peoplesNamed(toks []token, all []word) []string {
	var out []string
	for i := range toks {
		p, ok := l.peoples.at(all, i)
		if !ok || !(toks[i].capital || toks[i].lower == p.words[0].lower) {
			continue
		}
		end := i + len(p.words)
		cued := (i > 0 && peopleCues[toks[i-1].lower] && toks[i-1].clause == toks[i].clause) ||
			(end < len(toks) && peopleAfter[toks[end].lower] && toks[end].clause == toks[i].clause)
		if cued && !toks[i].negated && !slices.Contains(out, p.value) {
			out = append(out, p.value)
		}
	}
	return out
}

// keepCues introduce how long a product must keep.
var keepCues = map[string]bool{
	"để được": true, "de duoc": true, "bảo quản": true, "bao quan": true, "hạn sử": true, "han su": true,
	"shelf life": true, "keep": true, "keeps": true, "last": true, "lasts": true,
}

// durations are the units a shelf life is given in, in days.
var durations = map[string]int{
	"ngày": 1, "ngay": 1, "day": 1, "days": 1, "tuần": 7, "tuan": 7, "week": 7, "weeks": 7,
	"tháng": 30, "thang": 30, "month": 30, "months": 30, "năm": 365, "nam": 365, "year": 365, "years": 365,
}

// shelfLife finds "keep … N months" within a clause: a cue, then within a
// few words a number and a unit of time.
func shelfLife(toks []token) int {
	for i := range toks {
		cue := keepCues[toks[i].lower]
		if i+1 < len(toks) {
			pair := toks[i].lower + " " + toks[i+1].lower
			cue = cue || keepCues[pair]
		}
		if !cue {
			continue
		}
		for j := i + 1; j+1 < len(toks) && j <= i+6 && toks[j].clause == toks[i].clause; j++ {
			n, err := strconv.Atoi(toks[j].folded)
			if days, ok := durations[toks[j+1].lower]; err == nil && ok && n > 0 {
				return n * days
			}
		}
	}
	return 0
}

// placeTyped keeps one-syllable place names typed without diacritics from
// matching ordinary words ("chu" is rarely Chũ): they count only capitalised.
func placeTyped(t token, p phrase) bool {
	return len(p.words) > 1 || t.lower == p.words[0].lower || t.capital
}

// spansPlace keeps a kind from being read across a place name ("thuoc Bac
// Ninh" typed without diacritics is "thuộc Bắc Ninh", not "thuốc bắc").
func spansPlace(toks []token, i, n int) bool {
	for _, t := range toks[i : i+n] {
		if t.place {
			return true
		}
	}
	return false
}

// samePhraseClause keeps a phrase from spanning a comma or a full stop.
func samePhraseClause(toks []token, i, n int) bool {
	return toks[i].clause == toks[i+n-1].clause
}

func joinLower(ws []word) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.lower
	}
	return strings.Join(parts, " ")
}

// tokenize splits title and text into words, numbering clauses so phrases,
// negations and radii stay within one.
func tokenize(title, text string) []token {
	var out []token
	clause := 0
	for _, part := range []struct {
		s       string
		isTitle bool
	}{{title, true}, {text, false}} {
		for _, c := range clauses(part.s) {
			for _, w := range words(c) {
				out = append(out, token{word: w, clause: clause, title: part.isTitle})
			}
			clause++
		}
	}
	return out
}

// clauses splits text at punctuation that ends a clause. A comma or full
// stop between digits is part of a number ("1,5 giờ", "130.000đ"), and a
// number written against its unit is separated from it ("30km").
func clauses(s string) []string {
	var out []string
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		between := i > 0 && i+1 < len(rs) && isDigit(rs[i-1]) && isDigit(rs[i+1])
		switch {
		case (r == '.' || r == ',') && between:
			b.WriteRune(r)
		case strings.ContainsRune(".,;:!?()[]\n–—\"", r):
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteRune(r)
			if isDigit(r) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
				b.WriteRune(' ')
			}
		}
	}
	return append(out, b.String())
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
