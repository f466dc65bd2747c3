// Package eval measures ranking quality on a judged data set: it loads a
// catalogue into a fresh index through the matching service's own indexing
// path, ranks every demand with the service's Matcher on the data set's
// as_of day, and scores the rankings against graded judgments.
package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	"github.com/ocopvn/ocop/services/matching/consumers"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Relevant is the lowest grade counted as relevant by precision, recall and
// MRR: grade 2 is "the right product, one constraint mildly missed".
const Relevant = 2

// Metrics are the four figures reported per ranking.
type Metrics struct {
	NDCG10 float64 `json:"ndcg@10"`
	P5     float64 `json:"p@5"`
	R20    float64 `json:"r@20"`
	MRR    float64 `json:"mrr"`
}

// Report is the outcome of one evaluation run.
type Report struct {
	Metrics
	Baseline Metrics `json:"baseline"`
	// Hardest is the ranking's nDCG@10 on the third of demands where the
	// baseline scores lowest, next to the baseline's own there.
	Hardest         float64 `json:"hardest_third_ndcg@10"`
	HardestBaseline float64 `json:"hardest_third_baseline_ndcg@10"`
	// Violations counts products in any top 10 that break a hard constraint
	// the buyer set (group, minimum stars, required certifications, a valid
	// rating on as_of), for the ranking and for the baseline.
	Violations         int                 `json:"constraint_violations_top10"`
	BaselineViolations int                 `json:"baseline_constraint_violations_top10"`
	Demands            int                 `json:"demands"`
	Products           int                 `json:"products"`
	AsOf               string              `json:"as_of"`
	PerDemand          map[string]float64  `json:"ndcg@10_per_demand"`
	Rankings           map[string][]string `json:"rankings"`
}

type demandsFile struct {
	AsOf      string                    `json:"as_of"`
	Demands   []demandJSON              `json:"demands"`
	Judgments map[string]map[string]int `json:"judgments"`
}

type demandJSON struct {
	ID                     string   `json:"id"`
	BuyerKind              string   `json:"buyer_kind"`
	Title                  string   `json:"title"`
	Text                   string   `json:"text"`
	Group                  *string  `json:"group"`
	Quantity               float64  `json:"quantity"`
	Unit                   string   `json:"unit"`
	MaxPriceVND            *int64   `json:"max_price_vnd"`
	MinStars               *int     `json:"min_stars"`
	RequiredCertifications []string `json:"required_certifications"`
	DeliveryProvince       string   `json:"delivery_province"`
	DeliveryLat            float64  `json:"delivery_lat"`
	DeliveryLon            float64  `json:"delivery_lon"`
	NeededBy               *string  `json:"needed_by"`
}

func (d demandJSON) demand() (rank.Demand, error) {
	out := rank.Demand{
		ID: d.ID, Title: d.Title, Text: d.Text, Quantity: d.Quantity, Unit: d.Unit, MaxPriceVND: d.MaxPriceVND,
		RequiredCertifications: d.RequiredCertifications, DeliveryProvince: d.DeliveryProvince,
		DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon,
	}
	if d.Group != nil {
		out.Group = *d.Group
	}
	if d.MinStars != nil {
		out.MinStars = *d.MinStars
	}
	if d.NeededBy != nil {
		t, err := time.Parse(time.DateOnly, *d.NeededBy)
		if err != nil {
			return out, fmt.Errorf("demand %s: needed_by %q is not a date", d.ID, *d.NeededBy)
		}
		out.NeededBy = t
	}
	return out, nil
}

// LoadCatalogue indexes a catalogue file the way the matching service indexes
// catalogue events: each product becomes a ProductChanged with its producer.
func LoadCatalogue(ctx context.Context, index search.Index, data []byte) (int, error) {
	var file struct {
		Producers []json.RawMessage `json:"producers"`
		Products  []json.RawMessage `json:"products"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return 0, fmt.Errorf("reading the catalogue: %w", err)
	}
	producers := map[string]*cataloguev1.Producer{}
	for i, raw := range file.Producers {
		var p cataloguev1.Producer
		if err := protojson.Unmarshal(raw, &p); err != nil {
			return 0, fmt.Errorf("catalogue producer %d: %w", i+1, err)
		}
		producers[p.GetId()] = &p
	}
	changes := make([]search.Change, 0, len(file.Products))
	for i, raw := range file.Products {
		var p cataloguev1.Product
		if err := protojson.Unmarshal(raw, &p); err != nil {
			return 0, fmt.Errorf("catalogue product %d: %w", i+1, err)
		}
		producer, ok := producers[p.GetProducerId()]
		if !ok {
			return 0, fmt.Errorf("catalogue product %s names unknown producer %s", p.GetId(), p.GetProducerId())
		}
		doc := consumers.DocumentFrom(&cataloguev1.ProductChanged{Product: &p, Producer: producer})
		changes = append(changes, search.Change{Upsert: &doc})
	}
	if err := index.Apply(ctx, changes, uint64(len(changes))); err != nil {
		return 0, err
	}
	return len(changes), nil
}

// Run ranks every demand of the demands file against index.
func Run(ctx context.Context, index search.Index, products int, demandsData []byte) (Report, error) {
	var file demandsFile
	if err := json.Unmarshal(demandsData, &file); err != nil {
		return Report{}, fmt.Errorf("reading the demands: %w", err)
	}
	asOf, err := time.Parse(time.DateOnly, file.AsOf)
	if err != nil {
		return Report{}, fmt.Errorf("as_of %q is not a date", file.AsOf)
	}
	matcher := rank.Matcher{Index: index, Ranker: rank.Ranker{Weights: rank.DefaultWeights}}
	rep := Report{
		Demands: len(file.Demands), Products: products, AsOf: file.AsOf,
		PerDemand: map[string]float64{}, Rankings: map[string][]string{},
	}
	type perDemand struct {
		ranked, baseline Metrics
	}
	results := make([]perDemand, 0, len(file.Demands))
	for _, dj := range file.Demands {
		d, err := dj.demand()
		if err != nil {
			return rep, err
		}
		judged := file.Judgments[d.ID]
		matches, err := matcher.Match(ctx, d, asOf)
		if err != nil {
			return rep, fmt.Errorf("ranking %s: %w", d.ID, err)
		}
		ranked := make([]string, 0, 20)
		for _, m := range matches[:min(len(matches), 20)] {
			ranked = append(ranked, m.ProductID)
			if m.Rank <= 10 && !meetsHardConstraints(d, *m.Product, asOf) {
				rep.Violations++
			}
		}
		hits, err := index.Search(ctx, search.Query{Text: d.Title + "\n" + d.Text, Limit: 20})
		if err != nil {
			return rep, fmt.Errorf("baseline for %s: %w", d.ID, err)
		}
		baseline := make([]string, len(hits))
		for i, h := range hits {
			baseline[i] = h.ID
			if i < 10 && !meetsHardConstraints(d, *h.Document, asOf) {
				rep.BaselineViolations++
			}
		}
		rep.Rankings[d.ID] = ranked
		r := perDemand{ranked: score(ranked, judged), baseline: score(baseline, judged)}
		rep.PerDemand[d.ID] = r.ranked.NDCG10
		results = append(results, r)
	}
	for _, r := range results {
		rep.Metrics = add(rep.Metrics, r.ranked)
		rep.Baseline = add(rep.Baseline, r.baseline)
	}
	n := float64(len(results))
	rep.Metrics, rep.Baseline = scale(rep.Metrics, 1/n), scale(rep.Baseline, 1/n)

	sort.SliceStable(results, func(i, j int) bool { return results[i].baseline.NDCG10 < results[j].baseline.NDCG10 })
	third := results[:max(1, len(results)/3)]
	for _, r := range third {
		rep.Hardest += r.ranked.NDCG10 / float64(len(third))
		rep.HardestBaseline += r.baseline.NDCG10 / float64(len(third))
	}
	return rep, nil
}

// meetsHardConstraints checks what a buyer's form fields make non-negotiable.
func meetsHardConstraints(d rank.Demand, p search.Document, on time.Time) bool {
	if d.Group != "" && p.Group != d.Group {
		return false
	}
	if d.MinStars > 0 && p.Stars < d.MinStars {
		return false
	}
	for _, c := range d.RequiredCertifications {
		if !slices.Contains(p.Certifications, c) {
			return false
		}
	}
	expires, err := time.Parse(time.DateOnly, p.ExpiresOn)
	return err == nil && on.Before(expires)
}

// score computes the metrics of one ranking; unjudged products count as 0.
func score(ranking []string, judged map[string]int) Metrics {
	var m Metrics
	dcg := 0.0
	for i, id := range ranking[:min(len(ranking), 10)] {
		dcg += gain(judged[id]) / math.Log2(float64(i+2))
	}
	grades := make([]int, 0, len(judged))
	relevant := 0
	for _, g := range judged {
		grades = append(grades, g)
		if g >= Relevant {
			relevant++
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(grades)))
	ideal := 0.0
	for i, g := range grades[:min(len(grades), 10)] {
		ideal += gain(g) / math.Log2(float64(i+2))
	}
	if ideal > 0 {
		m.NDCG10 = dcg / ideal
	}
	for i, id := range ranking {
		if judged[id] < Relevant {
			continue
		}
		if i < 5 {
			m.P5 += 0.2
		}
		if i < 20 && relevant > 0 {
			m.R20 += 1 / float64(relevant)
		}
		if m.MRR == 0 {
			m.MRR = 1 / float64(i+1)
		}
	}
	return m
}

// gain is the usual graded gain 2^grade − 1: a grade-3 product is worth
// seven grade-1 substitutes.
func gain(grade int) float64 { return math.Pow(2, float64(grade)) - 1 }

func add(a, b Metrics) Metrics {
	return Metrics{a.NDCG10 + b.NDCG10, a.P5 + b.P5, a.R20 + b.R20, a.MRR + b.MRR}
}

func scale(a Metrics, f float64) Metrics {
	return Metrics{a.NDCG10 * f, a.P5 * f, a.R20 * f, a.MRR * f}
}
