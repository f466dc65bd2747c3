package rank

import (
	"math"
	"strconv"
	"strings"

	"github.com/ocopvn/ocop/pkg/ocop"
)

func starsReason(stars int) string { return strconv.Itoa(stars) + "★ OCOP" }

func distanceReason(km float64, place string) string {
	if place == "" {
		place = "the delivery point"
	}
	if km < 1 {
		return "in " + place
	}
	return strconv.Itoa(int(math.Round(km))) + " km from " + place
}

func responsivenessReason(r Response) string {
	reason := "answered " + percent(float64(r.Answered)/float64(r.Notified)) + " of past matches"
	if r.Answered > 0 {
		if r.MedianHours < 24 {
			return reason + ", usually within a day"
		}
		return reason + ", usually within " + strconv.Itoa(int(math.Ceil(r.MedianHours/24))) + " days"
	}
	return reason
}

// quantity formats an amount in its unit, weights of a tonne or more in t.
func quantity(q float64, unit string) string {
	if kg, ok := ocop.Convert(q, unit, "kg"); ok && kg >= 1000 {
		return number(kg/1000) + " t"
	}
	return number(q) + " " + unit
}

func money(vnd int64) string { return number(float64(vnd)) + " đ" }

func percent(share float64) string { return strconv.Itoa(int(math.Round(share*100))) + "%" }

// number writes n with thousands separated by commas and at most two decimals.
func number(n float64) string {
	s := strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
