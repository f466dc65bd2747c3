// Package lexicon reads what a buyer's words mean for matching: which kinds
// of product they name (in Vietnamese or English), the Vietnamese words an
// English request stands for, synonyms, the places named and a radius
// around one, and what the buyer rules out. Its word lists are data files
// in this directory, so they can grow without touching code.
package lexicon

import (
	"bufio"
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/ocopvn/ocop/pkg/ocop"
)

//go:embed kinds.txt vocabulary.txt synonyms.txt places.txt peoples.txt
var files embed.FS

// noCategory marks kinds.txt phrases that contain a product word but name
// no product ("cam kết" is a promise, not an orange): matching them first
// keeps their words from voting.
const noCategory = "-"

// word is one word of a text or a term: as typed (lowercase) and folded,
// and whether it was capitalised.
type word struct {
	lower, folded string
	capital       bool
}

func words(s string) []word {
	var out []word
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		lower := ocop.Lower(w)
		out = append(out, word{lower: lower, folded: ocop.Fold(lower), capital: lower != w})
	}
	return out
}

// same reports whether a typed word is a term's word: diacritics typed must
// be the term's ("cám" is not "cam"); a word typed without them matches
// whatever it folds to ("vai" is "vải").
func same(typed, term word) bool {
	if typed.folded != term.folded {
		return false
	}
	return typed.lower == typed.folded || typed.lower == term.lower
}

// phrase is an entry of a word list: its words and what it stands for.
type phrase struct {
	words []word
	value string
}

// dictionary finds its phrases in a text, longest first.
type dictionary struct {
	byFirst map[string][]phrase // keyed by the first word folded, longest first
}

func newDictionary(entries []phrase) dictionary {
	d := dictionary{byFirst: map[string][]phrase{}}
	for _, e := range entries {
		if len(e.words) == 0 {
			continue
		}
		k := e.words[0].folded
		d.byFirst[k] = append(d.byFirst[k], e)
	}
	for _, list := range d.byFirst {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].words) > len(list[j].words) })
	}
	return d
}

// at returns the longest phrase starting at text[i].
func (d dictionary) at(text []word, i int) (phrase, bool) {
	for _, p := range d.byFirst[text[i].folded] {
		if i+len(p.words) > len(text) {
			continue
		}
		ok := true
		for j, w := range p.words {
			if !same(text[i+j], w) {
				ok = false
				break
			}
		}
		if ok {
			return p, true
		}
	}
	return phrase{}, false
}

// Place is a town or former district with its approximate centre.
type Place struct {
	Name     string
	Province string // current province
	Lat, Lon float64
}

// Lexicon holds the word lists.
type Lexicon struct {
	kinds    dictionary // phrase → category
	english  dictionary // English phrase → Vietnamese words, joined by ";"
	synonyms dictionary // word → the other words of its group, joined by ";"
	places   dictionary // place name → index into placeList
	list     []Place
	groups   [][]string // synonym groups as written
	peoples  dictionary // a people's name → its main spelling
}

// SynonymGroups returns the groups of words that name the same thing, for
// engines that take synonyms as a setting.
func (l *Lexicon) SynonymGroups() [][]string {
	out := make([][]string, len(l.groups))
	for i, g := range l.groups {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// Default is the lexicon of the files in this directory.
var Default = func() *Lexicon {
	l, err := load()
	if err != nil {
		panic(err)
	}
	return l
}()

func load() (*Lexicon, error) {
	var l Lexicon
	var kinds, english, synonyms, places []phrase
	err := eachLine("kinds.txt", func(line string) error {
		category, terms, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("want \"category: term; term\"")
		}
		for _, t := range split(terms) {
			kinds = append(kinds, phrase{words: words(t), value: strings.TrimSpace(category)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine("vocabulary.txt", func(line string) error {
		en, vi, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("want \"english = vietnamese; vietnamese\"")
		}
		english = append(english, phrase{words: words(en), value: strings.Join(split(vi), ";")})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine("synonyms.txt", func(line string) error {
		group := split(line)
		l.groups = append(l.groups, group)
		for i, w := range group {
			others := append(append([]string{}, group[:i]...), group[i+1:]...)
			synonyms = append(synonyms, phrase{words: words(w), value: strings.Join(others, ";")})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine("places.txt", func(line string) error {
		f := split(line)
		if len(f) < 4 {
			return fmt.Errorf("want \"name | other name; province; lat; lon\"")
		}
		lat, err1 := strconv.ParseFloat(f[2], 64)
		lon, err2 := strconv.ParseFloat(f[3], 64)
		prov, ok := ocop.LookupProvince(f[1])
		if err1 != nil || err2 != nil || !ocop.ValidCoordinates(lat, lon) || !ok {
			return fmt.Errorf("bad province or coordinates in %q", line)
		}
		names := strings.Split(f[0], "|")
		l.list = append(l.list, Place{Name: strings.TrimSpace(names[0]), Province: prov.Name, Lat: lat, Lon: lon})
		for _, n := range names {
			places = append(places, phrase{words: words(n), value: strconv.Itoa(len(l.list) - 1)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var peoples []phrase
	err = eachLine("peoples.txt", func(line string) error {
		names := strings.Split(line, "|")
		for _, n := range names {
			peoples = append(peoples, phrase{words: words(strings.TrimSpace(n)), value: strings.TrimSpace(names[0])})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.peoples = newDictionary(peoples)
	for _, p := range ocop.Provinces {
		l.list = append(l.list, Place{Name: p.Name, Province: p.Name, Lat: p.Lat, Lon: p.Lon})
		id := strconv.Itoa(len(l.list) - 1)
		places = append(places, phrase{words: words(p.Name), value: id})
		for _, legacy := range p.Legacy {
			if legacy == p.Name {
				continue
			}
			// A pre-2025 province is a place of its own: "gà from Bắc Giang"
			// means the former province, not all of today's Bắc Ninh.
			l.list = append(l.list, Place{Name: legacy, Province: p.Name, Lat: p.Lat, Lon: p.Lon})
			places = append(places, phrase{words: words(legacy), value: strconv.Itoa(len(l.list) - 1)})
		}
	}
	for alias, name := range ocop.ProvinceAliases() {
		for i, p := range l.list {
			if p.Name == name && p.Province == name {
				places = append(places, phrase{words: words(alias), value: strconv.Itoa(i)})
			}
		}
	}
	l.kinds, l.english, l.synonyms, l.places = newDictionary(kinds), newDictionary(english), newDictionary(synonyms), newDictionary(places)
	return &l, nil
}

func split(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ";") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func eachLine(name string, fn func(string) error) error {
	f, err := files.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("lexicon %s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}
