package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/app"
)

var sorts = []string{"name", "-ocop_stars", "price_vnd", "-price_vnd", "-updated_at"}

type listedJSON struct {
	productJSON
	ProducerName string `json:"producer_name"`
	Province     string `json:"province"`
}

type listJSON struct {
	Items      []listedJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
	Total      int          `json:"total"`
	Facets     app.Facets   `json:"facets"`
}

func (a *API) listProducts(c echo.Context) error {
	var v errs.Validation
	q := c.QueryParams()
	f := app.ProductFilter{
		Group: q.Get("group"), Category: q.Get("category"), Province: q.Get("province"), ProducerID: q.Get("producer_id"),
		Certifications: q["certification"], Sort: q.Get("sort"),
	}
	if f.Group != "" {
		v.Check(ocop.ValidGroup(f.Group), "group", "must be one of thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich")
	}
	if f.Category != "" {
		known := false
		for _, cats := range ocop.Categories {
			known = known || slices.Contains(cats, f.Category)
		}
		v.Check(known, "category", "is not an OCOP category")
	}
	if f.Province != "" {
		_, ok := ocop.LookupProvince(f.Province)
		v.Check(ok, "province", "is not a province of the 34-province map or a pre-2025 province")
	}
	for _, cert := range f.Certifications {
		v.Check(ocop.ValidCertification(cert), "certification", "unknown certification %q", cert)
	}
	if s := q.Get("min_stars"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= ocop.MinStars && n <= ocop.MaxStars, "min_stars", "must be 3, 4 or 5")
		f.MinStars = n
	}
	if s := q.Get("in_season"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= 1 && n <= 12, "in_season", "must be a month from 1 to 12")
		f.InSeason = n
	}
	if s := q.Get("rating_valid"); s != "" {
		valid, err := strconv.ParseBool(s)
		v.Check(err == nil, "rating_valid", "must be true or false")
		if valid {
			f.ValidOn = a.app.Today()
		}
	}
	if f.Sort == "" {
		f.Sort = "name"
	}
	v.Check(slices.Contains(sorts, f.Sort), "sort", "must be one of %s", strings.Join(sorts, ", "))
	page, err := httpserver.ParsePage(c, 20, 100)
	if err != nil {
		v.Merge("", err)
	}
	if page.Cursor != "" {
		f.After = &app.ProductCursor{}
		if err := httpserver.DecodeCursor(page.Cursor, f.After); err != nil {
			v.Merge("", err)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	f.Limit = page.Limit + 1
	items, facets, err := a.app.ListProducts(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := listJSON{Items: []listedJSON{}, Facets: facets}
	for _, n := range facets.Groups {
		out.Total += n
	}
	for i, it := range items {
		if i == page.Limit {
			last := items[i-1]
			out.NextCursor = httpserver.EncodeCursor(app.ProductCursor{Value: last.SortValue, ID: last.ID})
			break
		}
		out.Items = append(out.Items, listedJSON{productJSON: a.toProductJSON(it.Product), ProducerName: it.ProducerName, Province: it.Province})
	}
	return c.JSON(http.StatusOK, out)
}
