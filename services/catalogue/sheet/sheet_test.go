package sheet

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/catalogue/domain"
)

func TestParseNumber(t *testing.T) {
	cases := map[string]float64{
		"48000": 48000, "48.000": 48000, "1.500.000": 1500000, "48,000": 48000, "1,5": 1.5, "21,3558": 21.3558,
		"1.234,5": 1234.5, "1,234.5": 1234.5, "150.000đ": 150000, "0.5": 0.5, " 300 ": 300,
	}
	for in, want := range cases {
		got, ok := ParseNumber(in)
		if !ok || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"ba trăm", "", "1e400", "NaN"} {
		if _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"2024-03-03", "03/03/2024", "3/3/2024", "45354"} {
		got, ok := ParseDate(in)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"31/02/2024", "2024/13/01", "yesterday"} {
		if _, ok := ParseDate(bad); ok {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestMonths(t *testing.T) {
	cases := map[string][]int{"": nil, "6,7": {6, 7}, "6-8": {6, 7, 8}, "12-2": {12, 1, 2}, "1; 3": {1, 3}}
	for in, want := range cases {
		got, ok := months(in)
		if !ok || !slices.Equal(got, want) {
			t.Errorf("months(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := months("13"); ok {
		t.Error("month 13 accepted")
	}
}

func TestCertifications(t *testing.T) {
	list, codes, ok := certifications("VietGAP: VG-1; growing area code: VN-01; HACCP")
	require.True(t, ok)
	require.Equal(t, []string{"VietGAP", "growing_area_code", "HACCP"}, list)
	require.Equal(t, map[string]string{"VietGAP": "VG-1", "growing_area_code": "VN-01"}, codes)
	_, _, ok = certifications("FDA")
	require.False(t, ok)
}

func TestReadRefusesBadHeaders(t *testing.T) {
	_, err := Read(strings.NewReader("Tên sản phẩm,Màu sắc\nA,đỏ\n"), CSV)
	var he *HeaderError
	require.True(t, errors.As(err, &he))
	joined := strings.Join(he.Problems, "\n")
	require.Contains(t, joined, `"Màu sắc" is not a column`)
	require.Contains(t, joined, "Mã số thuế/ĐKKD")

	_, err = Read(bytes.NewReader([]byte{0xff, 0xfe, 'a'}), CSV)
	require.ErrorContains(t, err, "not UTF-8")
}

func TestReadAcceptsSemicolonsAndEnglishHeaders(t *testing.T) {
	var b strings.Builder
	for i, c := range Columns {
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(c.English)
	}
	b.WriteString("\n")
	table, err := Read(strings.NewReader(b.String()+strings.Repeat(";", len(Columns)-1)+"\n"), CSV)
	require.NoError(t, err)
	require.Len(t, table.Keys, len(Columns))
	require.Empty(t, table.Rows, "empty rows are skipped")
}

func TestSampleFileRowsAndIssues(t *testing.T) {
	f, err := os.Open("testdata/import-sample.csv")
	require.NoError(t, err)
	defer f.Close()
	table, err := Read(f, CSV)
	require.NoError(t, err)
	require.Len(t, table.Rows, 6)

	var items []Item
	issues := map[int][]string{}
	for _, row := range table.Rows {
		it, is := Convert(row)
		items = append(items, it)
		for _, i := range is {
			require.NotEmpty(t, i.Vietnamese, "row %d %s", i.Row, i.Column)
			require.NotEmpty(t, i.English, "row %d %s", i.Row, i.Column)
			issues[i.Row] = append(issues[i.Row], i.Column)
		}
	}
	require.Equal(t, map[int][]string{
		4: {"Nhóm sản phẩm", "Số sao OCOP", "Giá bán (đồng)"},
		5: {"Tỉnh/Thành phố", "Ngày công nhận"},
		7: {"Mã số thuế/ĐKKD", "Chứng nhận khác"},
	}, issues)

	dried := items[0]
	require.Equal(t, "Bắc Ninh", dried.Producer.Province)
	require.Equal(t, "Bắc Giang", dried.Producer.LegacyProvince)
	require.Equal(t, "cooperative", dried.Producer.Kind)
	require.InDelta(t, 21.3558, dried.Producer.Lat, 1e-9)
	require.EqualValues(t, 150000, dried.Product.PriceVND)
	require.EqualValues(t, 20000, dried.Product.MonthlyCapacity)
	require.Equal(t, "2027-03-03", dried.Product.OCOPExpiresOn.Format("2006-01-02"))
	require.Equal(t, "VN-BGLN-0012", dried.Product.CertificationCodes["growing_area_code"])

	fresh := items[1]
	require.Equal(t, "thuc_pham", fresh.Product.Group, "a group may be written by its Vietnamese name")
	require.Equal(t, []int{6, 7}, fresh.Product.SeasonalMonths)
	require.Contains(t, fresh.Product.Certifications, "geographical_indication")

	peach := items[4]
	require.Equal(t, "Hải Phòng", peach.Producer.Province)
	require.Equal(t, []int{1, 2, 12}, peach.Product.SeasonalMonths)
	require.Equal(t, "2026-12-28", peach.Product.OCOPExpiresOn.Format("2006-01-02"), "issued on the 30th, lapses on the 28th")
}

func TestWriteThenReadRoundTrips(t *testing.T) {
	shelf := 365
	p := domain.Product{
		Name: "Vải thiều sấy", Group: "thuc_pham", Category: "dried_fruit", OCOPStars: 4,
		OCOPCertifiedOn: time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC), OCOPCertificateNumber: "12/QĐ",
		Certifications: []string{"HACCP", "growing_area_code"}, CertificationCodes: map[string]string{"growing_area_code": "VN-01"},
		Unit: "kg", PriceVND: 150000, MonthlyCapacity: 2500.5, MinOrder: 50, SeasonalMonths: []int{}, ShelfLifeDays: &shelf,
		Tags: []string{"vải sấy", "Lục Ngạn"}, Description: "Sấy, đóng túi; giao \"tận nơi\"",
	}
	pr := domain.Producer{RegistrationCode: "2400123456", Name: "HTX A", Kind: "cooperative", Province: "Bắc Ninh",
		LegacyProvince: "Bắc Giang", Lat: 21.3558, Lon: 106.5262}
	p.Normalise()
	for _, f := range []Format{CSV, XLSX} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, f)
		require.NoError(t, err)
		require.NoError(t, w.Write(Record(p, pr)))
		require.NoError(t, w.Close())
		table, err := Read(&buf, f)
		require.NoError(t, err, f)
		require.Len(t, table.Rows, 1)
		it, issues := Convert(table.Rows[0])
		require.Empty(t, issues, f)
		require.True(t, domain.SameProduct(p, it.Product), "%s: %+v\n%+v", f, p, it.Product)
		require.Equal(t, "Bắc Giang", it.Producer.LegacyProvince)
	}
}
