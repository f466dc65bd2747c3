// Package httpapi is the demand service's REST API: buyers' purchase demands under /v1.
package httpapi

import (
	_ "embed"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/domain"
)

//go:embed openapi.json
var OpenAPI []byte

// API serves the demand endpoints.
type API struct {
	app         *app.Demands
	idempotency httpserver.IdempotencyStore
}

// New returns the API over the use cases.
func New(a *app.Demands, idempotency httpserver.IdempotencyStore) *API {
	return &API{app: a, idempotency: idempotency}
}

// Register adds the routes.
func (a *API) Register(e *echo.Echo) {
	idem := httpserver.Idempotent(a.idempotency)
	e.POST("/v1/demands", a.post, idem)
	e.GET("/v1/demands/:id", a.get)
	e.PATCH("/v1/demands/:id", a.patch)
	e.POST("/v1/demands/:id/publish", a.publish)
	e.POST("/v1/demands/:id/close", a.close)
	e.GET("/v1/demands", a.list)
	e.POST("/v1/demands/:id/quotes", a.submitQuote, idem)
	e.GET("/v1/demands/:id/quotes", a.quotes)
	e.GET("/v1/quotes/:id", a.quote)
	e.POST("/v1/quotes/:id/shortlist", a.decide(app.Shortlist))
	e.POST("/v1/quotes/:id/accept", a.decide(app.Accept))
	e.POST("/v1/quotes/:id/reject", a.decide(app.Reject))
	e.GET("/v1/deals", a.deals)
	e.GET("/v1/deals/:id", a.deal)
	e.POST("/v1/deals/:id/stages", a.recordStage)
	e.POST("/v1/buyers", a.registerBuyer, idem)
	e.GET("/v1/buyers/:id", a.buyer)
	e.PATCH("/v1/buyers/:id", a.patchBuyer)
	e.GET("/v1/stats", a.stats)
}

// demandRequest has the field names of the buyer-demand data set, so its
// demands can be posted as they are.
type demandRequest struct {
	ID                     string   `json:"id"`
	BuyerKind              string   `json:"buyer_kind"`
	Title                  string   `json:"title"`
	Text                   string   `json:"text"`
	Group                  *string  `json:"group"`
	Quantity               float64  `json:"quantity"`
	Unit                   string   `json:"unit"`
	MaxPriceVND            *int64   `json:"max_price_vnd"`
	MinStars               *int     `json:"min_stars"`
	RequiredCertifications []string `json:"required_certifications"`
	DeliveryProvince       string   `json:"delivery_province"`
	DeliveryLat            *float64 `json:"delivery_lat"`
	DeliveryLon            *float64 `json:"delivery_lon"`
	NeededBy               *string  `json:"needed_by"`
	Public                 bool     `json:"public"`
	// Status "draft" keeps the demand from matching until it is published.
	Status string `json:"status"`
}

type demandJSON struct {
	ID                     string    `json:"id"`
	BuyerID                string    `json:"buyer_id"`
	BuyerKind              string    `json:"buyer_kind"`
	Title                  string    `json:"title"`
	Text                   string    `json:"text"`
	Group                  *string   `json:"group"`
	Quantity               float64   `json:"quantity"`
	Unit                   string    `json:"unit"`
	MaxPriceVND            *int64    `json:"max_price_vnd"`
	MinStars               *int      `json:"min_stars"`
	RequiredCertifications []string  `json:"required_certifications"`
	DeliveryProvince       string    `json:"delivery_province"`
	DeliveryLat            float64   `json:"delivery_lat"`
	DeliveryLon            float64   `json:"delivery_lon"`
	NeededBy               *string   `json:"needed_by"`
	Public                 bool      `json:"public"`
	Status                 string    `json:"status"`
	ClosedReason           string    `json:"closed_reason,omitempty"`
	Version                int64     `json:"version"`
	PostedAt               time.Time `json:"posted_at"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func toJSON(d domain.Demand) demandJSON {
	out := demandJSON{
		ID: d.ID, BuyerID: d.BuyerID, BuyerKind: d.BuyerKind, Title: d.Title, Text: d.Text, Quantity: d.Quantity,
		Unit: d.Unit, MaxPriceVND: d.MaxPriceVND, RequiredCertifications: d.RequiredCertifications,
		DeliveryProvince: d.DeliveryProvince, DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon,
		Public: d.Public, Status: string(d.Status), ClosedReason: d.ClosedReason, Version: d.Version,
		PostedAt: d.PostedAt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if out.RequiredCertifications == nil {
		out.RequiredCertifications = []string{}
	}
	if d.Group != "" {
		out.Group = &d.Group
	}
	if d.MinStars != 0 {
		out.MinStars = &d.MinStars
	}
	if d.NeededBy != nil {
		s := d.NeededBy.Format(ocop.DateLayout)
		out.NeededBy = &s
	}
	return out
}

func (a *API) post(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleBuyer)
	if err != nil {
		return err
	}
	var req demandRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	d := domain.Demand{
		ID: req.ID, BuyerKind: req.BuyerKind, Title: req.Title, Text: req.Text, Quantity: req.Quantity, Unit: req.Unit,
		MaxPriceVND: req.MaxPriceVND, RequiredCertifications: req.RequiredCertifications,
		DeliveryProvince: req.DeliveryProvince, Public: req.Public,
	}
	var v errs.Validation
	if req.Group != nil {
		d.Group = *req.Group
		v.Check(d.Group != "", "group", domain.GroupRule)
	}
	if req.MinStars != nil {
		d.MinStars = *req.MinStars
		v.Check(d.MinStars != 0, "min_stars", domain.StarsRule)
	}
	if req.NeededBy != nil {
		d.NeededBy = parseDate(&v, "needed_by", *req.NeededBy)
	}
	switch {
	case req.DeliveryLat == nil && req.DeliveryLon == nil:
		// The domain delivers to the province's centre.
	case req.DeliveryLat == nil:
		v.Add("delivery_lat", "give delivery_lat with delivery_lon, or neither to deliver to the province's centre")
	case req.DeliveryLon == nil:
		v.Add("delivery_lon", "give delivery_lon with delivery_lat, or neither to deliver to the province's centre")
	default:
		d.DeliveryLat, d.DeliveryLon = *req.DeliveryLat, *req.DeliveryLon
		// Checked as given: the domain would read 0, 0 as "no point".
		domain.CheckDeliveryPoint(&v, d.DeliveryLat, d.DeliveryLon)
	}
	v.Check(req.Status == "" || req.Status == "draft" || req.Status == "open", "status", "must be draft or open (the default)")
	if v.Err() != nil {
		v.Merge("", a.app.Check(ctx, who, d))
		return v.Err()
	}
	posted, err := a.app.Post(ctx, who, d, req.Status == "draft")
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/demands/"+posted.ID)
	return c.JSON(http.StatusCreated, toJSON(posted))
}

// parseDate reads an ISO date, recording a field error when it is not one.
func parseDate(v *errs.Validation, field, s string) *time.Time {
	t, err := time.Parse(ocop.DateLayout, s)
	if err != nil {
		v.Add(field, "must be a date written YYYY-MM-DD, not %q", s)
		return nil
	}
	return &t
}

func (a *API) get(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	d, err := a.app.Demand(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(d))
}

func (a *API) list(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	page, err := httpserver.ParsePage(c, 20, 100)
	if err != nil {
		return err
	}
	f := app.ListFilter{Status: c.QueryParam("status"), Limit: page.Limit + 1}
	if f.Status != "" && !slices.Contains(domain.Statuses, domain.Status(f.Status)) {
		var v errs.Validation
		v.Add("status", "must be draft, open, awarded, closed or expired")
		return v.Err()
	}
	if page.Cursor != "" {
		f.After = &app.Cursor{}
		if err := httpserver.DecodeCursor(page.Cursor, f.After); err != nil {
			return err
		}
	}
	ds, err := a.app.List(ctx, who, f)
	if err != nil {
		return err
	}
	out := httpserver.Page[demandJSON]{Items: make([]demandJSON, 0, len(ds))}
	for i, d := range ds {
		if i == page.Limit {
			last := ds[i-1]
			out.NextCursor = httpserver.EncodeCursor(app.Cursor{PostedAt: last.PostedAt, ID: last.ID})
			break
		}
		out.Items = append(out.Items, toJSON(d))
	}
	return c.JSON(http.StatusOK, out)
}
