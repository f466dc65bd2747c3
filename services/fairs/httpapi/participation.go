package httpapi

import (
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

type applicationJSON struct {
	ID          string     `json:"id"`
	FairID      string     `json:"fair_id"`
	ProducerID  string     `json:"producer_id"`
	ProductIDs  []string   `json:"product_ids"`
	BoothType   string     `json:"booth_type"`
	Message     string     `json:"message"`
	Status      string     `json:"status"`
	SubmittedAt time.Time  `json:"submitted_at"`
	DecidedAt   *time.Time `json:"decided_at"`
}

func toApplicationJSON(a domain.Application) applicationJSON {
	return applicationJSON{a.ID, a.FairID, a.ProducerID, a.ProductIDs, a.BoothType, a.Message, string(a.Status), a.SubmittedAt, a.DecidedAt}
}

func (a *API) apply(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleProducer)
	if err != nil {
		return err
	}
	var req struct {
		ProductIDs []string `json:"product_ids"`
		BoothType  string   `json:"booth_type"`
		Message    string   `json:"message"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	ap, err := a.app.Apply(ctx, p, c.Param("id"), domain.Application{ProductIDs: req.ProductIDs, BoothType: req.BoothType, Message: req.Message})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toApplicationJSON(ap))
}

func (a *API) applications(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	list, err := a.app.Applications(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []applicationJSON `json:"items"`
	}{Items: []applicationJSON{}}
	for _, ap := range list {
		out.Items = append(out.Items, toApplicationJSON(ap))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) decide(d app.Decision) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
		if err != nil {
			return err
		}
		var req struct {
			BoothID string `json:"booth_id"`
		}
		if c.Request().ContentLength != 0 {
			if err := httpserver.DecodeJSON(c, &req); err != nil {
				return err
			}
		}
		ap, bk, err := a.app.DecideApplication(ctx, p, c.Param("id"), c.Param("application_id"), d, req.BoothID)
		if err != nil {
			return err
		}
		out := struct {
			applicationJSON
			Booking *bookingJSON `json:"booking,omitempty"`
		}{applicationJSON: toApplicationJSON(ap)}
		if bk != nil {
			out.Booking = toBookingJSON(*bk)
		}
		return c.JSON(http.StatusOK, out)
	}
}

func (a *API) book(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleProducer)
	if err != nil {
		return err
	}
	bk, err := a.app.Book(ctx, p, c.Param("id"), c.Param("booth_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBookingJSON(bk))
}

func (a *API) cancelBooking(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	promoted, err := a.app.CancelBooking(ctx, p, c.Param("id"), c.Param("booking_id"), c.QueryParam("reason"))
	if err != nil {
		return err
	}
	out := struct {
		Cancelled bool         `json:"cancelled"`
		Promoted  *bookingJSON `json:"promoted,omitempty"`
	}{Cancelled: true}
	if promoted != nil {
		out.Promoted = toBookingJSON(*promoted)
	}
	return c.JSON(http.StatusOK, out)
}

type productJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Group     string `json:"group"`
	Category  string `json:"category"`
	OCOPStars int    `json:"ocop_stars"`
}

func (a *API) exhibitors(c echo.Context) error {
	list, err := a.app.Exhibitors(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	type exhibitorJSON struct {
		app.Exhibitor
		Products []productJSON `json:"products"`
	}
	out := struct {
		Items []exhibitorJSON `json:"items"`
	}{Items: []exhibitorJSON{}}
	for _, e := range list {
		x := exhibitorJSON{Exhibitor: e, Products: []productJSON{}}
		for _, p := range e.Products {
			x.Products = append(x.Products, productJSON{p.ID, p.Name, p.Group, p.Category, p.Stars})
		}
		out.Items = append(out.Items, x)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) attend(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleBuyer)
	if err != nil {
		return err
	}
	if err := a.app.Attend(ctx, p, c.Param("id")); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"fair_id": c.Param("id"), "buyer_id": p.OrgID})
}

func (a *API) checkIn(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := auth.Require(ctx, auth.RoleOrganiser, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req struct {
		ProducerID string `json:"producer_id"`
		BuyerID    string `json:"buyer_id"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	role, org := "producer", req.ProducerID
	switch {
	case req.ProducerID != "" && req.BuyerID != "":
		var v errs.Validation
		v.Add("buyer_id", "check in one exhibitor or one buyer at a time")
		return v.Err()
	case req.BuyerID != "":
		role, org = "buyer", req.BuyerID
	case req.ProducerID == "":
		role = ""
	}
	if err := a.app.CheckIn(ctx, p, c.Param("id"), role, org); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"role": role, "id": org, "checked_in_on": ocop.Today(a.now()).Format(ocop.DateLayout)})
}
