// Package meili is the Meilisearch engine: for a province that runs search
// as its own service, or shares one across services. It behaves as the
// embedded Bleve engine does: the same words find the same products (folded
// Vietnamese, synonyms, typos forgiven from five letters), the same filters
// decide what is found, and ranking is the same Go function over its hits.
package meili

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/lexicon"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Config is where the engine is and how long to wait on it.
type Config struct {
	URL string
	// Key is an API key allowed to manage the index (the master key in
	// development).
	Key string
	// Index is the products index's uid; the checkpoint lives in Index+"_meta".
	Index string
	// TaskTimeout bounds every wait on a Meilisearch task.
	TaskTimeout time.Duration
}

// maxQueryWords is how many words Meilisearch reads of a query; the rest are
// ignored, so the adapter chooses which to send.
const maxQueryWords = 10

// checkpointID is the meta document holding the catalogue sequence applied.
const checkpointID = "catalogue"

// taskPoll is how often a task's status is asked while waiting.
const taskPoll = 50 * time.Millisecond

// Index is a Meilisearch index of products.
type Index struct {
	client   meilisearch.ServiceManager
	products meilisearch.IndexManager
	meta     meilisearch.IndexManager
	cfg      Config
}

var _ search.Index = (*Index)(nil)

// Open connects to Meilisearch and applies the index settings, waiting for
// them to take effect.
func Open(ctx context.Context, cfg Config, opts ...meilisearch.Option) (*Index, error) {
	if cfg.TaskTimeout <= 0 {
		cfg.TaskTimeout = 30 * time.Second
	}
	if cfg.Index == "" {
		cfg.Index = "products"
	}
	if cfg.Key != "" {
		opts = append(opts, meilisearch.WithAPIKey(cfg.Key))
	}
	client := meilisearch.New(cfg.URL, opts...)
	i := &Index{client: client, products: client.Index(cfg.Index), meta: client.Index(cfg.Index + "_meta"), cfg: cfg}
	for _, uid := range []string{cfg.Index, cfg.Index + "_meta"} {
		task, err := client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"})
		if err != nil {
			return nil, fmt.Errorf("creating Meilisearch index %s at %s: %w", uid, cfg.URL, err)
		}
		// An index that exists already fails this task, which is fine.
		if _, err := i.wait(ctx, task, "creating index "+uid); err != nil && !isTaskError(err, "index_already_exists") {
			return nil, err
		}
	}
	task, err := i.products.UpdateSettings(ctx, Settings())
	if err != nil {
		return nil, fmt.Errorf("applying the Meilisearch index settings: %w", err)
	}
	if _, err := i.wait(ctx, task, "applying the index settings"); err != nil {
		return nil, err
	}
	return i, nil
}

// Settings are the products index's settings: what is searched (folded
// words of the name, tags and description, the most telling first, as
// Bleve searches them), what can be filtered and sorted,
// the synonyms of the lexicon and typos forgiven as Bleve forgives them.
func Settings() *meilisearch.Settings {
	synonyms := map[string][]string{}
	for _, group := range lexicon.Default.SynonymGroups() {
		for _, w := range group {
			for _, other := range group {
				if other != w {
					synonyms[ocop.Fold(w)] = append(synonyms[ocop.Fold(w)], ocop.Fold(other))
				}
			}
		}
	}
	return &meilisearch.Settings{
		SearchableAttributes: []string{fieldName, fieldTags, fieldDescription},
		FilterableAttributes: []string{"id", "group", "category", "certifications", "ocop_stars", fieldExpires, fieldPlaceKeys, "_geo"},
		SortableAttributes:   []string{"ocop_stars", "price_vnd", "_geo"},
		RankingRules:         []string{"words", "typo", "proximity", "attribute", "sort", "exactness"},
		Synonyms:             synonyms,
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
	}
}

// Field names of the stored document beyond search.Document's own.
const (
	fieldName        = "name_folded"
	fieldTags        = "tags_folded"
	fieldDescription = "description_folded"
	fieldExpires     = "expires"
	fieldPlaceKeys   = "place_keys"
)

// document is a product as Meilisearch stores it: the search.Document plus
// folded copies of its words and the fields filters need.
type document struct {
	search.Document
	NameFolded        string   `json:"name_folded"`
	TagsFolded        string   `json:"tags_folded"`
	DescriptionFolded string   `json:"description_folded"`
	Expires           int      `json:"expires"`
	PlaceKeys         []string `json:"place_keys"`
	Geo               *geo     `json:"_geo,omitempty"`
}

type geo struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

func toDocument(d search.Document) document {
	doc := document{
		Document:          d,
		NameFolded:        ocop.Fold(d.Name),
		TagsFolded:        ocop.Fold(strings.Join(d.Tags, " . ")),
		DescriptionFolded: ocop.Fold(d.Description),
		Expires:           dateNumber(d.ExpiresOn),
		PlaceKeys:         search.PlaceKeys(d),
	}
	if d.Lat != 0 || d.Lon != 0 {
		doc.Geo = &geo{Lat: d.Lat, Lng: d.Lon}
	}
	return doc
}

// dateNumber turns an ISO date into yyyymmdd, a number that orders like the date.
func dateNumber(iso string) int {
	n := 0
	for _, c := range iso {
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
		}
	}
	return n
}

// Apply implements search.Index: the changes first, then the checkpoint, each
// waited for; a crash between them replays changes, which are idempotent.
func (i *Index) Apply(ctx context.Context, changes []search.Change, seq uint64) error {
	var upserts []document
	var deletes []string
	flush := func() error {
		if len(upserts) > 0 {
			task, err := i.products.AddDocuments(ctx, upserts, nil)
			if err != nil {
				return fmt.Errorf("sending %d products to Meilisearch: %w", len(upserts), err)
			}
			if _, err := i.wait(ctx, task, "indexing products"); err != nil {
				return err
			}
			upserts = nil
		}
		if len(deletes) > 0 {
			task, err := i.products.DeleteDocuments(ctx, deletes, nil)
			if err != nil {
				return fmt.Errorf("deleting %d products from Meilisearch: %w", len(deletes), err)
			}
			if _, err := i.wait(ctx, task, "deleting products"); err != nil {
				return err
			}
			deletes = nil
		}
		return nil
	}
	// Order matters when one batch upserts and deletes the same product, so
	// a switch between the two sends what came before.
	for _, c := range changes {
		if c.Upsert != nil {
			if len(deletes) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			upserts = append(upserts, toDocument(*c.Upsert))
			continue
		}
		if len(upserts) > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		deletes = append(deletes, c.Delete)
	}
	if err := flush(); err != nil {
		return err
	}
	task, err := i.meta.AddDocuments(ctx, []map[string]any{{"id": checkpointID, "sequence": seq}}, nil)
	if err != nil {
		return fmt.Errorf("recording the index checkpoint: %w", err)
	}
	_, err = i.wait(ctx, task, "recording the index checkpoint")
	return err
}

// Sequence implements search.Index.
func (i *Index) Sequence(ctx context.Context) (uint64, error) {
	var doc struct {
		Sequence uint64 `json:"sequence"`
	}
	err := i.meta.GetDocument(ctx, checkpointID, nil, &doc)
	var apiErr *meilisearch.Error
	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the index checkpoint: %w", err)
	}
	return doc.Sequence, nil
}

// Count implements search.Index.
func (i *Index) Count(ctx context.Context) (uint64, error) {
	stats, err := i.products.GetStats(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("reading the index size: %w", err)
	}
	return uint64(stats.NumberOfDocuments), nil
}

// Drop deletes the index and its checkpoint from Meilisearch.
func (i *Index) Drop(ctx context.Context) error {
	for _, uid := range []string{i.cfg.Index, i.cfg.Index + "_meta"} {
		task, err := i.client.DeleteIndex(ctx, uid)
		if err != nil {
			return fmt.Errorf("deleting Meilisearch index %s: %w", uid, err)
		}
		if _, err := i.wait(ctx, task, "deleting index "+uid); err != nil && !isTaskError(err, "index_not_found") {
			return err
		}
	}
	return nil
}

// SwapWith exchanges this index's contents (and checkpoint) with other's in
// one Meilisearch operation, so searches see the old index or the new one,
// never a mix.
func (i *Index) SwapWith(ctx context.Context, other *Index) error {
	task, err := i.client.SwapIndexes(ctx, []*meilisearch.SwapIndexesParams{
		{Indexes: []string{i.cfg.Index, other.cfg.Index}},
		{Indexes: []string{i.cfg.Index + "_meta", other.cfg.Index + "_meta"}},
	})
	if err != nil {
		return fmt.Errorf("swapping Meilisearch indexes %s and %s: %w", i.cfg.Index, other.cfg.Index, err)
	}
	_, err = i.wait(ctx, task, "swapping indexes")
	return err
}

// Close implements search.Index; the client holds no resources to release.
func (i *Index) Close() error { return nil }

// Search implements search.Index. Text optional (a filter decides what is
// found) is a query answer merged with a placeholder answer of the same
// filter: Meilisearch has no optional words.
func (i *Index) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	filter := Filter(q)
	words := queryWords(q)
	hits, err := i.search(ctx, words, filter, limit)
	if err != nil || !q.TextOptional || len(hits) >= limit {
		return hits, err
	}
	rest, err := i.search(ctx, "", filter, limit)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.ID] = true
	}
	for _, h := range rest {
		if len(hits) == limit {
			break
		}
		if !seen[h.ID] {
			h.Score = 0
			hits = append(hits, h)
		}
	}
	return hits, nil
}

func (i *Index) search(ctx context.Context, words string, filter []string, limit int) ([]search.Hit, error) {
	req := &meilisearch.SearchRequest{
		Limit: int64(limit), ShowRankingScore: true, MatchingStrategy: meilisearch.Frequency,
	}
	if len(filter) > 0 {
		req.Filter = filter
	}
	res, err := i.products.Search(ctx, words, req)
	if err != nil {
		return nil, fmt.Errorf("searching Meilisearch: %w", err)
	}
	hits := make([]search.Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		var doc struct {
			search.Document
			Score float64 `json:"_rankingScore"`
		}
		if err := h.DecodeInto(&doc); err != nil {
			return nil, fmt.Errorf("reading a Meilisearch hit: %w", err)
		}
		hits = append(hits, search.Hit{Document: &doc.Document, Score: doc.Score})
	}
	return hits, nil
}

// queryWords chooses the words sent: Meilisearch reads ten, so the buyer's
// own words come first in order, then the extra terms, each once.
func queryWords(q search.Query) string {
	terms := search.Terms(q.Text, q.Terms)
	var out []string
	seen := map[string]bool{}
	for _, w := range terms.Words {
		if len(out) == maxQueryWords {
			break
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// Filter builds the filter expressions of q, every user value quoted and
// escaped so no value can change the expression.
func Filter(q search.Query) []string {
	var f []string
	if q.Group != "" {
		f = append(f, "group = "+quote(q.Group))
	}
	if len(q.Categories) > 0 {
		f = append(f, "category IN "+list(q.Categories))
	}
	if len(q.Places) > 0 {
		keys := make([]string, len(q.Places))
		for i, p := range q.Places {
			keys[i] = search.PlaceKey(p)
		}
		f = append(f, fieldPlaceKeys+" IN "+list(keys))
	}
	if len(q.ProductIDs) > 0 {
		f = append(f, "id IN "+list(q.ProductIDs))
	}
	if q.MinStars > 0 {
		f = append(f, "ocop_stars >= "+strconv.Itoa(q.MinStars))
	}
	for _, c := range q.Certifications {
		f = append(f, "certifications = "+quote(c))
	}
	if !q.ValidOn.IsZero() {
		f = append(f, fieldExpires+" > "+strconv.Itoa(dateNumber(q.ValidOn.Format(ocop.DateLayout))))
	}
	return f
}

// quote writes s as a Meilisearch filter string: double-quoted, with
// backslashes and quotes escaped.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func list(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = quote(v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// taskError is a Meilisearch task that failed.
type taskError struct {
	what, code, message string
}

func (e *taskError) Error() string {
	return fmt.Sprintf("Meilisearch failed %s: %s (%s)", e.what, e.message, e.code)
}

func isTaskError(err error, code string) bool {
	var te *taskError
	return errors.As(err, &te) && te.code == code
}

// wait waits for a task to finish, at most TaskTimeout.
func (i *Index) wait(ctx context.Context, info *meilisearch.TaskInfo, what string) (*meilisearch.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, i.cfg.TaskTimeout)
	defer cancel()
	task, err := i.client.WaitForTask(ctx, info.TaskUID, taskPoll)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("Meilisearch did not finish %s (task %d) within %s: %w", what, info.TaskUID, i.cfg.TaskTimeout, err)
		}
		return nil, fmt.Errorf("waiting for Meilisearch %s (task %d): %w", what, info.TaskUID, err)
	}
	if task.Status == meilisearch.TaskStatusFailed {
		return task, &taskError{what: what, code: string(task.Error.Code), message: task.Error.Message}
	}
	return task, nil
}
