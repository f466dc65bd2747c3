// Package delivery takes notifications beyond the stored inbox: signed
// webhooks in the Standard Webhooks format, e-mail in Vietnamese and
// English, and each recipient's preferences (interests, quiet hours, a
// daily digest, a cap on e-mails per hour). Retries run on River, a job
// queue in PostgreSQL, so a delivery's state commits with the notification.
package delivery

import (
	"net/mail"
	"slices"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// Preferences are what a recipient wants told, where and when. The inbox
// and the live stream always hold everything told; preferences decide what
// is told at all (interests) and how e-mail arrives (quiet hours, digest).
type Preferences struct {
	// Email turns e-mail on, to Address.
	Email   bool   `json:"email"`
	Address string `json:"email_address,omitempty"`
	// Webhooks turns the organisation's webhooks on (on by default).
	Webhooks bool `json:"webhooks"`
	// Language of e-mails: vi or en.
	Language string `json:"language"`
	// Groups and Categories, when set, are the only ones a producer hears
	// of demands for.
	Groups     []string `json:"groups"`
	Categories []string `json:"categories"`
	// MinScore is the least match score worth a notification (0..1).
	MinScore float64 `json:"min_score"`
	// QuietHours hold e-mails until they end, in Vietnam time ("21:00"–"07:00").
	QuietHours *QuietHours `json:"quiet_hours"`
	// Digest sends every e-mail in one daily digest instead of one by one.
	Digest bool `json:"digest"`
	// MaxPerHour caps e-mails sent one by one; the rest wait for the digest.
	MaxPerHour int `json:"max_per_hour"`
}

// QuietHours is a daily span, possibly over midnight.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Defaults are the preferences of a recipient who set none.
func Defaults() Preferences {
	return Preferences{Webhooks: true, Language: "vi", Groups: []string{}, Categories: []string{}, MaxPerHour: 5}
}

// Validate lists every bad field.
func (p Preferences) Validate() error {
	var v errs.Validation
	if p.Email || p.Address != "" {
		a, err := mail.ParseAddress(p.Address)
		v.Check(err == nil && a.Address == p.Address, "email_address", "must be an e-mail address such as htx@example.vn, to turn e-mail on")
	}
	v.Check(p.Language == "vi" || p.Language == "en", "language", "must be vi or en")
	for _, g := range p.Groups {
		v.Check(ocop.ValidGroup(g), "groups", "%q is not an OCOP group", g)
	}
	for _, c := range p.Categories {
		v.Check(validCategory(c), "categories", "%q is not an OCOP category", c)
	}
	v.Check(p.MinScore >= 0 && p.MinScore <= 1, "min_score", "must be between 0 and 1")
	if q := p.QuietHours; q != nil {
		_, errStart := time.Parse("15:04", q.Start)
		_, errEnd := time.Parse("15:04", q.End)
		v.Check(errStart == nil, "quiet_hours.start", "must be a time such as 21:00")
		v.Check(errEnd == nil, "quiet_hours.end", "must be a time such as 07:00")
		v.Check(q.Start != q.End, "quiet_hours", "start and end must differ")
	}
	v.Check(p.MaxPerHour >= 1 && p.MaxPerHour <= 60, "max_per_hour", "must be between 1 and 60")
	return v.Err()
}

func validCategory(c string) bool {
	for _, g := range ocop.Groups {
		if ocop.ValidCategory(string(g), c) {
			return true
		}
	}
	return false
}

// Wants reports whether a match of a product (group, category) with a score
// is worth telling this recipient.
func (p Preferences) Wants(group, category string, score float64) bool {
	if len(p.Groups) > 0 && !slices.Contains(p.Groups, group) {
		return false
	}
	if len(p.Categories) > 0 && !slices.Contains(p.Categories, category) {
		return false
	}
	return score >= p.MinScore
}

// QuietUntil returns when the quiet hours around t end, or false when t is
// not in quiet hours.
func (p Preferences) QuietUntil(t time.Time) (time.Time, bool) {
	q := p.QuietHours
	if q == nil {
		return time.Time{}, false
	}
	start, err1 := time.Parse("15:04", q.Start)
	end, err2 := time.Parse("15:04", q.End)
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	local := t.In(ocop.Vietnam)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, ocop.Vietnam)
	at := func(d time.Time, c time.Time) time.Time {
		return d.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute)
	}
	s, e := at(day, start), at(day, end)
	switch {
	case s.Before(e): // same day, e.g. 12:00–13:30
		if !local.Before(s) && local.Before(e) {
			return e, true
		}
	case !local.Before(s): // over midnight, evening part
		return at(day.AddDate(0, 0, 1), end), true
	case local.Before(e): // over midnight, morning part
		return e, true
	}
	return time.Time{}, false
}
