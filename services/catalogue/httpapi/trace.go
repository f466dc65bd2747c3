package httpapi

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/ocopvn/ocop/pkg/ocop"
)

//go:embed templates/trace.html
var templates embed.FS

var tracePage = template.Must(template.ParseFS(templates, "templates/trace.html"))

// kindNames are producer kinds as a Vietnamese reader names them.
var kindNames = map[string]string{
	"cooperative": "Hợp tác xã", "enterprise": "Doanh nghiệp", "household": "Hộ kinh doanh",
	"craft_village": "Làng nghề", "tourism_site": "Điểm du lịch",
}

// certNames are certifications as a Vietnamese reader names them.
var certNames = map[string]string{
	"VietGAP": "VietGAP", "GlobalGAP": "GlobalGAP", "organic_vn": "Hữu cơ (TCVN)", "organic_eu": "Hữu cơ (EU)",
	"HACCP": "HACCP", "ISO22000": "ISO 22000", "growing_area_code": "Mã số vùng trồng",
	"traceability_qr": "Tem truy xuất QR", "geographical_indication": "Chỉ dẫn địa lý", "collective_mark": "Nhãn hiệu tập thể",
}

type certJSON struct {
	Code   string `json:"certification"`
	Label  string `json:"label"`
	Number string `json:"code,omitempty"`
}

// traceJSONBody is the traceability record: what the public page shows.
type traceJSONBody struct {
	ProductID         string     `json:"product_id"`
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	Group             string     `json:"group"`
	Category          string     `json:"category"`
	OCOPStars         int        `json:"ocop_stars"`
	OCOPCertifiedOn   string     `json:"ocop_certified_on"`
	OCOPExpiresOn     string     `json:"ocop_expires_on"`
	OCOPRatingValid   bool       `json:"ocop_rating_valid"`
	CertificateNumber string     `json:"ocop_certificate_number"`
	IssuedBy          string     `json:"ocop_issued_by"`
	Certifications    []certJSON `json:"certifications"`
	Withdrawn         bool       `json:"withdrawn"`
	Producer          struct {
		ID             string  `json:"id"`
		Name           string  `json:"name"`
		Kind           string  `json:"kind"`
		Commune        string  `json:"commune"`
		LegacyDistrict string  `json:"legacy_district"`
		Province       string  `json:"province"`
		LegacyProvince string  `json:"legacy_province"`
		Lat            float64 `json:"lat"`
		Lon            float64 `json:"lon"`
	} `json:"producer"`
	PageURL string `json:"page_url"`
	QRURL   string `json:"qr_url"`
}

func (a *API) baseURL(c echo.Context) string {
	if a.publicURL != "" {
		return strings.TrimSuffix(a.publicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

func (a *API) trace(c echo.Context) (traceJSONBody, error) {
	p, pr, err := a.app.Trace(c.Request().Context(), c.Param("id"))
	if err != nil {
		return traceJSONBody{}, err
	}
	t := traceJSONBody{
		ProductID: p.ID, Name: p.Name, Description: p.Description, Group: p.Group, Category: p.Category,
		OCOPStars: p.OCOPStars, OCOPCertifiedOn: p.OCOPCertifiedOn.Format(ocop.DateLayout),
		OCOPExpiresOn: p.OCOPExpiresOn.Format(ocop.DateLayout), OCOPRatingValid: p.RatingValidOn(ocop.Today(a.now())),
		CertificateNumber: p.OCOPCertificateNumber, IssuedBy: p.OCOPIssuedBy, Withdrawn: p.Withdrawn(),
		Certifications: []certJSON{},
	}
	for _, cert := range p.Certifications {
		t.Certifications = append(t.Certifications, certJSON{Code: cert, Label: certNames[cert], Number: p.CertificationCodes[cert]})
	}
	t.Producer.ID, t.Producer.Name, t.Producer.Kind = pr.ID, pr.Name, pr.Kind
	t.Producer.Commune, t.Producer.LegacyDistrict = pr.Commune, pr.LegacyDistrict
	t.Producer.Province, t.Producer.LegacyProvince = pr.Province, pr.LegacyProvince
	t.Producer.Lat, t.Producer.Lon = pr.Lat, pr.Lon
	base := a.baseURL(c)
	t.PageURL, t.QRURL = base+"/p/"+p.ID, base+"/v1/products/"+p.ID+"/qr.png"
	return t, nil
}

func (a *API) traceJSON(c echo.Context) error {
	t, err := a.trace(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// tracePage is the page a shopper reaches by scanning the product's QR code.
func (a *API) tracePage(c echo.Context) error {
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
		return a.traceJSON(c)
	}
	t, err := a.trace(c)
	if err != nil {
		return err
	}
	expires, _ := ocop.ParseDate(t.OCOPExpiresOn)
	place := []string{}
	for _, s := range []string{t.Producer.Commune, t.Producer.LegacyDistrict, t.Producer.Province} {
		if s != "" {
			place = append(place, s)
		}
	}
	placeText := strings.Join(place, ", ")
	if t.Producer.LegacyProvince != "" && t.Producer.LegacyProvince != t.Producer.Province {
		placeText += " (tỉnh " + t.Producer.LegacyProvince + " cũ)"
	}
	type certView struct{ Label, Code string }
	view := struct {
		traceJSONBody
		StarGlyphs, ValidUntil, CertifiedOn, ExpiresOn, ProducerName, ProducerKind, Place, JSONURL string
		Stars                                                                                      int
		Valid                                                                                      bool
		Certifications                                                                             []certView
	}{
		traceJSONBody: t, StarGlyphs: strings.Repeat("★", t.OCOPStars), Stars: t.OCOPStars, Valid: t.OCOPRatingValid,
		ValidUntil: viDate(expires.AddDate(0, 0, -1)), ExpiresOn: viDate(expires), CertifiedOn: viDateString(t.OCOPCertifiedOn),
		ProducerName: t.Producer.Name, ProducerKind: kindNames[t.Producer.Kind], Place: placeText,
		JSONURL: "/v1/products/" + t.ProductID + "/trace",
	}
	for _, cert := range t.Certifications {
		view.Certifications = append(view.Certifications, certView{Label: cert.Label, Code: cert.Number})
	}
	var buf bytes.Buffer
	if err := tracePage.Execute(&buf, view); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// qr is the code a producer prints on its packaging; it opens the public page.
func (a *API) qr(c echo.Context) error {
	p, err := a.app.Product(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(a.baseURL(c)+"/p/"+p.ID, qrcode.Medium, 512)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}

func viDate(d interface{ Format(string) string }) string { return d.Format("02/01/2006") }

func viDateString(iso string) string {
	d, err := ocop.ParseDate(iso)
	if err != nil {
		return iso
	}
	return viDate(d)
}
