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
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/search"
)

// Analyzer names. "folded" lowercases and strips diacritics so "vai thieu"
// finds "vải thiều"; "exact" keeps diacritics so an exactly typed query can
// rank exact spellings first.
const (
	foldFilter     = "ocop_fold"
	foldedAnalyzer = "ocop_folded"
	exactAnalyzer  = "ocop_exact"
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
	fieldTags        = "tags"
	fieldTagsExact   = "tags_exact"
	fieldDescription = "description"
	fieldDescExact   = "description_exact"
	fieldGroup       = "group"
	fieldCategoryKey = "category"
	fieldCerts       = "certifications"
	fieldPlaceKeys   = "place_keys"
	fieldStars       = "stars"
	fieldSource      = "doc"
)

var sequenceKey = []byte("ocop.catalogue.sequence")

// Index is a Bleve index of products.
type Index struct {
	idx       bleve.Index
	temporary string // directory removed on Close, for OpenTemporary
}

var _ search.Index = (*Index)(nil)

// Open opens the index in dir, creating it when absent.
func Open(dir string) (*Index, error) {
	idx, err := bleve.Open(dir)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating index directory %s: %w", dir, err)
		}
		_ = os.Remove(dir)
		idx, err = bleve.New(dir, indexMapping())
	}
	if err != nil {
		return nil, fmt.Errorf("opening Bleve index at %s: %w", dir, err)
	}
	return &Index{idx: idx}, nil
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
	m.ScoringModel = "bm25"
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

	text := func(name, analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Name = name
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
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
	doc.AddFieldMappingsAt(fieldName, text(fieldName, foldedAnalyzer), text(fieldNameExact, exactAnalyzer))
	doc.AddFieldMappingsAt(fieldTags, text(fieldTags, foldedAnalyzer), text(fieldTagsExact, exactAnalyzer))
	doc.AddFieldMappingsAt(fieldDescription, text(fieldDescription, foldedAnalyzer), text(fieldDescExact, exactAnalyzer))
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
	b := i.idx.NewBatch()
	for _, c := range changes {
		if c.Upsert == nil {
			b.Delete(c.Delete)
			continue
		}
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
	if err := i.idx.Batch(b); err != nil {
		return fmt.Errorf("writing %d changes to the index: %w", len(changes), err)
	}
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
	err := i.idx.Close()
	if i.temporary != "" {
		err = errors.Join(err, os.RemoveAll(i.temporary))
	}
	return err
}

// Search implements search.Index. A rating's validity is checked on the
// hits rather than as a filter in the query: a range filter over every
// product's expiry date costs more than the text search itself, and lapsed
// ratings are few, so the search asks for a few more hits than wanted and
// asks again for more only when lapsed ones crowd out the wanted.
func (i *Index) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	size := limit
	if !q.ValidOn.IsZero() {
		size = limit + limit/4 + 5
	}
	day := q.ValidOn.Format(ocop.DateLayout)
	query := buildQuery(q)
	for {
		req := bleve.NewSearchRequestOptions(query, size, 0, false)
		req.Fields = []string{fieldSource}
		res, err := i.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("searching the index: %w", err)
		}
		hits := make([]search.Hit, 0, len(res.Hits))
		for _, h := range res.Hits {
			src, _ := h.Fields[fieldSource].(string)
			var d search.Document
			if err := json.Unmarshal([]byte(src), &d); err != nil {
				return nil, fmt.Errorf("reading indexed product %s: %w", h.ID, err)
			}
			if !q.ValidOn.IsZero() && d.ExpiresOn <= day {
				continue
			}
			hits = append(hits, search.Hit{Document: d, Score: h.Score})
		}
		if len(hits) >= limit || res.Total <= uint64(size) {
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

// phraseFields reward two syllables found together, in order: "vải thiều"
// together beats "vải" and "thiều" apart.
var phraseFields = []struct {
	name  string
	boost float64
}{
	{fieldName, 3}, {fieldTags, 2}, {fieldDescription, 1},
}

// fuzzyFields forgive typos in long words, at a low boost so a word spelled
// right still counts for more.
var fuzzyFields = []struct {
	name  string
	boost float64
}{
	{fieldName, 0.5}, {fieldTags, 0.3},
}

func buildQuery(q search.Query) query.Query {
	var must []query.Query
	// filter adds a clause that decides what is found but not how well: a
	// zero boost keeps a rare category's term score out of text relevance.
	filter := func(f interface {
		query.Query
		SetBoost(float64)
	}) {
		f.SetBoost(0)
		must = append(must, f)
	}
	if q.Group != "" {
		t := bleve.NewTermQuery(q.Group)
		t.SetField(fieldGroup)
		filter(t)
	}
	if len(q.Categories) > 0 {
		var any []query.Query
		for _, c := range q.Categories {
			t := bleve.NewTermQuery(c)
			t.SetField(fieldCategoryKey)
			any = append(any, t)
		}
		filter(bleve.NewDisjunctionQuery(any...))
	}
	if len(q.Places) > 0 {
		var any []query.Query
		for _, p := range q.Places {
			t := bleve.NewTermQuery(search.PlaceKey(p))
			t.SetField(fieldPlaceKeys)
			any = append(any, t)
		}
		filter(bleve.NewDisjunctionQuery(any...))
	}
	if len(q.ProductIDs) > 0 {
		filter(bleve.NewDocIDQuery(q.ProductIDs))
	}
	if q.MinStars > 0 {
		minStars := float64(q.MinStars)
		r := bleve.NewNumericRangeInclusiveQuery(&minStars, nil, ptr(true), nil)
		r.SetField(fieldStars)
		filter(r)
	}
	for _, c := range q.Certifications {
		t := bleve.NewTermQuery(c)
		t.SetField(fieldCerts)
		filter(t)
	}
	terms := search.Terms(q.Text, q.Terms)
	var should []query.Query
	if len(terms.Words) > 0 {
		joined := strings.Join(terms.Words, " ")
		for _, f := range textFields {
			m := bleve.NewMatchQuery(joined)
			m.SetField(f.name)
			m.SetBoost(f.boost)
			should = append(should, m)
		}
		for _, phrase := range terms.Phrases {
			for _, f := range phraseFields {
				p := bleve.NewMatchPhraseQuery(phrase)
				p.SetField(f.name)
				p.SetBoost(f.boost)
				should = append(should, p)
			}
		}
		for _, w := range terms.Words {
			if n := search.Typos(w); n > 0 {
				for _, f := range fuzzyFields {
					fq := bleve.NewFuzzyQuery(w)
					fq.SetFuzziness(n)
					// The first letter must be right: walking the whole term
					// dictionary for every word is what makes a fuzzy query slow
					// on a national catalogue.
					fq.SetPrefix(1)
					fq.SetField(f.name)
					fq.SetBoost(f.boost)
					should = append(should, fq)
				}
			}
		}
		if terms.Exact != "" {
			for _, f := range []string{fieldNameExact, fieldTagsExact, fieldDescExact} {
				m := bleve.NewMatchQuery(terms.Exact)
				m.SetField(f)
				// A subfield has no analyzer of its own for queries; without
				// this the exact words would be folded like the rest.
				m.Analyzer = exactAnalyzer
				m.SetBoost(0.5)
				should = append(should, m)
			}
		}
	}
	if len(should) == 0 {
		must = append(must, bleve.NewMatchAllQuery())
		return bleve.NewConjunctionQuery(must...)
	}
	b := bleve.NewBooleanQuery()
	if len(must) > 0 {
		b.AddMust(must...)
	}
	b.AddShould(should...)
	if !q.TextOptional {
		b.SetMinShould(1)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
