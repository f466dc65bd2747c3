// Package httpapi is the catalogue's REST API: producers and products under /v1.
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
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

//go:embed openapi.json
var OpenAPI []byte

// API serves the catalogue's endpoints.
type API struct {
	app         *app.Catalogue
	idempotency httpserver.IdempotencyStore
	// publicURL is where the public traceability pages are reached, printed
	// in QR codes; empty: the address the request came to.
	publicURL string
	now       func() time.Time
}

// New returns the API over the use cases.
func New(a *app.Catalogue, idempotency httpserver.IdempotencyStore, publicURL string) *API {
	return &API{app: a, idempotency: idempotency, publicURL: publicURL, now: time.Now}
}

// Register adds the routes.
func (a *API) Register(srv *httpserver.Server) {
	e := srv.Echo
	srv.AllowLargeBody(http.MethodPost, "/v1/imports", MaxImportBytes)
	idem := httpserver.Idempotent(a.idempotency)
	e.POST("/v1/producers", a.createProducer, idem)
	e.GET("/v1/producers/:id", a.getProducer)
	e.PATCH("/v1/producers/:id", a.patchProducer)
	e.POST("/v1/products", a.createProduct, idem)
	e.GET("/v1/products", a.listProducts)
	e.GET("/v1/products/:id", a.getProduct)
	e.PATCH("/v1/products/:id", a.patchProduct)
	e.DELETE("/v1/products/:id", a.withdrawProduct)
	e.GET("/v1/products/:id/trace", a.traceJSON)
	e.GET("/v1/products/:id/qr.png", a.qr)
	e.GET("/p/:id", a.tracePage)
	e.POST("/v1/imports", a.importFile)
	e.GET("/v1/exports/catalogue", a.export)
}

type producerJSON struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Kind             string    `json:"kind"`
	Province         string    `json:"province"`
	LegacyProvince   string    `json:"legacy_province"`
	LegacyDistrict   string    `json:"legacy_district"`
	Commune          string    `json:"commune"`
	Lat              float64   `json:"lat"`
	Lon              float64   `json:"lon"`
	Email            string    `json:"email"`
	RegistrationCode string    `json:"registration_code"`
	Address          string    `json:"address"`
	Version          int64     `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toProducerJSON(p domain.Producer) producerJSON {
	return producerJSON{p.ID, p.Name, p.Kind, p.Province, p.LegacyProvince, p.LegacyDistrict, p.Commune,
		p.Lat, p.Lon, p.Email, p.RegistrationCode, p.Address, p.Version, p.CreatedAt, p.UpdatedAt}
}

type producerRequest struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Kind             string  `json:"kind"`
	Province         string  `json:"province"`
	LegacyProvince   string  `json:"legacy_province"`
	LegacyDistrict   string  `json:"legacy_district"`
	Commune          string  `json:"commune"`
	Lat              float64 `json:"lat"`
	Lon              float64 `json:"lon"`
	Email            string  `json:"email"`
	RegistrationCode string  `json:"registration_code"`
	Address          string  `json:"address"`
}

func (a *API) createProducer(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleOfficial, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req producerRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	p, err := a.app.CreateProducer(ctx, who, domain.Producer{
		ID: req.ID, Name: req.Name, Kind: req.Kind, Province: req.Province, LegacyProvince: req.LegacyProvince,
		LegacyDistrict: req.LegacyDistrict, Commune: req.Commune, Lat: req.Lat, Lon: req.Lon, Email: req.Email,
		RegistrationCode: req.RegistrationCode, Address: req.Address,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/producers/"+p.ID)
	return c.JSON(http.StatusCreated, toProducerJSON(p))
}

type producerPatch struct {
	Name             *string  `json:"name"`
	Kind             *string  `json:"kind"`
	Province         *string  `json:"province"`
	LegacyProvince   *string  `json:"legacy_province"`
	LegacyDistrict   *string  `json:"legacy_district"`
	Commune          *string  `json:"commune"`
	Lat              *float64 `json:"lat"`
	Lon              *float64 `json:"lon"`
	Email            *string  `json:"email"`
	RegistrationCode *string  `json:"registration_code"`
	Address          *string  `json:"address"`
}

func (a *API) patchProducer(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	var req producerPatch
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	p, err := a.app.UpdateProducer(ctx, who, c.Param("id"), func(p *domain.Producer) {
		set(&p.Name, req.Name)
		set(&p.Kind, req.Kind)
		if req.Province != nil {
			// A new province brings its own legacy name unless one is given.
			p.Province, p.LegacyProvince = *req.Province, ""
		}
		set(&p.LegacyProvince, req.LegacyProvince)
		set(&p.LegacyDistrict, req.LegacyDistrict)
		set(&p.Commune, req.Commune)
		set(&p.Lat, req.Lat)
		set(&p.Lon, req.Lon)
		set(&p.Email, req.Email)
		set(&p.RegistrationCode, req.RegistrationCode)
		set(&p.Address, req.Address)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProducerJSON(p))
}

func (a *API) getProducer(c echo.Context) error {
	p, err := a.app.Producer(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProducerJSON(p))
}

type productJSON struct {
	ID              string            `json:"id"`
	ProducerID      string            `json:"producer_id"`
	Name            string            `json:"name"`
	Description     string            `json:"description"`
	Group           string            `json:"group"`
	Category        string            `json:"category"`
	OCOPStars       int               `json:"ocop_stars"`
	OCOPYear        int               `json:"ocop_year"`
	OCOPCertifiedOn string            `json:"ocop_certified_on"`
	OCOPExpiresOn   string            `json:"ocop_expires_on"`
	OCOPRatingValid bool              `json:"ocop_rating_valid"`
	OCOPCertificate string            `json:"ocop_certificate_number"`
	OCOPIssuedBy    string            `json:"ocop_issued_by"`
	Certifications  []string          `json:"certifications"`
	CertCodes       map[string]string `json:"certification_codes"`
	Unit            string            `json:"unit"`
	PriceVND        int64             `json:"price_vnd"`
	MonthlyCapacity float64           `json:"monthly_capacity"`
	MinOrder        float64           `json:"min_order"`
	SeasonalMonths  []int             `json:"seasonal_months"`
	ShelfLifeDays   *int              `json:"shelf_life_days"`
	Tags            []string          `json:"tags"`
	Withdrawn       bool              `json:"withdrawn"`
	Version         int64             `json:"version"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

func (a *API) toProductJSON(p domain.Product) productJSON {
	return productJSON{
		ID: p.ID, ProducerID: p.ProducerID, Name: p.Name, Description: p.Description, Group: p.Group, Category: p.Category,
		OCOPStars: p.OCOPStars, OCOPYear: p.OCOPYear,
		OCOPCertifiedOn: p.OCOPCertifiedOn.Format(ocop.DateLayout), OCOPExpiresOn: p.OCOPExpiresOn.Format(ocop.DateLayout),
		OCOPRatingValid: p.RatingValidOn(ocop.Today(a.now())),
		OCOPCertificate: p.OCOPCertificateNumber, OCOPIssuedBy: p.OCOPIssuedBy, CertCodes: nonNilMap(p.CertificationCodes),
		Certifications: nonNil(p.Certifications), Unit: p.Unit, PriceVND: p.PriceVND, MonthlyCapacity: p.MonthlyCapacity,
		MinOrder: p.MinOrder, SeasonalMonths: nonNil(p.SeasonalMonths), ShelfLifeDays: p.ShelfLifeDays, Tags: nonNil(p.Tags),
		Withdrawn: p.Withdrawn(), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type productRequest struct {
	ID              string            `json:"id"`
	ProducerID      string            `json:"producer_id"`
	Name            string            `json:"name"`
	Description     string            `json:"description"`
	Group           string            `json:"group"`
	Category        string            `json:"category"`
	OCOPStars       int               `json:"ocop_stars"`
	OCOPYear        int               `json:"ocop_year"`
	OCOPCertifiedOn string            `json:"ocop_certified_on"`
	OCOPExpiresOn   string            `json:"ocop_expires_on"`
	OCOPCertificate string            `json:"ocop_certificate_number"`
	OCOPIssuedBy    string            `json:"ocop_issued_by"`
	Certifications  []string          `json:"certifications"`
	CertCodes       map[string]string `json:"certification_codes"`
	Unit            string            `json:"unit"`
	PriceVND        int64             `json:"price_vnd"`
	MonthlyCapacity float64           `json:"monthly_capacity"`
	MinOrder        float64           `json:"min_order"`
	SeasonalMonths  []int             `json:"seasonal_months"`
	ShelfLifeDays   *int              `json:"shelf_life_days"`
	Tags            []string          `json:"tags"`
}

// parseDate reads an optional ISO date, recording a bad one as a field error.
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

func (a *API) createProduct(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req productRequest
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	var v errs.Validation
	p := domain.Product{
		ID: req.ID, ProducerID: req.ProducerID, Name: req.Name, Description: req.Description, Group: req.Group,
		Category: req.Category, OCOPStars: req.OCOPStars, OCOPYear: req.OCOPYear,
		OCOPCertifiedOn:       parseDate(&v, "ocop_certified_on", req.OCOPCertifiedOn),
		OCOPExpiresOn:         parseDate(&v, "ocop_expires_on", req.OCOPExpiresOn),
		OCOPCertificateNumber: req.OCOPCertificate, OCOPIssuedBy: req.OCOPIssuedBy, CertificationCodes: req.CertCodes,
		Certifications: req.Certifications, Unit: req.Unit, PriceVND: req.PriceVND, MonthlyCapacity: req.MonthlyCapacity,
		MinOrder: req.MinOrder, SeasonalMonths: req.SeasonalMonths, ShelfLifeDays: req.ShelfLifeDays, Tags: req.Tags,
	}
	if err := v.Err(); err != nil {
		// Report the dates together with every other bad field; a producer's
		// own id is the default the service would fill in.
		if p.ProducerID == "" && who.Is(auth.RoleProducer) {
			p.ProducerID = who.OrgID
		}
		p.Normalise()
		v.Merge("", p.Validate())
		return v.Err()
	}
	created, err := a.app.CreateProduct(ctx, who, p)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/products/"+created.ID)
	return c.JSON(http.StatusCreated, a.toProductJSON(created))
}

func (a *API) getProduct(c echo.Context) error {
	p, err := a.app.Product(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toProductJSON(p))
}

type productPatch struct {
	Name            *string                  `json:"name"`
	Description     *string                  `json:"description"`
	Group           *string                  `json:"group"`
	Category        *string                  `json:"category"`
	OCOPStars       *int                     `json:"ocop_stars"`
	OCOPYear        *int                     `json:"ocop_year"`
	OCOPCertifiedOn *string                  `json:"ocop_certified_on"`
	OCOPExpiresOn   *string                  `json:"ocop_expires_on"`
	OCOPCertificate *string                  `json:"ocop_certificate_number"`
	OCOPIssuedBy    *string                  `json:"ocop_issued_by"`
	Certifications  *[]string                `json:"certifications"`
	CertCodes       *map[string]string       `json:"certification_codes"`
	Unit            *string                  `json:"unit"`
	PriceVND        *int64                   `json:"price_vnd"`
	MonthlyCapacity *float64                 `json:"monthly_capacity"`
	MinOrder        *float64                 `json:"min_order"`
	SeasonalMonths  *[]int                   `json:"seasonal_months"`
	ShelfLifeDays   httpserver.Optional[int] `json:"shelf_life_days"`
	Tags            *[]string                `json:"tags"`
}

func (a *API) patchProduct(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var req productPatch
	if err := httpserver.DecodeJSON(c, &req); err != nil {
		return err
	}
	var v errs.Validation
	var certified, expires time.Time
	if req.OCOPCertifiedOn != nil {
		certified = parseDate(&v, "ocop_certified_on", *req.OCOPCertifiedOn)
	}
	if req.OCOPExpiresOn != nil {
		expires = parseDate(&v, "ocop_expires_on", *req.OCOPExpiresOn)
	}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := a.app.UpdateProduct(ctx, who, c.Param("id"), func(p *domain.Product) {
		set(&p.Name, req.Name)
		set(&p.Description, req.Description)
		set(&p.Group, req.Group)
		set(&p.Category, req.Category)
		set(&p.OCOPStars, req.OCOPStars)
		set(&p.Certifications, req.Certifications)
		set(&p.CertificationCodes, req.CertCodes)
		set(&p.OCOPCertificateNumber, req.OCOPCertificate)
		set(&p.OCOPIssuedBy, req.OCOPIssuedBy)
		set(&p.Unit, req.Unit)
		set(&p.PriceVND, req.PriceVND)
		set(&p.MonthlyCapacity, req.MonthlyCapacity)
		set(&p.MinOrder, req.MinOrder)
		set(&p.SeasonalMonths, req.SeasonalMonths)
		set(&p.Tags, req.Tags)
		if req.OCOPCertifiedOn != nil {
			// A new rating: its year and expiry follow from the new date
			// unless given too.
			p.OCOPCertifiedOn, p.OCOPYear, p.OCOPExpiresOn = certified, 0, time.Time{}
		}
		set(&p.OCOPYear, req.OCOPYear)
		if req.OCOPExpiresOn != nil {
			p.OCOPExpiresOn = expires
		}
		if req.ShelfLifeDays.Set {
			p.ShelfLifeDays = nil
			if !req.ShelfLifeDays.Null {
				d := req.ShelfLifeDays.Value
				p.ShelfLifeDays = &d
			}
		}
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toProductJSON(p))
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (a *API) withdrawProduct(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer, auth.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := a.app.WithdrawProduct(ctx, who, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
