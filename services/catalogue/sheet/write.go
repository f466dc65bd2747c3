package sheet

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// Record returns a product and its producer as the template's cells, in
// column order: what Read and Convert read back unchanged. The province is
// written as the pre-2025 name, which an import maps to the current province
// and keeps, so a round trip loses neither.
func Record(p domain.Product, pr domain.Producer) []string {
	var certs []string
	for _, c := range p.Certifications {
		if code := p.CertificationCodes[c]; code != "" {
			certs = append(certs, c+": "+code)
		} else {
			certs = append(certs, c)
		}
	}
	months := make([]string, len(p.SeasonalMonths))
	for i, m := range p.SeasonalMonths {
		months[i] = strconv.Itoa(m)
	}
	shelf := ""
	if p.ShelfLifeDays != nil {
		shelf = strconv.Itoa(*p.ShelfLifeDays)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	return []string{
		pr.RegistrationCode, pr.Name, pr.Kind, pr.LegacyProvince, pr.LegacyDistrict, pr.Commune, pr.Address,
		num(pr.Lat), num(pr.Lon), pr.Email, p.Name, p.Group, p.Category, strconv.Itoa(p.OCOPStars),
		p.OCOPCertifiedOn.Format(ocop.DateLayout), p.OCOPCertificateNumber, p.OCOPIssuedBy, strings.Join(certs, "; "),
		p.Unit, strconv.FormatInt(p.PriceVND, 10), num(p.MonthlyCapacity), num(p.MinOrder), strings.Join(months, ","),
		shelf, strings.Join(p.Tags, "; "), p.Description,
	}
}

// Writer writes rows of the template to CSV or XLSX.
type Writer struct {
	format Format
	csv    *csv.Writer
	xlsx   *excelize.File
	stream *excelize.StreamWriter
	out    io.Writer
	row    int
}

// NewWriter starts a file with the template's Vietnamese header row.
func NewWriter(out io.Writer, f Format) (*Writer, error) {
	w := &Writer{format: f, out: out}
	header := make([]string, len(Columns))
	for i, c := range Columns {
		header[i] = c.Vietnam
	}
	switch f {
	case CSV:
		// A BOM makes spreadsheet programs open the file as UTF-8.
		if _, err := io.WriteString(out, "\xef\xbb\xbf"); err != nil {
			return nil, err
		}
		w.csv = csv.NewWriter(out)
	case XLSX:
		w.xlsx = excelize.NewFile()
		sw, err := w.xlsx.NewStreamWriter("Sheet1")
		if err != nil {
			return nil, err
		}
		w.stream = sw
	default:
		return nil, fmt.Errorf("unknown format %q: use csv or xlsx", f)
	}
	return w, w.Write(header)
}

// Write adds one row.
func (w *Writer) Write(cells []string) error {
	w.row++
	if w.csv != nil {
		return w.csv.Write(cells)
	}
	values := make([]any, len(cells))
	for i, c := range cells {
		values[i] = c
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.stream.SetRow(cell, values)
}

// Close finishes the file.
func (w *Writer) Close() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	if err := w.stream.Flush(); err != nil {
		return err
	}
	_, err := w.xlsx.WriteTo(w.out)
	if cerr := w.xlsx.Close(); err == nil {
		err = cerr
	}
	return err
}
