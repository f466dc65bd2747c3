package ocop

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lowercases Vietnamese text and strips its diacritics ("Vải thiều
// Lục Ngạn" → "vai thieu luc ngan"), so text typed without accents finds
// text written with them. đ folds to d.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Lower lowercases text in NFC form, keeping diacritics, so that two spellings
// of the same accented letter compare equal.
func Lower(s string) string {
	return strings.ToLower(norm.NFC.String(s))
}
