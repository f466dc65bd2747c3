// Package search is the matching service's view of the search engine: the
// product document it indexes, the query it sends (text plus hard
// constraints as filters) and the Index both engines implement.
package search

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ocopvn/ocop/pkg/ocop"
)

// Document is a product as the index holds it, with its producer's place,
// so a hit carries everything ranking needs.
type Document struct {
	ID              string   `json:"id"`
	ProducerID      string   `json:"producer_id"`
	ProducerName    string   `json:"producer_name"`
	ProducerKind    string   `json:"producer_kind"`
	Province        string   `json:"province"`
	LegacyProvince  string   `json:"legacy_province"`
	LegacyDistrict  string   `json:"legacy_district"`
	Commune         string   `json:"commune"`
	Lat             float64  `json:"lat"`
	Lon             float64  `json:"lon"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Group           string   `json:"group"`
	Category        string   `json:"category"`
	Tags            []string `json:"tags"`
	Stars           int      `json:"ocop_stars"`
	CertifiedOn     string   `json:"ocop_certified_on"`
	ExpiresOn       string   `json:"ocop_expires_on"`
	Certifications  []string `json:"certifications"`
	Unit            string   `json:"unit"`
	PriceVND        int64    `json:"price_vnd"`
	MonthlyCapacity float64  `json:"monthly_capacity"`
	MinOrder        float64  `json:"min_order"`
	SeasonalMonths  []int    `json:"seasonal_months"`
	ShelfLifeDays   *int     `json:"shelf_life_days"`
	Version         int64    `json:"version"`
}

// Query is what matching asks the engine: relevant text under hard constraints.
type Query struct {
	// Text is the buyer's words, as typed (with or without diacritics).
	Text string
	// Terms are extra words to look for beyond Text, such as synonyms.
	Terms []string
	// Group, when set, keeps only products of that OCOP group.
	Group string
	// Categories, when set, keeps only products of one of them.
	Categories []string
	// Places, when set, keeps only products from one of these places: a
	// province (current or pre-2025), former district or commune, matched
	// folded and without "huyện", "thị xã" and the like.
	Places []string
	// ProductIDs, when set, keeps only these products (a fair's exhibits).
	ProductIDs []string
	// MinStars, when above zero, keeps products rated at least that.
	MinStars int
	// Certifications keeps products holding all of them.
	Certifications []string
	// ValidOn, when set, keeps products whose OCOP rating is valid that day.
	ValidOn time.Time
	// TextOptional scores by the text but keeps products that match none of
	// it, so a filter alone (Categories) decides what is found.
	TextOptional bool
	// Limit is the number of hits wanted.
	Limit int
}

// Hit is a document with the engine's text relevance score (engine units;
// comparable only within one answer). The document may be shared with the
// engine's cache and other answers: read it, never change it.
type Hit struct {
	*Document
	Score float64
}

// Change is one catalogue event applied to the index.
type Change struct {
	Upsert *Document // the product's new state
	Delete string    // or the id of a withdrawn product
}

// Index is a search engine holding the products. Both engines behave the
// same: a product is found by the same words and filtered by the same rules.
type Index interface {
	// Apply applies changes in order and records seq, the catalogue stream
	// sequence of the last one, in the same write, so a restart resumes after it.
	Apply(ctx context.Context, changes []Change, seq uint64) error
	// Sequence is the stream sequence of the last change applied (0 for a new index).
	Sequence(ctx context.Context) (uint64, error)
	// Search returns the best hits for q, best first.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Count returns the number of indexed products.
	Count(ctx context.Context) (uint64, error)
	// Close releases the engine.
	Close() error
}

// PlaceKeys are the names a product's place is found by in Query.Places.
func PlaceKeys(d Document) []string {
	var keys []string
	for _, name := range []string{d.Province, d.LegacyProvince, d.LegacyDistrict, d.Commune} {
		if k := PlaceKey(name); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// placeKinds are the words before a place's name that say what kind of
// place it is; a buyer names "Lục Ngạn", not "huyện Lục Ngạn".
var placeKinds = []string{"thanh pho ", "thi xa ", "thi tran ", "huyen ", "quan ", "tinh ", "xa ", "phuong ", "tp "}

// PlaceKey is the form a place name is compared in: folded, without its kind.
func PlaceKey(name string) string {
	k := strings.Join(strings.Fields(ocop.Fold(strings.ReplaceAll(name, ".", " "))), " ")
	for _, kind := range placeKinds {
		if rest, ok := strings.CutPrefix(k, kind); ok {
			return rest
		}
	}
	return k
}
