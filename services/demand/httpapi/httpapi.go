// Package httpapi is the demand service's REST API: buyers' purchase demands under /v1.
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
	e.POST("/v1/demands", a.post, httpserver.Idempotent(a.idempotency))
	e.GET("/v1/demands/:id", a.get)
	e.GET("/v1/demands", a.list)
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
	DeliveryLat            float64  `json:"delivery_lat"`
	DeliveryLon            float64  `json:"delivery_lon"`
	NeededBy               *string  `json:"needed_by"`
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
	Status                 string    `json:"status"`
	Version                int64     `json:"version"`
	PostedAt               time.Time `json:"posted_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func toJSON(d domain.Demand) demandJSON {
	out := demandJSON{
		ID: d.ID, BuyerID: d.BuyerID, BuyerKind: d.BuyerKind, Title: d.Title, Text: d.Text, Quantity: d.Quantity,
		Unit: d.Unit, MaxPriceVND: d.MaxPriceVND, RequiredCertifications: d.RequiredCertifications,
		DeliveryProvince: d.DeliveryProvince, DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon,
		Status: string(d.Status), Version: d.Version, PostedAt: d.PostedAt, UpdatedAt: d.UpdatedAt,
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
		DeliveryProvince: req.DeliveryProvince, DeliveryLat: req.DeliveryLat, DeliveryLon: req.DeliveryLon,
	}
	if req.Group != nil {
		d.Group = *req.Group
	}
	var v errs.Validation
	if req.MinStars != nil {
		d.MinStars = *req.MinStars
		v.Check(d.MinStars != 0, "min_stars", "must be null, 3, 4 or 5")
	}
	if req.NeededBy != nil {
		t, err := time.Parse(ocop.DateLayout, *req.NeededBy)
		if err != nil {
			v.Add("needed_by", "must be a date written YYYY-MM-DD, not %q", *req.NeededBy)
		} else {
			d.NeededBy = &t
		}
	}
	if err := v.Err(); err != nil {
		d.Normalise()
		v.Merge("", d.Validate())
		return v.Err()
	}
	posted, err := a.app.Post(ctx, who, d)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/demands/"+posted.ID)
	return c.JSON(http.StatusCreated, toJSON(posted))
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
	if f.Status != "" && f.Status != string(domain.StatusOpen) {
		var v errs.Validation
		v.Add("status", "must be open")
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
