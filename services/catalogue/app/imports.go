package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/domain"
	"github.com/ocopvn/ocop/services/catalogue/sheet"
)

// ProductKey finds a product by its producer and name, as an import does.
type ProductKey struct {
	ProducerID string
	Name       string // lowercased
}

// KeyOf returns the import key of a product.
func KeyOf(p domain.Product) ProductKey {
	return ProductKey{ProducerID: p.ProducerID, Name: strings.ToLower(p.Name)}
}

// ImportTx is one import transaction: look-ups, writes, and a savepoint per
// row so a failing row is undone alone.
type ImportTx interface {
	ProducersByCode(ctx context.Context, codes []string) (map[string]domain.Producer, error)
	ProductsByKey(ctx context.Context, keys []ProductKey) (map[ProductKey]domain.Product, error)
	// ProductsOf returns the products of each producer.
	ProductsOf(ctx context.Context, producerIDs []string) (map[string][]domain.Product, error)
	Row(ctx context.Context, fn func() error) error
	InsertProducer(ctx context.Context, p domain.Producer) error
	UpdateProducer(ctx context.Context, p domain.Producer) error
	InsertProduct(ctx context.Context, p domain.Product) error
	UpdateProduct(ctx context.Context, p domain.Product) error
	Emit(evs ...events.Event)
}

// ImportBatch is how many rows one transaction holds: a large file is
// imported in steps rather than in one long transaction.
const ImportBatch = 500

// Outcome is what an import did with a row.
type Outcome string

const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Failed    Outcome = "failed"
)

// RowResult is the outcome of one row.
type RowResult struct {
	Row        int     `json:"row"`
	ProducerID string  `json:"producer_id,omitempty"`
	ProductID  string  `json:"product_id,omitempty"`
	Producer   Outcome `json:"producer"`
	Product    Outcome `json:"product"`
}

// ImportReport is what an import did, row by row.
type ImportReport struct {
	DryRun  bool           `json:"dry_run"`
	Rows    int            `json:"rows"`
	Counts  map[string]int `json:"counts"`
	Issues  []sheet.Issue  `json:"issues"`
	Results []RowResult    `json:"results"`
}

// Import upserts producers by registration code and products by producer and
// name. Rows with issues are reported and skipped; the good rows go in.
// Importing the same rows again changes nothing and emits nothing. A dry run
// does all of it and then rolls it back.
func (c *Catalogue) Import(ctx context.Context, who auth.Principal, items []sheet.Item, issues []sheet.Issue, dryRun bool) (ImportReport, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) {
		return ImportReport{}, errs.Errorf(errs.Forbidden, "only officials and admins import the catalogue")
	}
	rep := ImportReport{DryRun: dryRun, Rows: len(items), Counts: map[string]int{}, Issues: issues, Results: []RowResult{}}
	bad := map[int]bool{}
	for _, is := range issues {
		bad[is.Row] = true
	}
	var good []sheet.Item
	for _, it := range items {
		if bad[it.Row] {
			rep.Results = append(rep.Results, RowResult{Row: it.Row, Producer: Failed, Product: Failed})
			continue
		}
		good = append(good, it)
	}
	step := ImportBatch
	if dryRun {
		// One transaction, so a producer a dry run would create is seen by
		// its later rows, as in a real import.
		step = len(good) + 1
	}
	for start := 0; start < len(good); start += step {
		batch := good[start:min(start+step, len(good))]
		// The repository may run the batch twice (see Repository.Import):
		// only the run that succeeds is reported.
		var results []RowResult
		var rowIssues []sheet.Issue
		err := c.repo.Import(ctx, dryRun, func(tx ImportTx) error {
			var err error
			results, rowIssues, err = c.importBatch(ctx, tx, batch)
			return err
		})
		rep.Results = append(rep.Results, results...)
		rep.Issues = append(rep.Issues, rowIssues...)
		if err != nil {
			return rep, err
		}
	}
	for _, r := range rep.Results {
		rep.Counts["producers_"+string(r.Producer)]++
		rep.Counts["products_"+string(r.Product)]++
	}
	return rep, nil
}

func (c *Catalogue) importBatch(ctx context.Context, tx ImportTx, batch []sheet.Item) ([]RowResult, []sheet.Issue, error) {
	codes := make([]string, 0, len(batch))
	for _, it := range batch {
		codes = append(codes, it.Producer.RegistrationCode)
	}
	producers, err := tx.ProducersByCode(ctx, codes)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]ProductKey, 0, len(batch))
	for _, it := range batch {
		if p, ok := producers[it.Producer.RegistrationCode]; ok {
			it.Product.ProducerID = p.ID
			keys = append(keys, KeyOf(it.Product))
		}
	}
	products, err := tx.ProductsByKey(ctx, keys)
	if err != nil {
		return nil, nil, err
	}

	now := c.now().UTC()
	changedProducers := map[string]domain.Producer{}
	var (
		results []RowResult
		issues  []sheet.Issue
		evs     []events.Event
	)
	for _, it := range batch {
		res := RowResult{Row: it.Row}
		err := tx.Row(ctx, func() error {
			pr, outcome, err := upsertProducer(ctx, tx, producers, it.Producer, now)
			if err != nil {
				return err
			}
			res.ProducerID, res.Producer = pr.ID, outcome
			if outcome != Unchanged {
				changedProducers[pr.ID] = pr
			}
			it.Product.ProducerID = pr.ID
			p, outcome, err := upsertProduct(ctx, tx, products, it.Product, now)
			if err != nil {
				return err
			}
			res.ProductID, res.Product = p.ID, outcome
			if outcome != Unchanged {
				if _, restated := changedProducers[pr.ID]; !restated {
					pe, err := productChanged(ctx, p, pr)
					if err != nil {
						return err
					}
					evs = append(evs, pe...)
				}
			}
			return nil
		})
		if err != nil {
			if !isRowError(err) {
				return results, issues, err
			}
			res.Producer, res.Product = Failed, Failed
			issues = append(issues, sheet.Issue{Row: it.Row, Column: "", Value: "",
				Vietnamese: "Không ghi được dòng này: " + err.Error(), English: err.Error()})
		}
		results = append(results, res)
	}
	changed := slices.Sorted(maps.Keys(changedProducers))
	prods, err := tx.ProductsOf(ctx, changed)
	if err != nil {
		return results, issues, err
	}
	for _, id := range changed {
		pe, err := producerChanged(ctx, changedProducers[id], prods[id])
		if err != nil {
			return results, issues, err
		}
		evs = append(evs, pe...)
	}
	tx.Emit(evs...)
	return results, issues, nil
}

// isRowError reports whether err is about the row's data (a conflict), which
// fails the row, rather than about the database, which fails the import.
func isRowError(err error) bool {
	code := errs.CodeOf(err)
	return code == errs.Conflict || code == errs.Invalid
}

func upsertProducer(ctx context.Context, tx ImportTx, known map[string]domain.Producer, in domain.Producer, now time.Time) (domain.Producer, Outcome, error) {
	existing, ok := known[in.RegistrationCode]
	if !ok {
		in.ID = ocop.NewID("prd")
		in.Version, in.CreatedAt, in.UpdatedAt = 1, now, now
		if err := tx.InsertProducer(ctx, in); err != nil {
			return in, Failed, err
		}
		known[in.RegistrationCode] = in
		return in, Created, nil
	}
	in.ID, in.Version, in.CreatedAt, in.UpdatedAt = existing.ID, existing.Version, existing.CreatedAt, existing.UpdatedAt
	if domain.SameProducer(existing, in) {
		return existing, Unchanged, nil
	}
	in.Version++
	in.UpdatedAt = now
	if err := tx.UpdateProducer(ctx, in); err != nil {
		return in, Failed, err
	}
	known[in.RegistrationCode] = in
	return in, Updated, nil
}

func upsertProduct(ctx context.Context, tx ImportTx, known map[ProductKey]domain.Product, in domain.Product, now time.Time) (domain.Product, Outcome, error) {
	key := KeyOf(in)
	existing, ok := known[key]
	if !ok {
		in.ID = ocop.NewID("p")
		in.Version, in.CreatedAt, in.UpdatedAt = 1, now, now
		if err := tx.InsertProduct(ctx, in); err != nil {
			return in, Failed, err
		}
		known[key] = in
		return in, Created, nil
	}
	in.ID, in.Version, in.CreatedAt, in.UpdatedAt = existing.ID, existing.Version, existing.CreatedAt, existing.UpdatedAt
	if domain.SameProduct(existing, in) {
		return existing, Unchanged, nil
	}
	in.Version++
	in.UpdatedAt = now
	if err := tx.UpdateProduct(ctx, in); err != nil {
		return in, Failed, err
	}
	known[key] = in
	return in, Updated, nil
}
