package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

type meetingJSON struct {
	ID          string    `json:"id"`
	FairID      string    `json:"fair_id"`
	BuyerID     string    `json:"buyer_id"`
	ProducerID  string    `json:"producer_id"`
	RequestedBy string    `json:"requested_by"`
	Table       int       `json:"table"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	Status      string    `json:"status"`
	RequestedAt time.Time `json:"requested_at"`
	Held        *bool     `json:"held"`
}

func toMeetingJSON(m domain.Meeting) meetingJSON {
	return meetingJSON{m.ID, m.FairID, m.BuyerID, m.ProducerID, m.RequestedBy, m.Table, m.StartsAt, m.EndsAt, string(m.Status), m.RequestedAt, m.Held}
}

func (a *API) requestMeeting(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleBuyer, auth.RoleProducer)
	if err != nil {
		return err
	}
	var req struct {
		With     string `json:"with"`
		StartsAt string `json:"starts_at"`
		Table    int    `json:"table"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339, req.StartsAt)
	if err != nil {
		var v errs.Validation
		v.Add("starts_at", "must be a time written RFC 3339, e.g. 2026-12-10T09:00:00+07:00")
		return v.Err()
	}
	m, err := a.app.RequestMeeting(ctx, p, c.Param("id"), app.MeetingRequest{With: req.With, StartsAt: at, Table: req.Table})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toMeetingJSON(m))
}

func (a *API) actOnMeeting(action app.MeetingAction) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		p, err := auth.Require(ctx, auth.RoleBuyer, auth.RoleProducer)
		if err != nil {
			return err
		}
		m, err := a.app.ActOnMeeting(ctx, p, c.Param("id"), action)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toMeetingJSON(m))
	}
}

func (a *API) recordOutcome(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleBuyer, auth.RoleProducer)
	if err != nil {
		return err
	}
	var req struct {
		Held *bool `json:"held"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	if req.Held == nil {
		var v errs.Validation
		v.Add("held", "is required: true if the meeting took place, false for a no-show")
		return v.Err()
	}
	m, err := a.app.RecordOutcome(ctx, p, c.Param("id"), *req.Held)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toMeetingJSON(m))
}

func (a *API) freeSlots(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleBuyer, auth.RoleProducer)
	if err != nil {
		return err
	}
	slots, err := a.app.FreeSlots(ctx, p, c.Param("id"), c.QueryParam("with"))
	if err != nil {
		return err
	}
	type slotJSON struct {
		StartsAt   time.Time `json:"starts_at"`
		FreeTables int       `json:"free_tables"`
	}
	out := struct {
		Items []slotJSON `json:"items"`
	}{Items: []slotJSON{}}
	for _, s := range slots {
		out.Items = append(out.Items, slotJSON{s.StartsAt, s.FreeTables})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) agenda(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	_, ms, err := a.app.Agenda(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []meetingJSON `json:"items"`
	}{Items: []meetingJSON{}}
	for _, m := range ms {
		out.Items = append(out.Items, toMeetingJSON(m))
	}
	return c.JSON(http.StatusOK, out)
}

// agendaICS is the agenda as an iCalendar file (RFC 5545) a phone's calendar
// imports: one event per meeting, tentative until accepted.
func (a *API) agendaICS(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	f, ms, err := a.app.Agenda(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.ID+`-agenda.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", []byte(ICS(f, ms, a.now())))
}

// ICS writes meetings as an iCalendar file.
func ICS(f domain.Fair, ms []domain.Meeting, now time.Time) string {
	const stamp = "20060102T150405Z"
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)); b.WriteString("\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//OCOP//Fairs//VI")
	line("CALSCALE:GREGORIAN")
	line("X-WR-CALNAME:" + escapeICS(f.Name))
	for _, m := range ms {
		status := "TENTATIVE"
		if m.Status == domain.MeetingAccepted {
			status = "CONFIRMED"
		}
		line("BEGIN:VEVENT")
		line("UID:" + m.ID + "@ocop")
		line("DTSTAMP:" + now.UTC().Format(stamp))
		line("DTSTART:" + m.StartsAt.UTC().Format(stamp))
		line("DTEND:" + m.EndsAt.UTC().Format(stamp))
		line("SUMMARY:" + escapeICS(fmt.Sprintf("Gặp gỡ B2B: %s – %s", m.BuyerID, m.ProducerID)))
		line("LOCATION:" + escapeICS(fmt.Sprintf("%s, %s – bàn %d", f.Name, f.Venue, m.Table)))
		line("DESCRIPTION:" + escapeICS(fmt.Sprintf("Người mua %s gặp nhà sản xuất %s tại bàn %d.", m.BuyerID, m.ProducerID, m.Table)))
		line("STATUS:" + status)
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// foldICS folds a line at 75 octets, as RFC 5545 asks, without splitting a
// UTF-8 character.
func foldICS(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	return b.String()
}
