// Package bleve is the embedded search engine: a Bleve index on local disk,
// the default for a province running everything on one server.
package bleve

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/shingle"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Analyzer names. "folded" lowercases and strips diacritics so "vai thieu"
// finds "vải thiều"; "exact" keeps diacritics so an exactly typed query can
// rank exact spellings first; "pairs" indexes each two neighbouring folded
// syllables as one term, so "vải thiều" found together is one term lookup
// instead of a phrase query (which reads positions and cost more than all
// the rest of a search on a national catalogue).
const (
	foldFilter     = "ocop_fold"
	pairFilter     = "ocop_pair"
	foldedAnalyzer = "ocop_folded"
	exactAnalyzer  = "ocop_exact"
	pairsAnalyzer  = "ocop_pairs"
)

type foldingFilter struct{}

func (foldingFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, tok := range input {
		tok.Term = []byte(ocop.Fold(string(tok.Term)))
	}
	return input
}

func init() {
	err := registry.RegisterTokenFilter(foldFilter, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldingFilter{}, nil
	})
	if err != nil {
		panic(err)
	}
}

// Field names in the index.
const (
	fieldName        = "name"
	fieldNameExact   = "name_exact"
	fieldNamePairs   = "name_pairs"
	fieldTags        = "tags"
	fieldTagsExact   = "tags_exact"
	fieldTagsPairs   = "tags_pairs"
	fieldDescription = "description"
	fieldDescExact   = "description_exact"
	fieldDescPairs   = "description_pairs"
	// fieldText holds the name, tags and description together: it decides
	// which products are candidates, and how many products a word is in.
	fieldText        = "text"
	fieldGroup       = "group"
	fieldCategoryKey = "category"
	fieldCerts       = "certifications"
	fieldPlaceKeys   = "place_keys"
	fieldStars       = "stars"
	fieldSource      = "doc"
)

var (
	sequenceKey = []byte("ocop.catalogue.sequence")
	mappingKey  = []byte("ocop.mapping")
)

// mappingVersion changes whenever indexMapping does: an index built with
// another mapping lacks fields the queries read, and is rebuilt.
const mappingVersion = "2"

// runtimeConfig keeps the index in few segments. Every term a search looks
// up is looked up in each segment, with a dictionary reader, a postings
// iterator and a doc-id lookup of its own, so a demand's search cost grows
// with the segment count. Bleve's default allows ten segments per size
// tier, which left 7 to 16 segments after importing 100,000 products; two
// per tier leaves 4 (the benchmark's demand: 2.0–2.5 ms and 690–980 KB of
// matching → 1.7 ms and 610 KB), for about twice the merging while a bulk
// import is written. A catalogue is read far more often than it is written.
// It is a new map each time: Bleve writes the index's path into the one it
// is given.
func runtimeConfig() map[string]any {
	return map[string]any{"scorchMergePlanOptions": map[string]any{"maxSegmentsPerTier": 2}}
}

// Index is a Bleve index of products.
type Index struct {
	idx       bleve.Index
	cache     *productCache
	compact   *compactor
	temporary string // directory removed on Close, for OpenTemporary
}

var _ search.Index = (*Index)(nil)

// Open opens the index in dir, creating it when absent. An index built by
// an older version with another mapping is removed and created empty: its
// checkpoint is then 0, so the indexer rebuilds it from the catalogue stream
// as `ocop reindex` would.
func Open(dir string) (*Index, error) {
	idx, err := bleve.OpenUsing(dir, runtimeConfig())
	if err == nil {
		version, verr := idx.GetInternal(mappingKey)
		if verr == nil && string(version) == mappingVersion {
			return newIndex(idx), nil
		}
		if err := errors.Join(verr, idx.Close(), os.RemoveAll(dir)); err != nil {
			return nil, fmt.Errorf("removing the outdated Bleve index at %s: %w", dir, err)
		}
		err = bleve.ErrorIndexPathDoesNotExist
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating index directory %s: %w", dir, err)
		}
		_ = os.Remove(dir)
		if idx, err = bleve.NewUsing(dir, indexMapping(), scorch.Name, scorch.Name, runtimeConfig()); err == nil {
			err = idx.SetInternal(mappingKey, []byte(mappingVersion))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening Bleve index at %s: %w", dir, err)
	}
	return newIndex(idx), nil
}

// newIndex wraps an opened index. One that holds a bulk write's worth of
// products in several segments (closed before its merge, or rebuilt by
// `ocop reindex`) is merged once writes pause, as after the write.
func newIndex(idx bleve.Index) *Index {
	i := &Index{idx: idx, cache: newProductCache()}
	i.compact = newCompactor(i.mergeIntoOne)
	if products, err := idx.DocCount(); err == nil && products >= uint64(compactAfter) && i.segments() > 1 {
		i.compact.wrote(int(products))
	}
	return i
}

// OpenTemporary returns an index in a fresh temporary directory, removed on
// Close, for evaluation runs and tests. It is the same on-disk engine the
// service runs (Bleve's memory-only index scores differently), so what
// `ocop eval` measures is what the service does.
func OpenTemporary() (*Index, error) {
	dir, err := os.MkdirTemp("", "ocop-bleve-*")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary index directory: %w", err)
	}
	idx, err := Open(dir + "/index")
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	idx.temporary = dir
	return idx, nil
}

func indexMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	m.ScoringModel = scoringModel
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(m.AddCustomAnalyzer(foldedAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name, foldFilter},
	}))
	must(m.AddCustomAnalyzer(exactAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}))
	must(m.AddCustomTokenFilter(pairFilter, map[string]any{
		"type": shingle.Name, "min": 2.0, "max": 2.0, "output_original": false, "separator": " ", "filler": "",
	}))
	must(m.AddCustomAnalyzer(pairsAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name, foldFilter, pairFilter},
	}))

	text := func(name, analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Name = name
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	key := func(name string) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Name = name
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	num := func(name string) *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Name = name
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	source := mapping.NewTextFieldMapping()
	source.Name = fieldSource
	source.Index = false
	source.Store = true
	source.IncludeInAll = false
	source.IncludeTermVectors = false
	source.DocValues = false

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldName, text(fieldName, foldedAnalyzer), text(fieldNameExact, exactAnalyzer), text(fieldNamePairs, pairsAnalyzer))
	doc.AddFieldMappingsAt(fieldTags, text(fieldTags, foldedAnalyzer), text(fieldTagsExact, exactAnalyzer), text(fieldTagsPairs, pairsAnalyzer))
	doc.AddFieldMappingsAt(fieldDescription, text(fieldDescription, foldedAnalyzer), text(fieldDescExact, exactAnalyzer),
		text(fieldDescPairs, pairsAnalyzer))
	doc.AddFieldMappingsAt(fieldText, text(fieldText, foldedAnalyzer))
	doc.AddFieldMappingsAt(fieldGroup, key(fieldGroup))
	doc.AddFieldMappingsAt(fieldCategoryKey, key(fieldCategoryKey))
	doc.AddFieldMappingsAt(fieldCerts, key(fieldCerts))
	doc.AddFieldMappingsAt(fieldPlaceKeys, key(fieldPlaceKeys))
	doc.AddFieldMappingsAt(fieldStars, num(fieldStars))
	doc.AddFieldMappingsAt(fieldSource, source)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = foldedAnalyzer
	return m
}

func indexable(d search.Document) (map[string]any, error) {
	src, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		fieldName:        d.Name,
		fieldTags:        strings.Join(d.Tags, " . "),
		fieldDescription: d.Description,
		fieldText:        d.Name + " . " + strings.Join(d.Tags, " . ") + " . " + d.Description,
		fieldGroup:       d.Group,
		fieldCategoryKey: d.Category,
		fieldCerts:       d.Certifications,
		fieldPlaceKeys:   search.PlaceKeys(d),
		fieldStars:       float64(d.Stars),
		fieldSource:      string(src),
	}, nil
}

// Apply implements search.Index: one Bleve batch holds the changes and the
// checkpoint, so they are written together.
func (i *Index) Apply(_ context.Context, changes []search.Change, seq uint64) error {
	written := 0
	i.compact.writing()
	defer func() { i.compact.wrote(written) }()
	b := i.idx.NewBatch()
	ids := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.Upsert == nil {
			b.Delete(c.Delete)
			ids = append(ids, c.Delete)
			continue
		}
		ids = append(ids, c.Upsert.ID)
		doc, err := indexable(*c.Upsert)
		if err != nil {
			return fmt.Errorf("encoding product %s: %w", c.Upsert.ID, err)
		}
		if err := b.Index(c.Upsert.ID, doc); err != nil {
			return fmt.Errorf("indexing product %s: %w", c.Upsert.ID, err)
		}
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], seq)
	b.SetInternal(sequenceKey, buf[:])
	err := i.idx.Batch(b)
	// Invalidated even when the write failed: part of it may have landed.
	i.cache.invalidate(ids)
	if err != nil {
		return fmt.Errorf("writing %d changes to the index: %w", len(changes), err)
	}
	written = len(changes)
	return nil
}

// Sequence implements search.Index.
func (i *Index) Sequence(context.Context) (uint64, error) {
	v, err := i.idx.GetInternal(sequenceKey)
	if err != nil {
		return 0, fmt.Errorf("reading the index checkpoint: %w", err)
	}
	if len(v) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(v), nil
}

// Count implements search.Index.
func (i *Index) Count(context.Context) (uint64, error) { return i.idx.DocCount() }

// Close implements search.Index.
func (i *Index) Close() error {
	i.compact.close()
	err := i.idx.Close()
	if i.temporary != "" {
		err = errors.Join(err, os.RemoveAll(i.temporary))
	}
	return err
}

// commonWord is the number of products above which a word no longer picks
// candidates on its own. A search scores every product its candidate words
// are in, and a syllable such as "hộp" or "quà" is in a large share of a
// national catalogue: scoring all of them is what made a search cost tens of
// milliseconds. Below this many products every word picks candidates, so a
// province's catalogue is searched as a plain "any word" query.
const commonWord = 2000

// Search implements search.Index. Candidates are found in steps, each cheap,
// until there are enough:
//  1. products with any rare word (or, for a word no product has, a word
//     within its typo allowance);
//  2. products with all the common words together;
//  3. when the text is optional, products the filters alone keep; when it
//     is not and nothing was found, products with any of the words.
//
// Every step scores by the same clauses, so scores are comparable across
// steps and the merged answer is ordered as one query would order it.
func (i *Index) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	terms := search.Terms(q.Text, q.Terms)
	// Taken before the snapshot is: see productCache.
	gen := i.cache.generation()
	r, err := i.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	freq, err := frequencies(ctx, r, terms.Words)
	if err != nil {
		return nil, err
	}
	products, err := r.DocCount()
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	steps := candidateSteps(q, terms, freq, products)
	found := make([]search.Hit, 0, limit)
	seen := map[string]bool{}
	for _, s := range steps {
		if s.onlyIfNothing && len(found) > 0 {
			break
		}
		hits, err := i.runStep(ctx, snapshot{r, gen}, q, terms, freq, s, limit)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			if !seen[h.ID] {
				seen[h.ID] = true
				found = append(found, h)
			}
		}
		if len(found) >= limit {
			break
		}
	}
	sort.SliceStable(found, func(a, b int) bool { return found[a].Score > found[b].Score })
	return found[:min(len(found), limit)], nil
}

// step is one way of picking candidates: products the driver query finds
// (nil: any product the filters keep), scored by the text.
type step struct {
	driver boostable
	// anyWord picks products with any of the words or phrases, and
	// onlyIfNothing runs the step only when the steps before found nothing.
	anyWord, onlyIfNothing bool
	// most is the most products the step can find: the driver's words'
	// product counts, or the whole catalogue.
	most uint64
	// shortlisted, when set, are the only products scored: found by the
	// step already, they are not asked again for the filters that weigh
	// nothing, each of which would walk its postings (a group's run to a
	// quarter of a national catalogue) to every one of them.
	shortlisted *shortlist
}

func candidateSteps(q search.Query, terms search.QueryTerms, freq map[string]uint64, products uint64) []step {
	if len(terms.Words) == 0 {
		return []step{{most: products}}
	}
	var rare, common []query.Query
	var inRare uint64
	inCommon := products
	for _, w := range uniq(terms.Words) {
		f := freq[w]
		switch {
		case f > commonWord:
			common = append(common, fieldTerm(w, fieldText))
			inCommon = min(inCommon, f)
		case f > 0:
			rare = append(rare, fieldTerm(w, fieldText))
			inRare += f
		case search.Typos(w) > 0:
			rare = append(rare, fuzzy(w, fieldText, search.Typos(w)))
			// The words a typo allowance reaches are rare too.
			inRare += commonWord
		}
	}
	var steps []step
	if len(rare) > 0 {
		steps = append(steps, step{driver: bleve.NewDisjunctionQuery(rare...), most: min(inRare, products)})
	}
	if len(common) > 0 {
		steps = append(steps, step{driver: bleve.NewConjunctionQuery(common...), most: inCommon})
	}
	if q.TextOptional {
		return append(steps, step{most: products})
	}
	if len(steps) == 0 || len(common) > 1 {
		steps = append(steps, step{anyWord: true, onlyIfNothing: len(steps) > 0, most: products})
	}
	return steps
}

// shortlistFactor sets how many candidates a wide step keeps for full
// scoring: this many times the hits wanted. A step is wide when it may find
// more than wideStep products, which a province's catalogue never holds.
const (
	shortlistFactor = 2
	wideStep        = 1000
)

// runStep finds a step's best hits. A wide step is scored in two passes:
// every candidate by its name alone, then the best of them by every clause.
// Scoring each of thousands of candidates by some twenty clauses is most of
// a search's cost on a national catalogue, and a product whose name lacks
// the words seldom belongs among the best. Where the shortlist holds every
// candidate, the answer is what one pass gives.
func (i *Index) runStep(ctx context.Context, at snapshot, q search.Query, terms search.QueryTerms, freq map[string]uint64, s step, limit int) ([]search.Hit, error) {
	full := buildQuery(q, terms, freq, s)
	wanted := shortlistFactor * limit
	if len(terms.Words) == 0 || s.most <= uint64(max(wanted, wideStep)) {
		return i.run(ctx, at, full, q.ValidOn, limit)
	}
	best, total, err := i.collectDocs(ctx, at.reader, buildShortlistQuery(q, terms, freq, s), wanted)
	if err != nil {
		return nil, err
	}
	if total <= uint64(wanted) {
		return i.run(ctx, at, full, q.ValidOn, limit)
	}
	s.shortlisted = newShortlist(best)
	hits, err := i.run(ctx, at, buildQuery(q, terms, freq, s), q.ValidOn, limit)
	if err != nil || len(hits) == limit {
		return hits, err
	}
	// Lapsed ratings crowded the shortlist: score every candidate.
	return i.run(ctx, at, full, q.ValidOn, limit)
}

// snapshot is the state of the index one search reads, and the product
// cache's generation taken before it.
type snapshot struct {
	reader index.IndexReader
	gen    uint64
}

// reader opens a snapshot of the index; the caller closes it.
func (i *Index) reader() (index.IndexReader, error) {
	engine, err := i.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("opening the index: %w", err)
	}
	r, err := engine.Reader()
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	return r, nil
}

// frequencies counts the products each word is in.
func frequencies(ctx context.Context, r index.IndexReader, words []string) (map[string]uint64, error) {
	freq := make(map[string]uint64, len(words))
	for _, w := range words {
		if _, counted := freq[w]; counted {
			continue
		}
		tf, err := r.TermFieldReader(ctx, []byte(w), fieldText, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("reading the index: %w", err)
		}
		freq[w] = tf.Count()
		_ = tf.Close()
	}
	return freq, nil
}

// run runs one query and reads its hits. A rating's validity is checked on
// the hits rather than as a filter in the query: a range filter over every
// product's expiry date costs more than the text search itself, and lapsed
// ratings are few, so it asks for a few more hits than wanted and asks
// again for more only when lapsed ones crowd out the wanted.
func (i *Index) run(ctx context.Context, at snapshot, query query.Query, validOn time.Time, limit int) ([]search.Hit, error) {
	size := limit
	if !validOn.IsZero() {
		size = limit + limit/4 + 5
	}
	day := validOn.Format(ocop.DateLayout)
	for {
		best, total, err := i.collect(ctx, at.reader, query, size)
		if err != nil {
			return nil, err
		}
		hits := make([]search.Hit, 0, len(best))
		for _, h := range best {
			d, err := i.product(at, h.ID)
			if err != nil {
				return nil, err
			}
			if !validOn.IsZero() && d.ExpiresOn <= day {
				continue
			}
			hits = append(hits, search.Hit{Document: d, Score: h.Score})
		}
		if len(hits) >= limit || total <= uint64(size) {
			return hits[:min(len(hits), limit)], nil
		}
		size *= 4
	}
}

// textFields are searched with these boosts: a word in the name says more
// than the same word deep in a description. Places, producers' names and
// category names are not searched: each field searched costs time on a
// national catalogue, and they barely moved ranking (places are read from
// the buyer's words and matched on the producer's place instead).
var textFields = []struct {
	name  string
	boost float64
}{
	{fieldName, 4}, {fieldTags, 3}, {fieldDescription, 1},
}

// pairFields reward two syllables found together, in order: "vải thiều"
// together beats "vải" and "thiều" apart.
var pairFields = []struct {
	name  string
	boost float64
}{
	{fieldNamePairs, 3}, {fieldTagsPairs, 2}, {fieldDescPairs, 1},
}

// fuzzyFields forgive typos in long words, at a low boost so a word spelled
// right still counts for more.
var fuzzyFields = []struct {
	name  string
	boost float64
}{
	{fieldName, 0.5}, {fieldTags, 0.3},
}

// buildQuery is the engine query of one candidate step: the filters and the
// step's driver decide what is found (at no weight), the text how well.
func buildQuery(q search.Query, terms search.QueryTerms, freq map[string]uint64, s step) query.Query {
	must := filters(q, s)
	should := scoring(terms, freq)
	if len(should) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
		return bleve.NewConjunctionQuery(must...)
	}
	b := bleve.NewBooleanQuery()
	if len(must) > 0 {
		b.AddMust(must...)
	}
	b.AddShould(should...)
	if s.anyWord {
		b.SetMinShould(1)
	}
	return b
}

// buildShortlistQuery finds what buildQuery finds, scored by the words,
// neighbouring pairs and numbers in a product's name alone.
func buildShortlistQuery(q search.Query, terms search.QueryTerms, freq map[string]uint64, s step) query.Query {
	if s.anyWord {
		var any []query.Query
		for _, w := range uniq(terms.Words) {
			if n := search.Typos(w); n > 0 && freq[w] == 0 {
				any = append(any, fuzzy(w, fieldText, n))
			} else {
				any = append(any, fieldTerm(w, fieldText))
			}
		}
		s.driver = bleve.NewDisjunctionQuery(any...)
	}
	b := bleve.NewBooleanQuery()
	if must := filters(q, s); len(must) > 0 {
		b.AddMust(must...)
	}
	should := newRepeatedClauses(len(terms.Words) + len(terms.Phrases))
	for _, w := range uniq(terms.Words) {
		should.addTerm(w, fieldName, 1)
	}
	for _, pair := range terms.Phrases {
		should.addTerm(pair, fieldNamePairs, 1)
	}
	// A number typed with the name ("ST25", "hộp 12") is left out of the
	// words but tells apart products of one name; the full scoring weighs
	// it among the exact spellings.
	if terms.Exact != "" {
		for _, w := range search.Words(terms.Exact) {
			if strings.ContainsAny(w, "0123456789") {
				should.addTerm(w, fieldNameExact, 1)
			}
		}
	}
	b.AddShould(should.queries()...)
	return b
}

// filters are the clauses that decide what a step finds, the driver among them.
func filters(q search.Query, s step) []query.Query {
	var must []query.Query
	// filter adds a clause that decides what is found. Bleve ignores the
	// boost of a disjunction or conjunction, so the words of the kinds and
	// places asked for, and of a step's driver, count in the score; ranking
	// was tuned with them in.
	filter := func(f boostable) {
		f.SetBoost(0)
		must = append(must, f)
	}
	// unscoredFilter adds a single term or range, which at zero boost
	// weighs nothing and so is read without frequencies.
	unscoredFilter := func(f boostable) {
		if s.shortlisted != nil {
			return
		}
		f.SetBoost(0)
		must = append(must, unscored{f})
	}
	if q.Group != "" {
		unscoredFilter(fieldTerm(q.Group, fieldGroup))
	}
	if len(q.Categories) > 0 {
		var any []query.Query
		for _, c := range q.Categories {
			any = append(any, fieldTerm(c, fieldCategoryKey))
		}
		filter(bleve.NewDisjunctionQuery(any...))
	}
	if len(q.Places) > 0 {
		var any []query.Query
		for _, p := range q.Places {
			any = append(any, fieldTerm(search.PlaceKey(p), fieldPlaceKeys))
		}
		filter(bleve.NewDisjunctionQuery(any...))
	}
	switch {
	case s.shortlisted != nil:
		// The shortlist lies among the query's own products (a fair's
		// exhibits, when it names them).
		filter(s.shortlisted)
	case len(q.ProductIDs) > 0:
		filter(bleve.NewDocIDQuery(q.ProductIDs))
	}
	if q.MinStars > 0 {
		minStars := float64(q.MinStars)
		r := bleve.NewNumericRangeInclusiveQuery(&minStars, nil, ptr(true), nil)
		r.SetField(fieldStars)
		unscoredFilter(r)
	}
	for _, c := range q.Certifications {
		unscoredFilter(fieldTerm(c, fieldCerts))
	}
	if s.driver != nil {
		filter(s.driver)
	}
	return must
}

// scoring is the clauses that say how well a product fits the text, nil
// when it has no words. Typos are forgiven only in words no product has: a
// word found as typed is almost always spelled as meant, and each fuzzy
// clause costs a walk of the term dictionary. A word, pair or spelling the
// text repeats counts as often as it appears (see repeatedClauses).
func scoring(terms search.QueryTerms, freq map[string]uint64) []query.Query {
	if len(terms.Words) == 0 {
		return nil
	}
	should := newRepeatedClauses(len(textFields) + len(pairFields)*len(terms.Phrases) + len(fuzzyFields)*len(terms.Words) + 3)
	joined := strings.Join(terms.Words, " ")
	for _, f := range textFields {
		should.add(clauseKey{kind: "match", field: f.name}, repeatedMatch{text: joined, field: f.name, boost: f.boost})
	}
	for _, pair := range terms.Phrases {
		for _, f := range pairFields {
			should.addTerm(pair, f.name, f.boost)
		}
	}
	for _, w := range terms.Words {
		if n := search.Typos(w); n > 0 && freq[w] == 0 {
			for _, f := range fuzzyFields {
				fq := fuzzy(w, f.name, n)
				fq.SetBoost(f.boost)
				should.add(clauseKey{"fuzzy", f.name, w, f.boost}, fq)
			}
		}
	}
	if terms.Exact != "" {
		for _, f := range []string{fieldNameExact, fieldTagsExact, fieldDescExact} {
			// A subfield has no analyzer of its own for queries; without
			// exactAnalyzer the exact words would be folded like the rest.
			should.add(clauseKey{kind: "exact", field: f}, repeatedMatch{text: terms.Exact, field: f, analyzer: exactAnalyzer, boost: 0.5})
		}
	}
	return should.queries()
}

// unscored is a filter read without the frequencies and norms scoring
// needs. Bleve reads them for every product a term steps over on its way to
// the next one a search asks about, where without them it skips: a group
// filter, whose term is in a quarter of a national catalogue, cost more
// than the rest of a demand's search. Only a filter that weighs nothing
// may be unscored.
type unscored struct{ query.Query }

func (u unscored) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options blevesearch.SearcherOptions) (blevesearch.Searcher, error) {
	options.Score = "none"
	s, err := u.Query.Searcher(ctx, i, m, options)
	if err != nil {
		return nil, err
	}
	return weightless{s}, nil
}

// weightless keeps an unscored filter out of the query's normalisation, as
// its zero boost kept it before: Bleve merges an unscored range's terms into
// one searcher that claims a weight of its own.
type weightless struct{ blevesearch.Searcher }

func (weightless) Weight() float64 { return 0 }

func (weightless) SetQueryNorm(float64) {}

// boostable is a query whose weight can be set.
type boostable interface {
	query.Query
	SetBoost(float64)
}

func fieldTerm(term, field string) *query.TermQuery {
	t := bleve.NewTermQuery(term)
	t.SetField(field)
	return t
}

// fuzzy forgives n typos after the first letter: walking the whole term
// dictionary for every word is what makes a fuzzy query slow on a national
// catalogue, and a first letter is rarely mistyped.
func fuzzy(word, field string, n int) *query.FuzzyQuery {
	fq := bleve.NewFuzzyQuery(word)
	fq.SetFuzziness(n)
	fq.SetPrefix(1)
	fq.SetField(field)
	return fq
}

func uniq(words []string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
