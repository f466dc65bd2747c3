package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/services/catalogue/domain"
	"github.com/ocopvn/ocop/services/catalogue/sheet"
)

// MaxImportBytes bounds an uploaded spreadsheet: 20,000 rows of the template
// take about 10 MB as CSV.
const MaxImportBytes = 64 << 20

// importFile takes a CSV or XLSX file (the body, or the "file" field of a
// multipart form) and answers with the row-by-row report.
func (a *API) importFile(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleOfficial, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var v errs.Validation
	dryRun, firstRow := false, 2
	if s := c.QueryParam("dry_run"); s != "" {
		dryRun, err = strconv.ParseBool(s)
		v.Check(err == nil, "dry_run", "must be true or false")
	}
	if s := c.QueryParam("first_row"); s != "" {
		firstRow, err = strconv.Atoi(s)
		v.Check(err == nil && firstRow >= 2, "first_row", "must be the file row number of the first data row (2 or more)")
	}
	if err := v.Err(); err != nil {
		return err
	}
	data, format, err := upload(c)
	if err != nil {
		return err
	}
	table, err := sheet.Read(bytes.NewReader(data), format)
	if err != nil {
		var he *sheet.HeaderError
		if errors.As(err, &he) {
			for _, p := range he.Problems {
				v.Add("file", "%s", p)
			}
			return v.Err()
		}
		v.Add("file", "%s", err.Error())
		return v.Err()
	}
	var (
		items  []sheet.Item
		issues []sheet.Issue
	)
	for _, row := range table.Rows {
		row.Number += firstRow - 2
		it, is := sheet.Convert(row)
		items = append(items, it)
		issues = append(issues, is...)
	}
	rep, err := a.app.Import(ctx, who, items, issues, dryRun)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func upload(c echo.Context) ([]byte, sheet.Format, error) {
	var v errs.Validation
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	if fh, err := c.FormFile("file"); err == nil {
		format, ok := sheet.FormatOf(fh.Filename)
		if !ok {
			v.Add("file", "must be a .csv or .xlsx file, not %q", fh.Filename)
			return nil, "", v.Err()
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		return data, format, err
	}
	format, ok := sheet.FormatOf(ct)
	if !ok {
		v.Add("file", "send a CSV (Content-Type: text/csv) or XLSX file, or a multipart form with a \"file\" field")
		return nil, "", v.Err()
	}
	data, err := io.ReadAll(req.Body)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return nil, "", echo.ErrStatusRequestEntityTooLarge
	}
	return data, format, err
}

// export writes the whole catalogue in the import template's layout, so it
// can be edited and imported back.
func (a *API) export(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := auth.Require(ctx, auth.RoleOfficial, auth.RoleAdmin); err != nil {
		return err
	}
	format := sheet.Format(c.QueryParam("format"))
	if format == "" {
		format = sheet.CSV
	}
	contentType := map[sheet.Format]string{
		sheet.CSV:  "text/csv; charset=utf-8",
		sheet.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}[format]
	if contentType == "" {
		var v errs.Validation
		v.Add("format", "must be csv or xlsx")
		return v.Err()
	}
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, format)
	if err != nil {
		return err
	}
	err = a.app.Export(ctx, func(p domain.Product, pr domain.Producer) error { return w.Write(sheet.Record(p, pr)) })
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="ocop-catalogue.`+string(format)+`"`)
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}
