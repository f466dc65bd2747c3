package httpapi

import (
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

type demandPatch struct {
	BuyerKind              *string                     `json:"buyer_kind"`
	Title                  *string                     `json:"title"`
	Text                   *string                     `json:"text"`
	Group                  httpserver.Optional[string] `json:"group"`
	Quantity               *float64                    `json:"quantity"`
	Unit                   *string                     `json:"unit"`
	MaxPriceVND            httpserver.Optional[int64]  `json:"max_price_vnd"`
	MinStars               httpserver.Optional[int]    `json:"min_stars"`
	RequiredCertifications *[]string                   `json:"required_certifications"`
	DeliveryProvince       *string                     `json:"delivery_province"`
	DeliveryLat            *float64                    `json:"delivery_lat"`
	DeliveryLon            *float64                    `json:"delivery_lon"`
	NeededBy               httpserver.Optional[string] `json:"needed_by"`
	Public                 *bool                       `json:"public"`
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (a *API) patch(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleBuyer)
	if err != nil {
		return err
	}
	var req demandPatch
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	var v errs.Validation
	var neededBy *time.Time
	if req.NeededBy.Set && !req.NeededBy.Null {
		neededBy = parseDate(&v, "needed_by", req.NeededBy.Value)
	}
	v.Check(!req.Group.Set || req.Group.Null || req.Group.Value != "", "group", domain.GroupRule)
	v.Check(!req.MinStars.Set || req.MinStars.Null || req.MinStars.Value != 0, "min_stars", domain.StarsRule)
	if req.DeliveryLat != nil && req.DeliveryLon != nil {
		// Checked as given: the domain would read 0, 0 as "no point".
		domain.CheckDeliveryPoint(&v, *req.DeliveryLat, *req.DeliveryLon)
	}
	if err := v.Err(); err != nil {
		return err
	}
	d, err := a.app.Edit(ctx, who, c.Param("id"), func(d *domain.Demand) {
		set(&d.BuyerKind, req.BuyerKind)
		set(&d.Title, req.Title)
		set(&d.Text, req.Text)
		set(&d.Quantity, req.Quantity)
		set(&d.Unit, req.Unit)
		set(&d.RequiredCertifications, req.RequiredCertifications)
		set(&d.Public, req.Public)
		if req.DeliveryProvince != nil && req.DeliveryLat == nil && req.DeliveryLon == nil {
			// A new province without a point delivers to its centre.
			d.DeliveryLat, d.DeliveryLon = 0, 0
		}
		set(&d.DeliveryProvince, req.DeliveryProvince)
		set(&d.DeliveryLat, req.DeliveryLat)
		set(&d.DeliveryLon, req.DeliveryLon)
		if req.Group.Set {
			d.Group = req.Group.Value
		}
		if req.MaxPriceVND.Set {
			d.MaxPriceVND = nil
			if !req.MaxPriceVND.Null {
				d.MaxPriceVND = &req.MaxPriceVND.Value
			}
		}
		if req.MinStars.Set {
			d.MinStars = req.MinStars.Value
		}
		if req.NeededBy.Set {
			d.NeededBy = neededBy
		}
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(d))
}

func (a *API) publish(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleBuyer)
	if err != nil {
		return err
	}
	d, err := a.app.Publish(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(d))
}

func (a *API) close(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleBuyer)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if c.Request().ContentLength != 0 {
		if err := httpserver.DecodeJSON(c, &req); err != nil {
			return err
		}
	}
	d, err := a.app.Close(ctx, who, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(d))
}

type quoteRequest struct {
	ProductID    string  `json:"product_id"`
	PriceVND     int64   `json:"price_vnd"`
	Quantity     float64 `json:"quantity"`
	Unit         string  `json:"unit"`
	DeliveryDate *string `json:"delivery_date"`
	Message      string  `json:"message"`
}

type quoteJSON struct {
	ID           string     `json:"id"`
	DemandID     string     `json:"demand_id"`
	ProducerID   string     `json:"producer_id"`
	ProductID    string     `json:"product_id"`
	PriceVND     int64      `json:"price_vnd"`
	Quantity     float64    `json:"quantity"`
	Unit         string     `json:"unit"`
	DeliveryDate *string    `json:"delivery_date"`
	Message      string     `json:"message"`
	Status       string     `json:"status"`
	SubmittedAt  time.Time  `json:"submitted_at"`
	DecidedAt    *time.Time `json:"decided_at"`
}

func toQuoteJSON(q domain.Quote) quoteJSON {
	out := quoteJSON{ID: q.ID, DemandID: q.DemandID, ProducerID: q.ProducerID, ProductID: q.ProductID, PriceVND: q.PriceVND,
		Quantity: q.Quantity, Unit: q.Unit, Message: q.Message, Status: string(q.Status), SubmittedAt: q.SubmittedAt, DecidedAt: q.DecidedAt}
	if q.DeliveryDate != nil {
		s := q.DeliveryDate.Format(ocop.DateLayout)
		out.DeliveryDate = &s
	}
	return out
}

func (a *API) submitQuote(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer)
	if err != nil {
		return err
	}
	var req quoteRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	q := domain.Quote{ProductID: req.ProductID, PriceVND: req.PriceVND, Quantity: req.Quantity, Unit: req.Unit, Message: req.Message}
	if req.DeliveryDate != nil {
		t, err := time.Parse(ocop.DateLayout, *req.DeliveryDate)
		if err != nil {
			var v errs.Validation
			v.Add("delivery_date", "must be a date written YYYY-MM-DD, not %q", *req.DeliveryDate)
			v.Merge("", q.Validate())
			return v.Err()
		}
		q.DeliveryDate = &t
	}
	q, err = a.app.SubmitQuote(ctx, who, c.Param("id"), q)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/quotes/"+q.ID)
	return c.JSON(http.StatusCreated, toQuoteJSON(q))
}

func (a *API) quotes(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	qs, err := a.app.Quotes(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []quoteJSON `json:"items"`
	}{Items: []quoteJSON{}}
	for _, q := range qs {
		out.Items = append(out.Items, toQuoteJSON(q))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) quote(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	q, err := a.app.Quote(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toQuoteJSON(q))
}

func (a *API) decide(d app.Decision) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		who, err := auth.Require(ctx, auth.RoleBuyer)
		if err != nil {
			return err
		}
		q, err := a.app.DecideQuote(ctx, who, c.Param("id"), d)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toQuoteJSON(q))
	}
}

type dealJSON struct {
	ID         string      `json:"id"`
	DemandID   string      `json:"demand_id"`
	QuoteID    string      `json:"quote_id"`
	BuyerID    string      `json:"buyer_id"`
	ProducerID string      `json:"producer_id"`
	ValueVND   int64       `json:"value_vnd"`
	AwardedAt  time.Time   `json:"awarded_at"`
	Stage      string      `json:"stage"`
	StageAt    time.Time   `json:"stage_at"`
	Stages     []stageJSON `json:"stages"`
}

type stageJSON struct {
	Stage      string    `json:"stage"`
	RecordedBy string    `json:"recorded_by"`
	Note       string    `json:"note"`
	RecordedAt time.Time `json:"recorded_at"`
}

func toDealJSON(d domain.Deal) dealJSON {
	out := dealJSON{ID: d.ID, DemandID: d.DemandID, QuoteID: d.QuoteID, BuyerID: d.BuyerID, ProducerID: d.ProducerID,
		ValueVND: d.ValueVND, AwardedAt: d.AwardedAt, Stage: d.Stage, StageAt: d.StageAt}
	out.Stages = []stageJSON{}
	for _, s := range d.Stages {
		out.Stages = append(out.Stages, stageJSON{Stage: s.Stage, RecordedBy: s.RecordedBy, Note: s.Note, RecordedAt: s.RecordedAt})
	}
	return out
}

func (a *API) deals(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	ds, err := a.app.Deals(ctx, who)
	if err != nil {
		return err
	}
	out := struct {
		Items []dealJSON `json:"items"`
	}{Items: []dealJSON{}}
	for _, d := range ds {
		out.Items = append(out.Items, toDealJSON(d))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) deal(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	d, err := a.app.Deal(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDealJSON(d))
}

func (a *API) recordStage(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleBuyer, auth.RoleProducer)
	if err != nil {
		return err
	}
	var req struct {
		Stage string `json:"stage"`
		Note  string `json:"note"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	d, err := a.app.RecordStage(ctx, who, c.Param("id"), req.Stage, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDealJSON(d))
}
