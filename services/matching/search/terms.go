package search

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode"

	"github.com/ocopvn/ocop/pkg/ocop"
)

//go:embed stopwords.txt
var stopwordsFile string

var stopwords = func() map[string]bool {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stopwordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			set[line] = true
		}
	}
	return set
}()

// QueryTerms is the engine-neutral reading of a query's text.
type QueryTerms struct {
	// Words are the folded words that carry meaning, in order.
	Words []string
	// Phrases are consecutive word pairs, to reward syllables found together.
	Phrases []string
	// Exact is the text lowercased with its diacritics, when it has any.
	Exact string
}

// Terms reads a query text plus extra terms: drops words that say nothing
// about a product (recognised as typed, with diacritics), folds the rest and
// pairs neighbouring syllables.
func Terms(text string, extra []string) QueryTerms {
	var t QueryTerms
	var exact []string
	add := func(s string) {
		words := Words(ocop.Lower(s))
		kept := make([]string, 0, len(words))
		for i := 0; i < len(words); i++ {
			switch {
			case i+1 < len(words) && stopwords[words[i]+" "+words[i+1]]:
				kept = append(kept, "", "")
				i++
			case stopwords[words[i]]:
				kept = append(kept, "")
			case isNumber(words[i]):
				kept = append(kept, "")
				exact = append(exact, words[i])
			default:
				kept = append(kept, ocop.Fold(words[i]))
				exact = append(exact, words[i])
			}
		}
		for i, w := range kept {
			if w == "" {
				continue
			}
			t.Words = append(t.Words, w)
			if i+1 < len(kept) && kept[i+1] != "" {
				t.Phrases = append(t.Phrases, w+" "+kept[i+1])
			}
		}
	}
	add(text)
	exactOfText := strings.Join(exact, " ")
	for _, e := range extra {
		add(e)
	}
	if exactOfText != ocop.Fold(exactOfText) {
		t.Exact = exactOfText
	}
	return t
}

// Words splits text into words on anything that is not a letter or digit.
func Words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// maxTypoWord is the longest word whose typos are forgiven. The catalogue's
// longest word has 12 letters; a longer run is a code, a link or pasted text,
// and the engine's typo automaton grows with the word until it refuses to
// build it, which would fail the whole search or demand.
const maxTypoWord = 32

// Typos is how many typos a folded query word forgives, as Meilisearch
// counts them: none below 5 letters (most Vietnamese syllables, where one
// letter changes the word: "vai", "vải", "vay"), one from 5, two from 9,
// none again past maxTypoWord.
func Typos(word string) int {
	switch n := len([]rune(word)); {
	case n > maxTypoWord:
		return 0
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	default:
		return 0
	}
}
