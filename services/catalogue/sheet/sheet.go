// Package sheet reads and writes the catalogue spreadsheet a provincial OCOP
// office keeps: one row per product, its producer's columns repeated, in CSV
// or XLSX, headed in Vietnamese (English and the column keys also accepted).
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/ocopvn/ocop/pkg/ocop"
)

// Column is one column of the template.
type Column struct {
	Key      string // stable machine name, also accepted as a header
	Vietnam  string // header as the office writes it
	English  string
	Required bool
	Help     string // what goes in it, for the template's documentation
}

// Columns is the template, in order.
var Columns = []Column{
	{"registration_code", "Mã số thuế/ĐKKD", "Registration code", true, "tax or business registration code of the producer; the key producers are updated by"},
	{"producer_name", "Tên chủ thể", "Producer name", true, "cooperative, enterprise, household business, craft village or tourism site"},
	{"producer_kind", "Loại hình chủ thể", "Producer kind", true, "HTX / doanh nghiệp / hộ kinh doanh / làng nghề / điểm du lịch, or cooperative, enterprise, household, craft_village, tourism_site"},
	{"province", "Tỉnh/Thành phố", "Province", true, "current province, or its name before July 2025 (Bắc Giang is stored as Bắc Ninh, the old name kept)"},
	{"legacy_district", "Huyện (cũ)", "Former district", false, "district before district level was abolished"},
	{"commune", "Xã/Phường", "Commune", false, ""},
	{"address", "Địa chỉ", "Address", false, ""},
	{"lat", "Vĩ độ", "Latitude", true, "decimal degrees, e.g. 21.3558"},
	{"lon", "Kinh độ", "Longitude", true, "decimal degrees, e.g. 106.5262"},
	{"email", "Email", "Email", false, ""},
	{"product_name", "Tên sản phẩm", "Product name", true, "the key products are updated by, together with the registration code"},
	{"group", "Nhóm sản phẩm", "Group", true, "thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich (or the Vietnamese name)"},
	{"category", "Phân nhóm", "Category", true, "e.g. dried_fruit, honey, homestay"},
	{"ocop_stars", "Số sao OCOP", "OCOP stars", true, "3, 4 or 5"},
	{"ocop_certified_on", "Ngày công nhận", "Rating issued on", true, "YYYY-MM-DD or DD/MM/YYYY; the rating lapses 36 months later"},
	{"ocop_certificate_number", "Số quyết định công nhận", "Certificate number", false, ""},
	{"ocop_issued_by", "Cơ quan công nhận", "Issued by", false, "e.g. UBND tỉnh Bắc Giang"},
	{"certifications", "Chứng nhận khác", "Certifications", false, "separated by ';', each optionally with its code: VietGAP: VG-123; growing_area_code: VN-BG-01"},
	{"unit", "Đơn vị tính", "Unit", true, "kg, tấn, chai, hộp, khách, ..."},
	{"price_vnd", "Giá bán (đồng)", "Price (VND)", true, "per unit; 48.000 or 48000"},
	{"monthly_capacity", "Sản lượng/tháng", "Monthly capacity", true, "in the unit"},
	{"min_order", "Đơn hàng tối thiểu", "Minimum order", true, "in the unit"},
	{"seasonal_months", "Tháng mùa vụ", "Season months", false, "e.g. 6,7 or 6-7 or 12-2; empty for all year"},
	{"shelf_life_days", "Hạn sử dụng (ngày)", "Shelf life (days)", false, "empty for non-perishables, plants, animals and services"},
	{"tags", "Từ khóa", "Tags", false, "separated by ';'"},
	{"description", "Mô tả", "Description", false, ""},
}

// Table is a sheet read into strings: the column keys found in the header,
// and the data rows with the file's row numbers.
type Table struct {
	Keys []string // Keys[i] is the column key of cell i
	Rows []Row
}

// Row is one data row.
type Row struct {
	Number int // as the office sees it: the header is row 1
	Cells  map[string]string
}

// Format names a file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FormatOf guesses the format from a file name or content type.
func FormatOf(nameOrType string) (Format, bool) {
	s := strings.ToLower(nameOrType)
	switch {
	case strings.HasSuffix(s, ".xlsx"), strings.Contains(s, "spreadsheetml"):
		return XLSX, true
	case strings.HasSuffix(s, ".csv"), strings.HasPrefix(s, "text/csv"), strings.HasPrefix(s, "text/plain"):
		return CSV, true
	}
	return "", false
}

// HeaderError says what is wrong with a header row.
type HeaderError struct{ Problems []string }

func (e *HeaderError) Error() string { return "the header row: " + strings.Join(e.Problems, "; ") }

// Read parses a CSV (comma or semicolon separated, UTF-8 with or without BOM)
// or the first sheet of an XLSX file.
func Read(r io.Reader, f Format) (Table, error) {
	var records [][]string
	switch f {
	case XLSX:
		x, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
		if err != nil {
			return Table{}, fmt.Errorf("the file is not a readable XLSX workbook: %w", err)
		}
		defer x.Close()
		sheets := x.GetSheetList()
		if len(sheets) == 0 {
			return Table{}, errors.New("the workbook has no sheet")
		}
		if records, err = x.GetRows(sheets[0], excelize.Options{RawCellValue: true}); err != nil {
			return Table{}, fmt.Errorf("reading sheet %q: %w", sheets[0], err)
		}
	case CSV:
		data, err := io.ReadAll(r)
		if err != nil {
			return Table{}, err
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(data) {
			return Table{}, errors.New("the CSV file is not UTF-8: save it as \"CSV UTF-8\"")
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma = separator(data)
		cr.FieldsPerRecord = -1
		if records, err = cr.ReadAll(); err != nil {
			return Table{}, fmt.Errorf("the CSV file is malformed: %w", err)
		}
	default:
		return Table{}, fmt.Errorf("unknown format %q: use csv or xlsx", f)
	}
	return table(records)
}

// separator picks ';' for files saved by a spreadsheet in a locale whose
// decimal comma pushes the list separator to ';', as Vietnamese ones do.
func separator(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

func headerKey(h string) string {
	f := strings.Join(strings.Fields(ocop.Fold(h)), " ")
	for _, c := range Columns {
		if f == c.Key || f == strings.Join(strings.Fields(ocop.Fold(c.Vietnam)), " ") || f == strings.ToLower(c.English) {
			return c.Key
		}
	}
	return ""
}

func table(records [][]string) (Table, error) {
	var t Table
	if len(records) == 0 {
		return t, &HeaderError{Problems: []string{"the file is empty"}}
	}
	var problems []string
	seen := map[string]bool{}
	for i, h := range records[0] {
		if strings.TrimSpace(h) == "" {
			t.Keys = append(t.Keys, "")
			continue
		}
		key := headerKey(h)
		if key == "" {
			problems = append(problems, fmt.Sprintf("column %d %q is not a column of the template", i+1, h))
		}
		if key != "" && seen[key] {
			problems = append(problems, fmt.Sprintf("column %q appears twice", h))
		}
		seen[key] = true
		t.Keys = append(t.Keys, key)
	}
	for _, c := range Columns {
		if c.Required && !seen[c.Key] {
			problems = append(problems, fmt.Sprintf("the required column %q (%s) is missing", c.Vietnam, c.English))
		}
	}
	if len(problems) > 0 {
		return t, &HeaderError{Problems: problems}
	}
	for i, rec := range records[1:] {
		row := Row{Number: i + 2, Cells: map[string]string{}}
		empty := true
		for j, v := range rec {
			if j < len(t.Keys) && t.Keys[j] != "" {
				v = strings.TrimSpace(v)
				row.Cells[t.Keys[j]] = v
				empty = empty && v == ""
			}
		}
		if !empty {
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}
