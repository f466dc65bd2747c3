// Package httpapi is the fairs service's REST API: fairs, booths and bookings under /v1.
package httpapi

import (
	_ "embed"
	"net/http"
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
}

// New returns the API over the use cases.
func New(a *app.Fairs, idempotency httpserver.IdempotencyStore) *API {
	return &API{app: a, idempotency: idempotency}
}

// Register adds the routes.
func (a *API) Register(e *echo.Echo) {
	idem := httpserver.Idempotent(a.idempotency)
	e.POST("/v1/fairs", a.createFair, idem)
	e.GET("/v1/fairs/:id", a.getFair)
	e.POST("/v1/fairs/:id/booths", a.addBooth, idem)
	e.POST("/v1/fairs/:id/booths/:booth_id/bookings", a.book, idem)
}

type fairRequest struct {
	ID          string   `json:"id"`
	OrganiserID string   `json:"organiser_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Venue       string   `json:"venue"`
	Province    string   `json:"province"`
	Lat         float64  `json:"lat"`
	Lon         float64  `json:"lon"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on"`
	Groups      []string `json:"groups"`
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
	Code     string       `json:"code"`
	Type     string       `json:"type"`
	PriceVND int64        `json:"price_vnd"`
	WidthM   float64      `json:"width_m"`
	DepthM   float64      `json:"depth_m"`
	Status   string       `json:"status"`
	Booking  *bookingJSON `json:"booking"`
}

type fairJSON struct {
	ID          string      `json:"id"`
	OrganiserID string      `json:"organiser_id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Venue       string      `json:"venue"`
	Province    string      `json:"province"`
	Lat         float64     `json:"lat"`
	Lon         float64     `json:"lon"`
	StartsOn    string      `json:"starts_on"`
	EndsOn      string      `json:"ends_on"`
	Groups      []string    `json:"groups"`
	Status      string      `json:"status"`
	Version     int64       `json:"version"`
	CreatedAt   time.Time   `json:"created_at"`
	Booths      []boothJSON `json:"booths"`
}

func toBookingJSON(b domain.Booking) *bookingJSON {
	return &bookingJSON{ID: b.ID, FairID: b.FairID, BoothID: b.BoothID, BoothCode: b.BoothCode, ProducerID: b.ProducerID, BookedAt: b.BookedAt}
}

func toBoothJSON(b domain.Booth) boothJSON {
	out := boothJSON{ID: b.ID, FairID: b.FairID, Code: b.Code, Type: b.Type, PriceVND: b.PriceVND, WidthM: b.WidthM, DepthM: b.DepthM, Status: "available"}
	if b.Booking != nil {
		out.Status = "booked"
		out.Booking = toBookingJSON(*b.Booking)
	}
	return out
}

func toFairJSON(f domain.Fair, booths []domain.Booth) fairJSON {
	out := fairJSON{
		ID: f.ID, OrganiserID: f.OrganiserID, Name: f.Name, Description: f.Description, Venue: f.Venue, Province: f.Province,
		Lat: f.Lat, Lon: f.Lon, StartsOn: f.StartsOn.Format(ocop.DateLayout), EndsOn: f.EndsOn.Format(ocop.DateLayout),
		Groups: f.Groups, Status: string(f.Status), Version: f.Version, CreatedAt: f.CreatedAt, Booths: []boothJSON{},
	}
	for _, b := range booths {
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

func (a *API) createFair(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req fairRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	var v errs.Validation
	f := domain.Fair{
		ID: req.ID, OrganiserID: req.OrganiserID, Name: req.Name, Description: req.Description, Venue: req.Venue,
		Province: req.Province, Lat: req.Lat, Lon: req.Lon, Groups: req.Groups,
		StartsOn: parseDate(&v, "starts_on", req.StartsOn), EndsOn: parseDate(&v, "ends_on", req.EndsOn),
	}
	if err := v.Err(); err != nil {
		f.Normalise()
		v.Merge("", f.Validate())
		return v.Err()
	}
	created, err := a.app.CreateFair(ctx, who, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/fairs/"+created.ID)
	return c.JSON(http.StatusCreated, toFairJSON(created, nil))
}

func (a *API) getFair(c echo.Context) error {
	f, booths, err := a.app.Fair(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFairJSON(f, booths))
}

type boothRequest struct {
	Code     string  `json:"code"`
	Type     string  `json:"type"`
	PriceVND int64   `json:"price_vnd"`
	WidthM   float64 `json:"width_m"`
	DepthM   float64 `json:"depth_m"`
}

func (a *API) addBooth(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req boothRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	b, err := a.app.AddBooth(ctx, who, c.Param("id"), domain.Booth{
		Code: req.Code, Type: req.Type, PriceVND: req.PriceVND, WidthM: req.WidthM, DepthM: req.DepthM,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/fairs/"+b.FairID)
	return c.JSON(http.StatusCreated, toBoothJSON(b))
}

func (a *API) book(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer)
	if err != nil {
		return err
	}
	bk, err := a.app.Book(ctx, who, c.Param("id"), c.Param("booth_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBookingJSON(bk))
}
