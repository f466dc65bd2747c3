package search

import (
	"slices"
	"strings"
	"testing"
)

func TestTermsFoldsAndDropsFillerWords(t *testing.T) {
	got := Terms("Chúng tôi cần nhập vải thiều sấy khô, khoảng 1.500 kg/tháng", nil)
	want := []string{"vai", "thieu", "say", "kho", "kg"}
	if !slices.Equal(got.Words, want) {
		t.Fatalf("words = %q, want %q", got.Words, want)
	}
	if !slices.Contains(got.Phrases, "vai thieu") || slices.Contains(got.Phrases, "kho kg") {
		t.Fatalf("phrases = %q", got.Phrases)
	}
	if want := "vải thiều sấy khô 1 500 kg"; got.Exact != want {
		t.Fatalf("exact = %q, want %q: the words and numbers as typed, without the fillers", got.Exact, want)
	}
}

// Filler words are no spelling to reward: a demand whose product words
// have no diacritics has no exact form, whatever its fillers have.
func TestTermsExactFormLeavesOutFillers(t *testing.T) {
	if got := Terms("Cần mua mut gung cho cửa hàng", nil); got.Exact != "" {
		t.Fatalf("exact = %q, want none", got.Exact)
	}
}

// The kind of shop a buyer runs says nothing about the product it wants,
// and is dropped as a phrase: "hàng" alone belongs to product names.
func TestTermsDropTheBuyersKindOfShop(t *testing.T) {
	for _, text := range []string{"Cửa hàng đặc sản cần mứt gừng", "Siêu thị cần mứt gừng đặc sản", "Nhà hàng cần mứt gừng đặc sản"} {
		got := Terms(text, nil)
		if want := []string{"mut", "gung", "dac", "san"}; !slices.Equal(slices.Sorted(slices.Values(got.Words)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s: words = %q, want %q", text, got.Words, want)
		}
	}
	if got := Terms("Giỏ hàng thủ công", nil); !slices.Contains(got.Words, "hang") {
		t.Errorf("words = %q: the hàng of a product name was dropped", got.Words)
	}
}

func TestTermsKeepsProductWordsTypedWithoutDiacritics(t *testing.T) {
	got := Terms("ga doi yen the", nil)
	if !slices.Equal(got.Words, []string{"ga", "doi", "yen", "the"}) {
		t.Fatalf("words = %q: a folded product word was taken for a filler", got.Words)
	}
	if got.Exact != "" {
		t.Fatalf("no diacritics, no exact form: %q", got.Exact)
	}
}

func TestTermsWithExtraTerms(t *testing.T) {
	got := Terms("mì Chũ", []string{"mỳ Chũ"})
	if !slices.Contains(got.Phrases, "mi chu") || !slices.Contains(got.Phrases, "my chu") {
		t.Fatalf("phrases = %q", got.Phrases)
	}
}

func TestTyposByWordLength(t *testing.T) {
	for _, c := range []struct {
		word string
		want int
	}{
		{"vai", 0}, {"thieu", 1}, {"huongcuoi", 2},
		{strings.Repeat("a", maxTypoWord), 2},
		{strings.Repeat("a", maxTypoWord+1), 0},
	} {
		if got := Typos(c.word); got != c.want {
			t.Errorf("Typos(%d letters) = %d, want %d", len([]rune(c.word)), got, c.want)
		}
	}
}
