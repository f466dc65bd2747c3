package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// ProductFilter narrows and orders a catalogue listing.
type ProductFilter struct {
	Group          string
	Category       string
	Province       string // current province; a pre-2025 name is mapped
	ProducerID     string
	MinStars       int
	Certifications []string // all required
	InSeason       int      // month 1–12 the product must be deliverable in; 0: any
	// ValidOn keeps products whose OCOP rating is valid that day; zero: all.
	ValidOn          time.Time
	IncludeWithdrawn bool
	Sort             string // name, -ocop_stars, price_vnd, -price_vnd, -updated_at
	After            *ProductCursor
	Limit            int
}

// ProductCursor is the position after which a page starts: the last item's
// sort value and id.
type ProductCursor struct {
	Value string `json:"v"`
	ID    string `json:"id"`
}

// ListedProduct is a product in a listing, with its producer's name and
// province and its sort value (for the next page's cursor).
type ListedProduct struct {
	domain.Product
	ProducerName string
	Province     string
	SortValue    string
}

// Facets count the products the filters keep, by group, category, province,
// stars and certification, so a buyer sees where to narrow next.
type Facets struct {
	Groups         map[string]int `json:"group"`
	Categories     map[string]int `json:"category"`
	Provinces      map[string]int `json:"province"`
	Stars          map[string]int `json:"ocop_stars"`
	Certifications map[string]int `json:"certifications"`
}

// ListProducts lists the catalogue for browsing; it is public.
func (c *Catalogue) ListProducts(ctx context.Context, f ProductFilter) ([]ListedProduct, Facets, error) {
	if p, ok := ocop.LookupProvince(f.Province); ok {
		f.Province = p.Name
	}
	return c.repo.ListProducts(ctx, f)
}

// Today is the catalogue's current day in Vietnam.
func (c *Catalogue) Today() time.Time { return ocop.Today(c.now()) }

// Export calls fn for every product with its producer; officials and admins
// export the catalogue.
func (c *Catalogue) Export(ctx context.Context, fn func(domain.Product, domain.Producer) error) error {
	return c.repo.EachProduct(ctx, fn)
}

// Trace returns a product with its producer, for the public traceability page.
func (c *Catalogue) Trace(ctx context.Context, id string) (domain.Product, domain.Producer, error) {
	p, err := c.repo.Product(ctx, id)
	if err != nil {
		return p, domain.Producer{}, err
	}
	pr, err := c.repo.Producer(ctx, p.ProducerID)
	return p, pr, err
}
