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

type buyerJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Province  string    `json:"province"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	Address   string    `json:"address"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toBuyerJSON(b domain.Buyer) buyerJSON {
	return buyerJSON{b.ID, b.Name, b.Kind, b.Province, b.Lat, b.Lon, b.Address, b.Email, b.CreatedAt, b.UpdatedAt}
}

func (a *API) registerBuyer(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	var req struct {
		ID       string  `json:"id"`
		Name     string  `json:"name"`
		Kind     string  `json:"kind"`
		Province string  `json:"province"`
		Lat      float64 `json:"lat"`
		Lon      float64 `json:"lon"`
		Address  string  `json:"address"`
		Email    string  `json:"email"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	b, err := a.app.RegisterBuyer(ctx, who, domain.Buyer{ID: req.ID, Name: req.Name, Kind: req.Kind, Province: req.Province,
		Lat: req.Lat, Lon: req.Lon, Address: req.Address, Email: req.Email})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/buyers/"+b.ID)
	return c.JSON(http.StatusCreated, toBuyerJSON(b))
}

func (a *API) buyer(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	b, err := a.app.Buyer(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBuyerJSON(b))
}

func (a *API) patchBuyer(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	var req struct {
		Name     *string  `json:"name"`
		Kind     *string  `json:"kind"`
		Province *string  `json:"province"`
		Lat      *float64 `json:"lat"`
		Lon      *float64 `json:"lon"`
		Address  *string  `json:"address"`
		Email    *string  `json:"email"`
	}
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	b, err := a.app.UpdateBuyer(ctx, who, c.Param("id"), func(b *domain.Buyer) {
		set(&b.Name, req.Name)
		set(&b.Kind, req.Kind)
		set(&b.Province, req.Province)
		set(&b.Lat, req.Lat)
		set(&b.Lon, req.Lon)
		set(&b.Address, req.Address)
		set(&b.Email, req.Email)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBuyerJSON(b))
}

// stats answers the officials' figures over ?from=&to= (ISO dates; to is
// exclusive; default the last 30 days), optionally for one group or province.
func (a *API) stats(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleOfficial, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var v errs.Validation
	today := ocop.Today(time.Now())
	f := app.StatsFilter{From: today.AddDate(0, 0, -30), To: today.AddDate(0, 0, 1), Group: c.QueryParam("group")}
	for field, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if s := c.QueryParam(field); s != "" {
			t, err := time.Parse(ocop.DateLayout, s)
			v.Check(err == nil, field, "must be a date written YYYY-MM-DD")
			*dst = t
		}
	}
	v.Check(f.To.After(f.From), "to", "must be after from")
	if f.Group != "" {
		v.Check(ocop.ValidGroup(f.Group), "group", "must be one of the six OCOP groups")
	}
	if p := c.QueryParam("province"); p != "" {
		prov, ok := ocop.LookupProvince(p)
		v.Check(ok, "province", "is not a province of the 34-province map or a pre-2025 province")
		f.Province = prov.Name
	}
	if err := v.Err(); err != nil {
		return err
	}
	st, err := a.app.Stats(ctx, who, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
