package meili

import (
	"strings"
	"testing"

	"github.com/ocopvn/ocop/services/matching/search"
)

// unquote reads one Meilisearch string literal at the start of s and
// returns its value and what follows.
func unquote(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return "", "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

// FuzzFilterKeepsValuesInside: whatever a user puts in a filter value, the
// expression is "field = <one string literal>" holding exactly that value:
// no value can add a condition or change one.
func FuzzFilterKeepsValuesInside(f *testing.F) {
	for _, seed := range []string{"thuc_pham", `a" OR group = "b`, `\`, `\"`, `"`, "vải thiều", "x\x00y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, expr := range Filter(search.Query{Group: value, Certifications: []string{value}}) {
			field, literal, ok := strings.Cut(expr, " = ")
			if !ok || (field != "group" && field != "certifications") {
				t.Fatalf("%q: expression %q", value, expr)
			}
			got, rest, ok := unquote(literal)
			if !ok || rest != "" || got != value {
				t.Fatalf("%q: expression %q reads back as %q then %q", value, expr, got, rest)
			}
		}
	})
}
