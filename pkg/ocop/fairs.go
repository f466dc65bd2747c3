package ocop

import "time"

// MeetingSlots returns the start of every B2B meeting slot of a fair: on each
// day from startsOn to endsOn, every slotMinutes from dayStart to dayEnd
// (minutes after midnight, Vietnam time), each slot ending by dayEnd. The
// fairs service books them and matching proposes them, from this one rule.
func MeetingSlots(startsOn, endsOn time.Time, slotMinutes, dayStart, dayEnd int) []time.Time {
	var out []time.Time
	if slotMinutes <= 0 {
		return out
	}
	for day := startsOn; !day.After(endsOn); day = day.AddDate(0, 0, 1) {
		y, m, d := day.Date()
		for minute := dayStart; minute+slotMinutes <= dayEnd; minute += slotMinutes {
			out = append(out, time.Date(y, m, d, 0, minute, 0, 0, Vietnam))
		}
	}
	return out
}
