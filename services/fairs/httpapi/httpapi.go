// Package httpapi is the fairs service's REST API: fairs and their floors,
// applications and bookings, buyers attending, B2B meetings and agendas.
package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

//go:embed openapi.json
var OpenAPI []byte

// API serves the fairs endpoints.
type API struct {
	app         *app.Fairs
	idempotency httpserver.IdempotencyStore
	now         func() time.Time
}

// New returns the API over the use cases.
func New(a *app.Fairs, idempotency httpserver.IdempotencyStore) *API {
	return &API{app: a, idempotency: idempotency, now: time.Now}
}

// Register adds the routes.
func (a *API) Register(e *echo.Echo) {
	idem := httpserver.Idempotent(a.idempotency)
	e.POST("/v1/fairs", a.createFair, idem)
	e.GET("/v1/fairs", a.listFairs)
	e.GET("/v1/fairs/:id", a.getFair)
	e.POST("/v1/fairs/:id/publish", a.publish)
	e.POST("/v1/fairs/:id/halls", a.addHall, idem)
	e.PUT("/v1/fairs/:id/booth-types/:type", a.setBoothType)
	e.POST("/v1/fairs/:id/booths", a.addBooth, idem)
	e.GET("/v1/fairs/:id/floorplan.svg", a.floorplan)
	e.POST("/v1/fairs/:id/applications", a.apply, idem)
	e.GET("/v1/fairs/:id/applications", a.applications)
	e.POST("/v1/fairs/:id/applications/:application_id/approve", a.decide(app.Approve))
	e.POST("/v1/fairs/:id/applications/:application_id/reject", a.decide(app.Reject))
	e.POST("/v1/fairs/:id/applications/:application_id/waitlist", a.decide(app.Waitlist))
	e.POST("/v1/fairs/:id/booths/:booth_id/bookings", a.book, idem)
	e.DELETE("/v1/fairs/:id/bookings/:booking_id", a.cancelBooking)
	e.GET("/v1/fairs/:id/exhibitors", a.exhibitors)
	e.POST("/v1/fairs/:id/participants", a.attend)
	e.POST("/v1/fairs/:id/checkins", a.checkIn)
	e.POST("/v1/fairs/:id/meetings", a.requestMeeting, idem)
	e.GET("/v1/fairs/:id/slots", a.freeSlots)
	e.GET("/v1/fairs/:id/agenda", a.agenda)
	e.GET("/v1/fairs/:id/agenda.ics", a.agendaICS)
	e.POST("/v1/meetings/:id/accept", a.actOnMeeting(app.AcceptMeeting))
	e.POST("/v1/meetings/:id/decline", a.actOnMeeting(app.DeclineMeeting))
	e.POST("/v1/meetings/:id/cancel", a.actOnMeeting(app.CancelMeeting))
	e.POST("/v1/meetings/:id/outcome", a.recordOutcome)
	e.GET("/v1/fairs/:id/stats", a.stats)
}

func who(c echo.Context) auth.Principal {
	p, _ := auth.FromContext(c.Request().Context())
	return p
}

type fairRequest struct {
	ID                  string   `json:"id"`
	OrganiserID         string   `json:"organiser_id"`
	Name                string   `json:"name"`
	Description         string   `json:"description"`
	Venue               string   `json:"venue"`
	Province            string   `json:"province"`
	Lat                 float64  `json:"lat"`
	Lon                 float64  `json:"lon"`
	StartsOn            string   `json:"starts_on"`
	EndsOn              string   `json:"ends_on"`
	Groups              []string `json:"groups"`
	Categories          []string `json:"categories"`
	ApplicationsOpenOn  string   `json:"applications_open_on"`
	ApplicationsCloseOn string   `json:"applications_close_on"`
	MeetingSlotMinutes  int      `json:"meeting_slot_minutes"`
	MeetingDayStart     string   `json:"meeting_day_start"`
	MeetingDayEnd       string   `json:"meeting_day_end"`
	MeetingTables       int      `json:"meeting_tables"`
}

type bookingJSON struct {
	ID         string    `json:"id"`
	FairID     string    `json:"fair_id"`
	BoothID    string    `json:"booth_id"`
	BoothCode  string    `json:"booth_code"`
	ProducerID string    `json:"producer_id"`
	BookedAt   time.Time `json:"booked_at"`
}

type boothJSON struct {
	ID       string       `json:"id"`
	FairID   string       `json:"fair_id"`
	HallID   string       `json:"hall_id,omitempty"`
	Code     string       `json:"code"`
	Type     string       `json:"type"`
	PriceVND int64        `json:"price_vnd"`
	X        int          `json:"x"`
	Y        int          `json:"y"`
	W        int          `json:"w"`
	H        int          `json:"h"`
	WidthM   *float64     `json:"width_m"`
	DepthM   *float64     `json:"depth_m"`
	Status   string       `json:"status"`
	Booking  *bookingJSON `json:"booking"`
}

type hallJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

type boothTypeJSON struct {
	Type     string   `json:"type"`
	PriceVND int64    `json:"price_vnd"`
	MinStars int      `json:"min_stars"`
	Groups   []string `json:"groups"`
}

type fairJSON struct {
	ID                  string          `json:"id"`
	OrganiserID         string          `json:"organiser_id"`
	Name                string          `json:"name"`
	Description         string          `json:"description"`
	Venue               string          `json:"venue"`
	Province            string          `json:"province"`
	Lat                 float64         `json:"lat"`
	Lon                 float64         `json:"lon"`
	StartsOn            string          `json:"starts_on"`
	EndsOn              string          `json:"ends_on"`
	Groups              []string        `json:"groups"`
	Categories          []string        `json:"categories"`
	ApplicationsOpenOn  string          `json:"applications_open_on"`
	ApplicationsCloseOn string          `json:"applications_close_on"`
	MeetingSlotMinutes  int             `json:"meeting_slot_minutes"`
	MeetingDayStart     string          `json:"meeting_day_start"`
	MeetingDayEnd       string          `json:"meeting_day_end"`
	MeetingTables       int             `json:"meeting_tables"`
	Status              string          `json:"status"`
	Phase               string          `json:"phase"`
	Version             int64           `json:"version"`
	CreatedAt           time.Time       `json:"created_at"`
	Halls               []hallJSON      `json:"halls"`
	BoothTypes          []boothTypeJSON `json:"booth_types"`
	Booths              []boothJSON     `json:"booths"`
}

func toBookingJSON(b domain.Booking) *bookingJSON {
	return &bookingJSON{ID: b.ID, FairID: b.FairID, BoothID: b.BoothID, BoothCode: b.BoothCode, ProducerID: b.ProducerID, BookedAt: b.BookedAt}
}

func toBoothJSON(b domain.Booth) boothJSON {
	out := boothJSON{ID: b.ID, FairID: b.FairID, HallID: b.HallID, Code: b.Code, Type: b.Type, PriceVND: b.PriceVND,
		X: b.X, Y: b.Y, W: b.W, H: b.H, WidthM: b.WidthM, DepthM: b.DepthM, Status: "available"}
	if b.Booking != nil {
		out.Status = "booked"
		out.Booking = toBookingJSON(*b.Booking)
	}
	return out
}

func toFairJSON(fl app.Floor) fairJSON {
	f := fl.Fair
	out := fairJSON{
		ID: f.ID, OrganiserID: f.OrganiserID, Name: f.Name, Description: f.Description, Venue: f.Venue, Province: f.Province,
		Lat: f.Lat, Lon: f.Lon, StartsOn: f.StartsOn.Format(ocop.DateLayout), EndsOn: f.EndsOn.Format(ocop.DateLayout),
		Groups: f.Groups, Categories: f.Categories, ApplicationsOpenOn: f.ApplicationsOpenOn.Format(ocop.DateLayout),
		ApplicationsCloseOn: f.ApplicationsCloseOn.Format(ocop.DateLayout), MeetingSlotMinutes: f.Meetings.SlotMinutes,
		MeetingDayStart: domain.Clock(f.Meetings.DayStart), MeetingDayEnd: domain.Clock(f.Meetings.DayEnd),
		MeetingTables: f.Meetings.Tables, Status: string(f.Status), Phase: string(fl.Phase), Version: f.Version,
		CreatedAt: f.CreatedAt, Halls: []hallJSON{}, BoothTypes: []boothTypeJSON{}, Booths: []boothJSON{},
	}
	for _, h := range fl.Halls {
		out.Halls = append(out.Halls, hallJSON{h.ID, h.Name, h.Width, h.Height})
	}
	for _, t := range fl.BoothTypes {
		out.BoothTypes = append(out.BoothTypes, boothTypeJSON{t.Type, t.PriceVND, t.MinStars, t.Groups})
	}
	for _, b := range fl.Booths {
		out.Booths = append(out.Booths, toBoothJSON(b))
	}
	return out
}

func parseDate(v *errs.Validation, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(ocop.DateLayout, s)
	if err != nil {
		v.Add(field, "must be a date written YYYY-MM-DD, not %q", s)
	}
	return t
}

func parseClock(v *errs.Validation, field, s string, def int) int {
	if s == "" {
		return def
	}
	m, ok := domain.ClockMinutes(s)
	if !ok {
		v.Add(field, "must be a time of day written HH:MM, not %q", s)
	}
	return m
}

func (a *API) createFair(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req fairRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	var v errs.Validation
	plan := domain.DefaultMeetingPlan
	if req.MeetingSlotMinutes != 0 {
		plan.SlotMinutes = req.MeetingSlotMinutes
	}
	if req.MeetingTables != 0 {
		plan.Tables = req.MeetingTables
	}
	plan.DayStart = parseClock(&v, "meeting_day_start", req.MeetingDayStart, plan.DayStart)
	plan.DayEnd = parseClock(&v, "meeting_day_end", req.MeetingDayEnd, plan.DayEnd)
	f := domain.Fair{
		ID: req.ID, OrganiserID: req.OrganiserID, Name: req.Name, Description: req.Description, Venue: req.Venue,
		Province: req.Province, Lat: req.Lat, Lon: req.Lon, Groups: req.Groups, Categories: req.Categories, Meetings: plan,
		StartsOn: parseDate(&v, "starts_on", req.StartsOn), EndsOn: parseDate(&v, "ends_on", req.EndsOn),
		ApplicationsOpenOn:  parseDate(&v, "applications_open_on", req.ApplicationsOpenOn),
		ApplicationsCloseOn: parseDate(&v, "applications_close_on", req.ApplicationsCloseOn),
	}
	if err := v.Err(); err != nil {
		f.Normalise(ocop.Today(a.now()))
		v.Merge("", f.Validate())
		return v.Err()
	}
	created, err := a.app.CreateFair(ctx, p, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/fairs/"+created.ID)
	return c.JSON(http.StatusCreated, toFairJSON(app.Floor{Fair: created, Phase: created.Phase(ocop.Today(a.now()))}))
}

func (a *API) listFairs(c echo.Context) error {
	limit := 50
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			var v errs.Validation
			v.Add("limit", "must be a whole number from 1 to 200")
			return v.Err()
		}
		limit = n
	}
	fs, err := a.app.ListFairs(c.Request().Context(), limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []fairJSON `json:"items"`
	}{Items: []fairJSON{}}
	for _, f := range fs {
		out.Items = append(out.Items, toFairJSON(app.Floor{Fair: f, Phase: f.Phase(ocop.Today(a.now()))}))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getFair(c echo.Context) error {
	fl, err := a.app.Fair(c.Request().Context(), who(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFairJSON(fl))
}

func (a *API) publish(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	f, err := a.app.Publish(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFairJSON(app.Floor{Fair: f, Phase: f.Phase(ocop.Today(a.now()))}))
}

func (a *API) addHall(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req hallJSON
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	h, err := a.app.AddHall(ctx, p, c.Param("id"), domain.Hall{Name: req.Name, Width: req.Width, Height: req.Height})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, hallJSON{h.ID, h.Name, h.Width, h.Height})
}

func (a *API) setBoothType(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		PriceVND int64    `json:"price_vnd"`
		MinStars int      `json:"min_stars"`
		Groups   []string `json:"groups"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	t, err := a.app.SetBoothType(ctx, p, domain.BoothType{FairID: c.Param("id"), Type: c.Param("type"), PriceVND: req.PriceVND,
		MinStars: req.MinStars, Groups: req.Groups})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, boothTypeJSON{t.Type, t.PriceVND, t.MinStars, t.Groups})
}

func (a *API) addBooth(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		Code     string   `json:"code"`
		Type     string   `json:"type"`
		PriceVND int64    `json:"price_vnd"`
		HallID   string   `json:"hall_id"`
		X        int      `json:"x"`
		Y        int      `json:"y"`
		W        int      `json:"w"`
		H        int      `json:"h"`
		WidthM   *float64 `json:"width_m"`
		DepthM   *float64 `json:"depth_m"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	b, err := a.app.AddBooth(ctx, p, c.Param("id"), domain.Booth{Code: req.Code, Type: req.Type, PriceVND: req.PriceVND,
		HallID: req.HallID, X: req.X, Y: req.Y, W: req.W, H: req.H, WidthM: req.WidthM, DepthM: req.DepthM})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/fairs/"+b.FairID)
	return c.JSON(http.StatusCreated, toBoothJSON(b))
}

func (a *API) stats(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	s, err := a.app.Stats(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s)
}
