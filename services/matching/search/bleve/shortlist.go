package bleve

import (
	"context"
	"slices"
	"sort"
	"unsafe"

	"github.com/blevesearch/bleve/v2/mapping"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	index "github.com/blevesearch/bleve_index_api"
)

// shortlist finds the products an earlier pass over the same snapshot
// found, by their document numbers there. Bleve's filter by product ids
// looks each id up in every segment's dictionary of ids: with shortlists
// of two hundred on 100,000 products, that and reading the ids of the
// hits were a tenth of the server's CPU at 100 demands a second. The
// numbers are only good for the snapshot they were read from.
type shortlist struct {
	docs  []index.IndexInternalID
	boost float64
}

// newShortlist returns the filter on the products found.
func newShortlist(found []scoredDoc) *shortlist {
	docs := make([]index.IndexInternalID, len(found))
	for k, f := range found {
		docs[k] = f.doc
	}
	slices.SortFunc(docs, index.IndexInternalID.Compare)
	return &shortlist{docs: docs, boost: 1}
}

func (s *shortlist) SetBoost(b float64) { s.boost = b }

// Searcher scores the products found as a filter by ids does: a constant
// times the boost.
func (s *shortlist) Searcher(_ context.Context, _ index.IndexReader, _ mapping.IndexMapping, options blevesearch.SearcherOptions) (blevesearch.Searcher, error) {
	return &shortlistSearcher{docs: s.docs, scorer: scorer.NewConstantScorer(1, s.boost, options)}, nil
}

// shortlistSearcher walks a shortlist's document numbers in order.
type shortlistSearcher struct {
	docs   []index.IndexInternalID
	next   int
	scorer *scorer.ConstantScorer
}

func (s *shortlistSearcher) Next(ctx *blevesearch.SearchContext) (*blevesearch.DocumentMatch, error) {
	if s.next == len(s.docs) {
		return nil, nil
	}
	doc := s.docs[s.next]
	s.next++
	return s.scorer.Score(ctx, doc), nil
}

func (s *shortlistSearcher) Advance(ctx *blevesearch.SearchContext, id index.IndexInternalID) (*blevesearch.DocumentMatch, error) {
	rest := s.docs[s.next:]
	s.next += sort.Search(len(rest), func(k int) bool { return rest[k].Compare(id) >= 0 })
	return s.Next(ctx)
}

func (s *shortlistSearcher) Close() error { return nil }

func (s *shortlistSearcher) Weight() float64 { return s.scorer.Weight() }

func (s *shortlistSearcher) SetQueryNorm(norm float64) { s.scorer.SetQueryNorm(norm) }

func (s *shortlistSearcher) Count() uint64 { return uint64(len(s.docs)) }

func (s *shortlistSearcher) Min() int { return 0 }

func (s *shortlistSearcher) Size() int {
	return int(unsafe.Sizeof(*s)) + s.scorer.Size() + len(s.docs)*int(unsafe.Sizeof(index.IndexInternalID(nil)))
}

func (s *shortlistSearcher) DocumentMatchPoolSize() int { return 1 }
