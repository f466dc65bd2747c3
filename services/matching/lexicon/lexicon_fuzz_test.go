package lexicon

import "testing"

// FuzzRead: any demand text is read without panicking, and what it reads
// stays within bounds.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{"Vải thiều sấy khô Lục Ngạn", "within 30 km of Chũ", "không lấy hàng đông lạnh, cần 1,5 tấn",
		"trong vòng km từ", "30km", "người Thái bản", "", "\xff\xfe", "no"} {
		f.Add(seed, seed)
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		in := Default.Read(Demand{Title: title, Text: text, Unit: "kg", DeliveryProvince: "Hà Nội", DeliveryLat: 21, DeliveryLon: 105.8})
		for c, w := range in.Categories {
			if w <= 0 || w > 1 {
				t.Fatalf("category %s weighs %v", c, w)
			}
		}
		if in.Radius != nil && in.Radius.Km <= 0 {
			t.Fatalf("radius %v", in.Radius)
		}
	})
}
