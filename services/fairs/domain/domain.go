// Package domain holds trade fairs: their halls and booths, producers'
// applications and bookings, buyers attending and B2B meetings, and the
// rules they obey. It does no I/O.
package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// FairStatus is the organiser's decision about a fair.
type FairStatus string

const (
	FairDraft     FairStatus = "draft"
	FairPublished FairStatus = "published"
	FairCancelled FairStatus = "cancelled"
)

// Phase is where a published fair stands on the calendar: published →
// applications_open → applications_closed → running → finished. It follows
// from the dates, so no job has to move it.
type Phase string

const (
	PhaseDraft              Phase = "draft"
	PhasePublished          Phase = "published"
	PhaseApplicationsOpen   Phase = "applications_open"
	PhaseApplicationsClosed Phase = "applications_closed"
	PhaseRunning            Phase = "running"
	PhaseFinished           Phase = "finished"
	PhaseCancelled          Phase = "cancelled"
)

// Fair is a trade fair or exhibition ("hội chợ, triển lãm") run by an organiser.
type Fair struct {
	ID          string
	OrganiserID string
	Name        string
	Description string
	Venue       string
	Province    string
	Lat, Lon    float64
	StartsOn    time.Time
	EndsOn      time.Time
	Groups      []string // OCOP groups featured; empty: all
	Categories  []string // OCOP categories featured; empty: all of the groups
	// ApplicationsOpenOn and ApplicationsCloseOn bound the days producers
	// apply, both included.
	ApplicationsOpenOn  time.Time
	ApplicationsCloseOn time.Time
	Meetings            MeetingPlan
	Status              FairStatus
	Version             int64
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// MeetingPlan lays out the B2B meeting slots: on each day of the fair, from
// DayStart to DayEnd (local time, minutes after midnight), SlotMinutes long,
// at Tables tables.
type MeetingPlan struct {
	SlotMinutes int
	DayStart    int
	DayEnd      int
	Tables      int
}

// DefaultMeetingPlan is 30-minute slots from 08:30 to 17:00 at ten tables.
var DefaultMeetingPlan = MeetingPlan{SlotMinutes: 30, DayStart: 8*60 + 30, DayEnd: 17 * 60, Tables: 10}

// Phase returns where the fair stands on day (a Vietnam calendar day).
func (f Fair) Phase(day time.Time) Phase {
	switch {
	case f.Status == FairDraft:
		return PhaseDraft
	case f.Status == FairCancelled:
		return PhaseCancelled
	case day.After(f.EndsOn):
		return PhaseFinished
	case !day.Before(f.StartsOn):
		return PhaseRunning
	case day.Before(f.ApplicationsOpenOn):
		return PhasePublished
	case !day.After(f.ApplicationsCloseOn):
		return PhaseApplicationsOpen
	default:
		return PhaseApplicationsClosed
	}
}

// Features reports whether a product of group and category fits the fair's themes.
func (f Fair) Features(group, category string) bool {
	if len(f.Groups) > 0 && !slices.Contains(f.Groups, group) {
		return false
	}
	return len(f.Categories) == 0 || slices.Contains(f.Categories, category)
}

// Slots returns every meeting slot's start, in order.
func (f Fair) Slots() []time.Time {
	p := f.Meetings
	return ocop.MeetingSlots(f.StartsOn, f.EndsOn, p.SlotMinutes, p.DayStart, p.DayEnd)
}

// IsSlot reports whether at starts a meeting slot of the fair.
func (f Fair) IsSlot(at time.Time) bool {
	return slices.ContainsFunc(f.Slots(), func(s time.Time) bool { return s.Equal(at) })
}

const (
	maxName        = 200
	maxDescription = 5000
	maxCode        = 20
	maxBoothSide   = 200
	maxBoothMetres = 100
	maxPriceVND    = 1_000_000_000_000
	maxHallCells   = 200
)

// Normalise trims text, places the province on the 34-province map, sorts
// the themes and fills the defaults: applications from now until the eve of
// the fair, and the default meeting plan.
func (f *Fair) Normalise(today time.Time) {
	f.Name = strings.TrimSpace(f.Name)
	f.Venue = strings.TrimSpace(f.Venue)
	f.Description = strings.TrimSpace(f.Description)
	if p, ok := ocop.LookupProvince(f.Province); ok {
		f.Province = p.Name
	}
	f.Groups = sortedSet(f.Groups)
	f.Categories = sortedSet(f.Categories)
	if f.ApplicationsOpenOn.IsZero() {
		f.ApplicationsOpenOn = today
	}
	if f.ApplicationsCloseOn.IsZero() && !f.StartsOn.IsZero() {
		f.ApplicationsCloseOn = f.StartsOn.AddDate(0, 0, -1)
	}
	if f.Meetings == (MeetingPlan{}) {
		f.Meetings = DefaultMeetingPlan
	}
}

func sortedSet(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Validate checks every field and reports all that are wrong; an empty id is
// one the service will assign.
func (f Fair) Validate() error {
	var v errs.Validation
	if f.ID != "" {
		v.Check(ocop.ValidID(f.ID), "id", ocop.IDRule)
	}
	v.Check(f.Name != "" && utf8.RuneCountInString(f.Name) <= maxName, "name", "is required, at most %d characters", maxName)
	v.Check(f.Venue != "" && utf8.RuneCountInString(f.Venue) <= maxName, "venue", "is required, at most %d characters", maxName)
	v.Check(utf8.RuneCountInString(f.Description) <= maxDescription, "description", "must be at most %d characters", maxDescription)
	if p, ok := ocop.LookupProvince(f.Province); !ok || p.Name != f.Province {
		v.Add("province", "must be a province of the 34-province map (or a pre-2025 name such as Bắc Giang)")
	}
	v.Check(ocop.ValidCoordinates(f.Lat, f.Lon), "lat", "lat and lon must place the venue in Vietnam (lat 8–24, lon 102–110)")
	v.Check(!f.StartsOn.IsZero(), "starts_on", "is required (YYYY-MM-DD)")
	v.Check(!f.EndsOn.IsZero(), "ends_on", "is required (YYYY-MM-DD)")
	if !f.StartsOn.IsZero() && !f.EndsOn.IsZero() {
		v.Check(!f.EndsOn.Before(f.StartsOn), "ends_on", "must not be before starts_on")
		v.Check(f.EndsOn.Sub(f.StartsOn) <= 60*24*time.Hour, "ends_on", "a fair lasts at most 60 days")
		v.Check(!f.ApplicationsCloseOn.Before(f.ApplicationsOpenOn), "applications_close_on", "must not be before applications_open_on")
		v.Check(!f.ApplicationsCloseOn.After(f.EndsOn), "applications_close_on", "must not be after the fair ends")
	}
	for _, g := range f.Groups {
		if !ocop.ValidGroup(g) {
			v.Add("groups", "unknown group %q: use thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich", g)
			break
		}
	}
	for _, c := range f.Categories {
		known := false
		for g, cats := range ocop.Categories {
			if slices.Contains(cats, c) && (len(f.Groups) == 0 || slices.Contains(f.Groups, string(g))) {
				known = true
			}
		}
		if !known {
			v.Add("categories", "%q is not a category of the fair's groups", c)
			break
		}
	}
	p := f.Meetings
	v.Check(p.SlotMinutes >= 10 && p.SlotMinutes <= 240, "meeting_slot_minutes", "must be 10 to 240 minutes")
	v.Check(p.DayStart >= 0 && p.DayEnd <= 24*60 && p.DayStart+p.SlotMinutes <= p.DayEnd, "meeting_day_end",
		"meetings need a day from meeting_day_start to meeting_day_end (HH:MM) long enough for one slot")
	v.Check(p.Tables >= 1 && p.Tables <= 500, "meeting_tables", "must be 1 to 500 tables")
	return v.Err()
}

// ClockMinutes reads HH:MM as minutes after midnight.
func ClockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// Clock writes minutes after midnight as HH:MM.
func Clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }
