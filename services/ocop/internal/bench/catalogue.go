// Package bench measures a running OCOP server the way a province would
// load it: a national-sized catalogue through the public import path,
// product searches and demands arriving at fixed rates, and the producers'
// live streams, next to the bare engines underneath (Bleve, a pgx commit, a
// JetStream publish) so the cost of our layers is visible.
package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ocopvn/ocop/services/catalogue/sheet"
	"github.com/ocopvn/ocop/services/ocop/demo"
)

// columns are the import template's column keys, in order.
var columns = []string{"registration_code", "producer_name", "producer_kind", "province", "legacy_district", "commune", "address",
	"lat", "lon", "email", "product_name", "group", "category", "ocop_stars", "ocop_certified_on", "ocop_certificate_number",
	"ocop_issued_by", "certifications", "unit", "price_vnd", "monthly_capacity", "min_order", "seasonal_months",
	"shelf_life_days", "tags", "description"}

type template struct {
	Name, Description, Group, Category, Unit string
	Stars                                    int
	Certifications                           []string
	PriceVND                                 int64
	MonthlyCapacity, MinOrder                float64
	SeasonalMonths                           []int
	ShelfLifeDays                            *int
	Tags                                     []string
	Producer                                 producerTemplate
}

type producerTemplate struct {
	Name, Kind, Province, LegacyDistrict, Commune string
	Lat, Lon                                      float64
}

// templates reads the demo catalogue: real kinds, names, places and stars.
func templates() ([]template, error) {
	var file struct {
		Producers []struct {
			ID, Name, Kind, Province string
			LegacyDistrict           string `json:"legacy_district"`
			Commune                  string
			Lat, Lon                 float64
		}
		Products []struct {
			ProducerID      string `json:"producer_id"`
			Name            string
			Description     string
			Group           string
			Category        string
			Stars           int      `json:"ocop_stars"`
			Certifications  []string `json:"certifications"`
			Unit            string
			PriceVND        int64   `json:"price_vnd"`
			MonthlyCapacity float64 `json:"monthly_capacity"`
			MinOrder        float64 `json:"min_order"`
			SeasonalMonths  []int   `json:"seasonal_months"`
			ShelfLifeDays   *int    `json:"shelf_life_days"`
			Tags            []string
		}
	}
	if err := json.Unmarshal(demo.Catalogue, &file); err != nil {
		return nil, err
	}
	producers := map[string]producerTemplate{}
	for _, p := range file.Producers {
		producers[p.ID] = producerTemplate{Name: p.Name, Kind: p.Kind, Province: p.Province, LegacyDistrict: p.LegacyDistrict,
			Commune: p.Commune, Lat: p.Lat, Lon: p.Lon}
	}
	out := make([]template, 0, len(file.Products))
	for _, p := range file.Products {
		out = append(out, template{Name: p.Name, Description: p.Description, Group: p.Group, Category: p.Category, Unit: p.Unit,
			Stars: p.Stars, Certifications: p.Certifications, PriceVND: p.PriceVND, MonthlyCapacity: p.MonthlyCapacity,
			MinOrder: p.MinOrder, SeasonalMonths: p.SeasonalMonths, ShelfLifeDays: p.ShelfLifeDays, Tags: p.Tags,
			Producer: producers[p.ProducerID]})
	}
	return out, nil
}

// productsPerProducer is how many products a generated producer offers.
const productsPerProducer = 5

// grades name the variants of a product a producer offers, so names differ
// the way real listings of one kind do.
var grades = []string{"loại 1", "đặc biệt", "hộp quà", "túi 500 g", "xuất khẩu", "truyền thống", "hữu cơ", "cao cấp"}

// Catalogue is a generated catalogue: the import table, and the terms the
// search load asks for.
type Catalogue struct {
	Table sheet.Table
	// Queries are searches buyers type: product kinds with and without
	// diacritics.
	Queries []string
}

// Generate makes n products from the demo catalogue's kinds: each generated
// producer is a real producer's place and kind with a new name and code,
// each product a real product's kind, stars and certifications with a
// variant name, price and capacity. The same seed gives the same catalogue.
func Generate(n int, seed uint64) (Catalogue, error) {
	ts, err := templates()
	if err != nil {
		return Catalogue{}, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	today := time.Now()
	var c Catalogue
	c.Table.Keys = columns
	for i := range n {
		t := ts[rng.IntN(len(ts))]
		producer := i / productsPerProducer
		p := t.Producer
		jitter := func(v float64) string { return strconv.FormatFloat(v+(rng.Float64()-0.5)*0.05, 'f', 4, 64) }
		certified := today.AddDate(0, -rng.IntN(30), -rng.IntN(28))
		grade := grades[rng.IntN(len(grades))]
		cells := map[string]string{
			"registration_code": fmt.Sprintf("BENCH%07d", producer),
			"producer_name":     fmt.Sprintf("%s %d", p.Name, producer),
			"producer_kind":     p.Kind,
			"province":          p.Province,
			"legacy_district":   p.LegacyDistrict,
			"commune":           p.Commune,
			"lat":               jitter(p.Lat),
			"lon":               jitter(p.Lon),
			"product_name":      fmt.Sprintf("%s %s %d", t.Name, grade, i),
			"group":             t.Group,
			"category":          t.Category,
			"ocop_stars":        strconv.Itoa(t.Stars),
			"ocop_certified_on": certified.Format("2006-01-02"),
			"certifications":    strings.Join(t.Certifications, "; "),
			"unit":              t.Unit,
			"price_vnd":         strconv.FormatInt(t.PriceVND*int64(80+rng.IntN(40))/100, 10),
			"monthly_capacity":  strconv.FormatFloat(t.MonthlyCapacity*float64(50+rng.IntN(100))/100, 'f', 0, 64),
			"min_order":         strconv.FormatFloat(t.MinOrder, 'f', -1, 64),
			"seasonal_months":   monthsCell(t.SeasonalMonths),
			"tags":              strings.Join(t.Tags, "; "),
			"description":       t.Description,
		}
		if t.ShelfLifeDays != nil {
			cells["shelf_life_days"] = strconv.Itoa(*t.ShelfLifeDays)
		}
		if cells["min_order"] == "0" {
			cells["min_order"] = "1"
		}
		c.Table.Rows = append(c.Table.Rows, sheet.Row{Number: i + 2, Cells: cells})
	}
	seen := map[string]bool{}
	for _, t := range ts {
		words := strings.Fields(t.Name)
		q := strings.Join(words[:min(3, len(words))], " ")
		if !seen[q] {
			seen[q] = true
			c.Queries = append(c.Queries, q, fold(q))
		}
	}
	return c, nil
}

func monthsCell(ms []int) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.Itoa(m)
	}
	return strings.Join(parts, ",")
}
