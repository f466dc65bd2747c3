package ocop

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases Vietnamese text and strips its diacritics ("Vải thiều
// Lục Ngạn" → "vai thieu luc ngan"), so text typed without accents finds
// text written with them. đ folds to d. Every product, demand and query is
// folded, many times over in ranking, so letters below foldTableSize are
// looked up instead of decomposed.
func Fold(s string) string {
	if folded(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r < foldTableSize:
			switch f := foldTable[r]; f {
			case 0:
			case severalLetters:
				foldRune(&b, r)
			default:
				b.WriteRune(f)
			}
		default:
			foldRune(&b, r)
		}
	}
	return b.String()
}

// folded reports whether s is already folded: ASCII with no capitals, as
// units, codes and folded words are. Fold returns those as they are
// instead of copying them.
func folded(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// foldTableSize covers Latin, with Vietnamese's letters (Latin Extended
// Additional ends at U+1EFF), and the combining marks.
const foldTableSize = 0x2000

const severalLetters = -1

// foldTable holds each letter's folded form: 0 for a mark, which is
// dropped, and severalLetters for a letter such as Ǆ that folds to more.
var foldTable = func() []rune {
	t := make([]rune, foldTableSize)
	for r := rune(0x80); r < foldTableSize; r++ {
		var b strings.Builder
		foldRune(&b, r)
		switch f := []rune(b.String()); len(f) {
		case 0:
		case 1:
			t[r] = f[0]
		default:
			t[r] = severalLetters
		}
	}
	return t
}()

func foldRune(b *strings.Builder, r rune) {
	for _, d := range norm.NFD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
		case d == 'đ' || d == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(d))
		}
	}
}

// Lower lowercases text in NFC form, keeping diacritics, so that two spellings
// of the same accented letter compare equal.
func Lower(s string) string {
	return strings.ToLower(norm.NFC.String(s))
}
