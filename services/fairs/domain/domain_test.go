package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

func validFair() Fair {
	f := Fair{Name: "Hội chợ OCOP Bắc Ninh", Venue: "Nhà thi đấu tỉnh", Province: "Bắc Giang", Lat: 21.27, Lon: 106.19,
		StartsOn: day("2026-12-10"), EndsOn: day("2026-12-12"), Groups: []string{"thuc_pham", "do_uong", "thuc_pham"},
		ApplicationsOpenOn: day("2026-11-01"), ApplicationsCloseOn: day("2026-12-05"), Status: FairPublished}
	f.Normalise(day("2026-11-01"))
	return f
}

func fields(t *testing.T, err error) []string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestFairNormaliseAndValidate(t *testing.T) {
	f := validFair()
	if f.Province != "Bắc Ninh" || !slices.Equal(f.Groups, []string{"do_uong", "thuc_pham"}) || f.Meetings != DefaultMeetingPlan {
		t.Fatalf("normalised = %+v", f)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	bare := Fair{Name: "x", Venue: "y", Province: "Hà Nội", Lat: 21, Lon: 105.8, StartsOn: day("2026-12-10"), EndsOn: day("2026-12-10")}
	bare.Normalise(day("2026-11-20"))
	if !bare.ApplicationsOpenOn.Equal(day("2026-11-20")) || !bare.ApplicationsCloseOn.Equal(day("2026-12-09")) {
		t.Fatalf("defaults: applications %s–%s", bare.ApplicationsOpenOn, bare.ApplicationsCloseOn)
	}
}

func TestFairRules(t *testing.T) {
	cases := map[string]struct {
		change func(*Fair)
		field  string
	}{
		"no name":               {func(f *Fair) { f.Name = "" }, "name"},
		"no venue":              {func(f *Fair) { f.Venue = "" }, "venue"},
		"bad id":                {func(f *Fair) { f.ID = "Fair BN" }, "id"},
		"long description":      {func(f *Fair) { f.Description = strings.Repeat("x", maxDescription+1) }, "description"},
		"no start":              {func(f *Fair) { f.StartsOn = time.Time{} }, "starts_on"},
		"no end":                {func(f *Fair) { f.EndsOn = time.Time{} }, "ends_on"},
		"longer than 60 days":   {func(f *Fair) { f.EndsOn = day("2027-02-09") }, "ends_on"},
		"no longitude":          {func(f *Fair) { f.Lon = 0 }, "lat"},
		"unknown province":      {func(f *Fair) { f.Province = "Atlantis" }, "province"},
		"abroad":                {func(f *Fair) { f.Lat = 48 }, "lat"},
		"ends before":           {func(f *Fair) { f.EndsOn = day("2026-12-01"); f.ApplicationsCloseOn = day("2026-11-30") }, "ends_on"},
		"unknown group":         {func(f *Fair) { f.Groups = []string{"food"} }, "groups"},
		"category of no group":  {func(f *Fair) { f.Categories = []string{"homestay"} }, "categories"},
		"window after the fair": {func(f *Fair) { f.ApplicationsCloseOn = day("2026-12-20") }, "applications_close_on"},
		"window reversed":       {func(f *Fair) { f.ApplicationsOpenOn = day("2026-12-06") }, "applications_close_on"},
		"tiny slots":            {func(f *Fair) { f.Meetings.SlotMinutes = 5 }, "meeting_slot_minutes"},
		"no tables":             {func(f *Fair) { f.Meetings.Tables = 0 }, "meeting_tables"},
		"day ends before start": {func(f *Fair) { f.Meetings.DayEnd = f.Meetings.DayStart }, "meeting_day_end"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := validFair()
			tc.change(&f)
			if got := fields(t, f.Validate()); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("fields = %v, want [%s]", got, tc.field)
			}
		})
	}
}

func TestFairListsEveryBadField(t *testing.T) {
	f := Fair{ID: "Bad ID", Province: "Atlantis", Lat: 48, Lon: 2, Groups: []string{"food"}}
	f.Normalise(day("2026-11-01"))
	want := []string{"ends_on", "groups", "id", "lat", "name", "province", "starts_on", "venue"}
	if got := fields(t, f.Validate()); !slices.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestProvinceIsStoredByItsCurrentName(t *testing.T) {
	f := validFair()
	if f.Province != "Bắc Ninh" {
		t.Fatalf("Bắc Giang merged into Bắc Ninh in 2025, got %q", f.Province)
	}
	f.Province = "Bắc Giang"
	if got := fields(t, f.Validate()); !slices.Equal(got, []string{"province"}) {
		t.Fatalf("an un-normalised pre-2025 name is not stored: fields = %v", got)
	}
}

func TestPhaseFollowsTheCalendar(t *testing.T) {
	f := validFair()
	cases := map[string]Phase{
		"2026-10-31": PhasePublished, "2026-11-01": PhaseApplicationsOpen, "2026-12-05": PhaseApplicationsOpen,
		"2026-12-06": PhaseApplicationsClosed, "2026-12-10": PhaseRunning, "2026-12-12": PhaseRunning, "2026-12-13": PhaseFinished,
	}
	for d, want := range cases {
		if got := f.Phase(day(d)); got != want {
			t.Errorf("Phase(%s) = %s, want %s", d, got, want)
		}
	}
	f.Status = FairDraft
	if f.Phase(day("2026-12-10")) != PhaseDraft {
		t.Error("a draft is a draft whatever the day")
	}
}

func TestSlots(t *testing.T) {
	f := validFair()
	f.Meetings = MeetingPlan{SlotMinutes: 60, DayStart: 9 * 60, DayEnd: 12 * 60, Tables: 2}
	slots := f.Slots()
	if len(slots) != 9 {
		t.Fatalf("%d slots, want 3 a day for 3 days", len(slots))
	}
	first := time.Date(2026, 12, 10, 9, 0, 0, 0, ocop.Vietnam)
	if !slots[0].Equal(first) || !f.IsSlot(first) || f.IsSlot(first.Add(30*time.Minute)) {
		t.Fatalf("first slot %s", slots[0])
	}
}

func TestBoothTypeRules(t *testing.T) {
	premium := BoothType{Type: "pavilion", PriceVND: 10_000_000, MinStars: 4, Groups: []string{"thuc_pham"}}
	on := day("2026-11-20")
	good := Product{Name: "Vải sấy", Group: "thuc_pham", Stars: 4, ExpiresOn: day("2027-03-03")}
	cases := map[string]struct {
		p  Product
		ok bool
	}{
		"fits":        {good, true},
		"three stars": {Product{Name: "Mật ong", Group: "thuc_pham", Stars: 3, ExpiresOn: day("2027-03-03")}, false},
		"other group": {Product{Name: "Rượu", Group: "do_uong", Stars: 5, ExpiresOn: day("2027-03-03")}, false},
		"lapsed":      {Product{Name: "Chè", Group: "thuc_pham", Stars: 5, ExpiresOn: day("2026-11-20")}, false},
	}
	for name, tc := range cases {
		ok, why := premium.Admits([]Product{tc.p}, on)
		if ok != tc.ok || (!ok && why == "") {
			t.Errorf("%s: Admits = %v %q", name, ok, why)
		}
	}
}

func TestBoothPlacement(t *testing.T) {
	hall := Hall{ID: "h", Width: 10, Height: 6}
	a := Booth{HallID: "h", X: 0, Y: 0, W: 3, H: 2}
	if !a.Fits(hall) || (Booth{HallID: "h", X: 8, Y: 0, W: 3, H: 1}).Fits(hall) {
		t.Fatal("Fits")
	}
	if !a.Overlaps(Booth{HallID: "h", X: 2, Y: 1, W: 2, H: 2}) || a.Overlaps(Booth{HallID: "h", X: 3, Y: 0, W: 2, H: 2}) {
		t.Fatal("Overlaps")
	}
	if a.Overlaps(Booth{HallID: "other", X: 0, Y: 0, W: 3, H: 2}) {
		t.Fatal("booths of two halls never overlap")
	}
	bad := Booth{Code: "", Type: "tent", PriceVND: -1, HallID: "h", W: 0}
	if got := fields(t, bad.Validate()); !slices.Equal(got, []string{"code", "price_vnd", "type", "w"}) {
		t.Fatalf("fields = %v", got)
	}
}

func TestBoothRules(t *testing.T) {
	metres := func(m float64) *float64 { return &m }
	cases := map[string]struct {
		change func(*Booth)
		field  string
	}{
		"no code":          {func(b *Booth) { b.Code = "" }, "code"},
		"long code":        {func(b *Booth) { b.Code = strings.Repeat("A", maxCode+1) }, "code"},
		"unknown type":     {func(b *Booth) { b.Type = "tent" }, "type"},
		"negative price":   {func(b *Booth) { b.PriceVND = -1 }, "price_vnd"},
		"absurd price":     {func(b *Booth) { b.PriceVND = maxPriceVND + 1 }, "price_vnd"},
		"zero width":       {func(b *Booth) { b.WidthM = metres(0) }, "width_m"},
		"negative depth":   {func(b *Booth) { b.DepthM = metres(-3) }, "depth_m"},
		"huge width":       {func(b *Booth) { b.WidthM = metres(maxBoothMetres + 1) }, "width_m"},
		"off the grid":     {func(b *Booth) { b.HallID, b.X, b.W, b.H = "h", -1, 1, 1 }, "x"},
		"no size on grid":  {func(b *Booth) { b.HallID = "h" }, "w"},
		"too big for grid": {func(b *Booth) { b.HallID, b.W, b.H = "h", maxBoothSide+1, 1 }, "w"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := Booth{Code: " a-01 ", Type: "corner", PriceVND: 4_000_000, WidthM: metres(3), DepthM: metres(3)}
			b.Normalise()
			if b.Code != "A-01" {
				t.Fatalf("code normalised to %q", b.Code)
			}
			if err := b.Validate(); err != nil {
				t.Fatalf("the valid booth: %v", err)
			}
			tc.change(&b)
			if got := fields(t, b.Validate()); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("fields = %v, want [%s]", got, tc.field)
			}
		})
	}
}

func TestApplicationAndMeetingTransitions(t *testing.T) {
	now := time.Now()
	a := Application{ID: "a", Status: ApplicationSubmitted}
	if a.Decide(ApplicationWaitlisted, now) != nil || a.Decide(ApplicationApproved, now) != nil {
		t.Fatal("submitted → waitlisted → approved")
	}
	if a.Decide(ApplicationRejected, now) == nil {
		t.Fatal("an approval is final")
	}
	m := Meeting{ID: "m", Status: MeetingRequested, StartsAt: now.Add(time.Hour)}
	if m.RecordOutcome(true, now) == nil {
		t.Fatal("a request takes no outcome")
	}
	if m.Answer(true, now) != nil || m.Status != MeetingAccepted || m.Answer(false, now) == nil {
		t.Fatal("answered once")
	}
	if m.RecordOutcome(true, now) == nil {
		t.Fatal("no outcome before the start")
	}
	if m.RecordOutcome(false, now.Add(2*time.Hour)) != nil || *m.Held {
		t.Fatal("a no-show is recorded")
	}
	if !MeetingRequested.Holds() || MeetingDeclined.Holds() {
		t.Fatal("Holds")
	}
}

func TestClock(t *testing.T) {
	if m, ok := ClockMinutes("08:30"); !ok || m != 510 || Clock(510) != "08:30" {
		t.Fatal("clock round trip")
	}
	if _, ok := ClockMinutes("25:00"); ok {
		t.Fatal("25:00 accepted")
	}
}
