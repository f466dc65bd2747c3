package sheet

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// Issue is one thing wrong with one cell, said in Vietnamese and English.
type Issue struct {
	Row        int    `json:"row"`
	Column     string `json:"column"`
	Value      string `json:"value"`
	Vietnamese string `json:"error_vi"`
	English    string `json:"error_en"`
}

// vietnamese says, per column, what a valid cell holds.
var vietnamese = map[string]string{
	"registration_code":       "Mã số thuế/ĐKKD chỉ gồm chữ, số và dấu '-', tối đa 32 ký tự",
	"producer_name":           "Cần ghi tên chủ thể, tối đa 200 ký tự",
	"producer_kind":           "Loại hình phải là HTX, doanh nghiệp, hộ kinh doanh, làng nghề hoặc điểm du lịch",
	"province":                "Tỉnh/thành phố không có trong danh mục 34 tỉnh, thành (hoặc tên tỉnh trước 1/7/2025)",
	"lat":                     "Vĩ độ, kinh độ phải là số thập phân trong lãnh thổ Việt Nam",
	"lon":                     "Vĩ độ, kinh độ phải là số thập phân trong lãnh thổ Việt Nam",
	"email":                   "Email không đúng định dạng",
	"address":                 "Địa chỉ tối đa 200 ký tự",
	"product_name":            "Cần ghi tên sản phẩm, tối đa 200 ký tự",
	"group":                   "Nhóm sản phẩm phải là một trong sáu nhóm OCOP",
	"category":                "Phân nhóm không thuộc nhóm sản phẩm đã ghi",
	"ocop_stars":              "Số sao OCOP phải là 3, 4 hoặc 5",
	"ocop_certified_on":       "Ngày công nhận phải ghi dạng YYYY-MM-DD hoặc DD/MM/YYYY",
	"ocop_certificate_number": "Số quyết định tối đa 60 ký tự",
	"ocop_issued_by":          "Cơ quan công nhận tối đa 200 ký tự",
	"certifications":          "Chứng nhận không có trong danh mục (VietGAP, GlobalGAP, hữu cơ, HACCP, ISO 22000, mã số vùng trồng, truy xuất QR, chỉ dẫn địa lý, nhãn hiệu tập thể)",
	"unit":                    "Đơn vị tính không có trong danh mục",
	"price_vnd":               "Giá bán phải là số dương (đồng)",
	"monthly_capacity":        "Sản lượng/tháng phải là số dương",
	"min_order":               "Đơn hàng tối thiểu phải là số dương, không lớn hơn sản lượng/tháng",
	"seasonal_months":         "Tháng mùa vụ phải là các tháng 1–12, ví dụ 6,7 hoặc 12-2",
	"shelf_life_days":         "Hạn sử dụng phải là số ngày, từ 1 đến 3650",
	"tags":                    "Tối đa 30 từ khóa, mỗi từ khóa tối đa 60 ký tự",
	"description":             "Mô tả tối đa 5000 ký tự",
}

// columnOf maps a domain field to the column it is read from.
var columnOf = map[string]string{
	"producer.name": "producer_name", "producer.kind": "producer_kind", "producer.province": "province",
	"producer.legacy_province": "province", "producer.lat": "lat", "producer.lon": "lon", "producer.email": "email",
	"producer.registration_code": "registration_code", "producer.address": "address", "producer.id": "registration_code",
	"product.name": "product_name", "product.ocop_year": "ocop_certified_on", "product.ocop_expires_on": "ocop_certified_on",
	"product.certification_codes": "certifications", "product.producer_id": "registration_code", "product.id": "product_name",
}

func header(key string) string {
	for _, c := range Columns {
		if c.Key == key {
			return c.Vietnam
		}
	}
	return key
}

// Item is a row read into a producer and its product.
type Item struct {
	Row      int
	Producer domain.Producer
	Product  domain.Product
}

type reader struct {
	row    Row
	issues []Issue
}

func (r *reader) fail(key, english string) {
	for _, is := range r.issues {
		if is.Column == header(key) {
			return
		}
	}
	r.issues = append(r.issues, Issue{Row: r.row.Number, Column: header(key), Value: r.row.Cells[key],
		Vietnamese: vietnamese[key], English: english})
}

func (r *reader) text(key string) string { return r.row.Cells[key] }

func (r *reader) number(key string, required bool) float64 {
	s := r.row.Cells[key]
	if s == "" {
		if required {
			r.fail(key, "is required")
		}
		return 0
	}
	n, ok := ParseNumber(s)
	if !ok {
		r.fail(key, "is not a number")
	}
	return n
}

// ParseNumber reads a number written the Vietnamese way (48.000 and 1,5), the
// English way (48,000 and 1.5) or as a spreadsheet stores it.
func ParseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(s), "đ"), "vnd")
	dot, comma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case dot >= 0 && comma >= 0 && comma > dot:
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	case dot >= 0 && comma >= 0:
		s = strings.ReplaceAll(s, ",", "")
	case dot >= 0 && thousands(s, '.'):
		s = strings.ReplaceAll(s, ".", "")
	case comma >= 0 && thousands(s, ','):
		s = strings.ReplaceAll(s, ",", "")
	case comma >= 0:
		s = strings.Replace(s, ",", ".", 1)
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// thousands reports whether sep separates groups of three digits, as in
// 1.500.000: the Vietnamese thousands separator rather than a decimal point.
func thousands(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// ParseDate reads YYYY-MM-DD, DD/MM/YYYY or a spreadsheet's date serial.
func ParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{ocop.DateLayout, "02/01/2006", "2/1/2006", "02-01-2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 20000 && n < 80000 {
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

var producerKinds = map[string]string{
	"htx": "cooperative", "hop tac xa": "cooperative", "cooperative": "cooperative",
	"doanh nghiep": "enterprise", "cong ty": "enterprise", "enterprise": "enterprise",
	"ho kinh doanh": "household", "ho san xuat": "household", "household": "household",
	"lang nghe": "craft_village", "craft village": "craft_village", "craft_village": "craft_village",
	"diem du lich": "tourism_site", "khu du lich": "tourism_site", "tourism site": "tourism_site", "tourism_site": "tourism_site",
}

var groupNames = func() map[string]string {
	m := map[string]string{}
	for g, name := range ocop.GroupNames {
		m[string(g)] = string(g)
		m[ocop.Fold(name)] = string(g)
	}
	return m
}()

// months reads "6,7", "6-7", "12-2" (over the new year) or "" (all year).
func months(s string) ([]int, bool) {
	var out []int
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		from, to, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(from)
		if err != nil || a < 1 || a > 12 {
			return nil, false
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := strconv.Atoi(to)
		if err != nil || b < 1 || b > 12 {
			return nil, false
		}
		for m := a; ; m = m%12 + 1 {
			out = append(out, m)
			if m == b {
				break
			}
		}
	}
	return out, true
}

// certifications reads "VietGAP: VG-123; HACCP" into codes and a list.
func certifications(s string) ([]string, map[string]string, bool) {
	var list []string
	codes := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		name, code, _ := strings.Cut(part, ":")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		canonical := ""
		for _, c := range ocop.Certifications {
			if strings.EqualFold(strings.ReplaceAll(name, " ", ""), strings.ReplaceAll(c, "_", "")) || strings.EqualFold(name, c) {
				canonical = c
			}
		}
		if canonical == "" {
			return nil, nil, false
		}
		list = append(list, canonical)
		if code = strings.TrimSpace(code); code != "" {
			codes[canonical] = code
		}
	}
	return list, codes, true
}

// Convert reads a row into a producer and its product, validated by the
// domain's rules; every problem is reported against its column.
func Convert(row Row) (Item, []Issue) {
	r := &reader{row: row}
	pr := domain.Producer{
		RegistrationCode: r.text("registration_code"), Name: r.text("producer_name"), Province: r.text("province"),
		LegacyDistrict: r.text("legacy_district"), Commune: r.text("commune"), Address: r.text("address"), Email: r.text("email"),
		Lat: r.number("lat", true), Lon: r.number("lon", true),
	}
	if pr.RegistrationCode == "" {
		r.fail("registration_code", "is required: it is the key the producer is filed under")
	}
	if kind, ok := producerKinds[strings.Join(strings.Fields(ocop.Fold(r.text("producer_kind"))), " ")]; ok {
		pr.Kind = kind
	} else {
		r.fail("producer_kind", "must be cooperative, enterprise, household, craft_village or tourism_site")
	}
	p := domain.Product{
		Name: r.text("product_name"), Category: r.text("category"), Description: r.text("description"),
		OCOPCertificateNumber: r.text("ocop_certificate_number"), OCOPIssuedBy: r.text("ocop_issued_by"),
		Unit: r.text("unit"), MonthlyCapacity: r.number("monthly_capacity", true), MinOrder: r.number("min_order", true),
		PriceVND: int64(math.Round(r.number("price_vnd", true))),
	}
	if g, ok := groupNames[ocop.Fold(r.text("group"))]; ok {
		p.Group = g
	} else {
		r.fail("group", "must be one of thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich")
	}
	if s := r.text("ocop_stars"); s != "" {
		n, ok := ParseNumber(s)
		if !ok || n != math.Trunc(n) {
			r.fail("ocop_stars", "must be 3, 4 or 5")
		}
		p.OCOPStars = int(n)
	}
	if s := r.text("ocop_certified_on"); s != "" {
		if d, ok := ParseDate(s); ok {
			p.OCOPCertifiedOn = d
		} else {
			r.fail("ocop_certified_on", "must be a date: YYYY-MM-DD or DD/MM/YYYY")
		}
	}
	if list, codes, ok := certifications(r.text("certifications")); ok {
		p.Certifications, p.CertificationCodes = list, codes
	} else {
		r.fail("certifications", "names a certification that is not known")
	}
	if m, ok := months(r.text("seasonal_months")); ok {
		p.SeasonalMonths = m
	} else {
		r.fail("seasonal_months", "must list months 1 to 12, e.g. 6,7 or 12-2")
	}
	if s := r.text("shelf_life_days"); s != "" {
		n, ok := ParseNumber(s)
		if !ok || n != math.Trunc(n) {
			r.fail("shelf_life_days", "must be a whole number of days")
		}
		d := int(n)
		p.ShelfLifeDays = &d
	}
	for _, t := range strings.Split(r.text("tags"), ";") {
		if t = strings.TrimSpace(t); t != "" {
			p.Tags = append(p.Tags, t)
		}
	}

	domain.NormaliseProducer(&pr)
	p.Normalise()
	r.report("producer", pr.Validate())
	r.report("product", p.Validate())
	slices.SortStableFunc(r.issues, func(a, b Issue) int { return columnIndex(a.Column) - columnIndex(b.Column) })
	return Item{Row: row.Number, Producer: pr, Product: p}, r.issues
}

// columnIndex orders issues as the columns stand in the template.
func columnIndex(vietnameseHeader string) int {
	for i, c := range Columns {
		if c.Vietnam == vietnameseHeader {
			return i
		}
	}
	return len(Columns)
}

// report turns domain validation errors into issues on their columns.
func (r *reader) report(prefix string, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		return
	}
	for _, f := range e.Fields {
		key, ok := columnOf[prefix+"."+f.Field]
		if !ok {
			key = f.Field
		}
		if prefix == "product" && f.Field == "producer_id" || prefix == "producer" && f.Field == "id" || prefix == "product" && f.Field == "id" {
			continue
		}
		r.fail(key, f.Message)
	}
}
