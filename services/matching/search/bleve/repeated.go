package bleve

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/scorer"
	index "github.com/blevesearch/bleve_index_api"
)

// A demand's title is usually repeated in its text ("Mứt gừng" and "Cần mứt
// gừng cho cửa hàng"), so its words, neighbouring pairs and exact spellings
// come with repeats, and ranking was tuned with every repeat counting:
// counting each once lowered nDCG@10 on the judged demands from 0.901 to
// 0.894. Bleve searches a repeated clause once per repeat, each time walking
// the same postings: a third of a demand's search on a national catalogue
// (BenchmarkSearch's title and text: 32–35 ms before, 16–26 ms after).
// repeatedClauses searches each distinct clause once and counts it as often
// as it was given, scoring as Bleve's disjunction of all the repeats does:
// the same sum and the same share of clauses matched, so a product's score
// differs at most in the last bits of a float.

// repeatedClauses is a disjunction of clauses, each with the number of
// times it was given.
type repeatedClauses struct {
	clauses []query.Query
	times   []int
	keys    []clauseKey
	// min is how many of the repeats a product must match.
	min int
}

func newRepeatedClauses(capacity int) *repeatedClauses {
	return &repeatedClauses{
		clauses: make([]query.Query, 0, capacity),
		times:   make([]int, 0, capacity),
		keys:    make([]clauseKey, 0, capacity),
	}
}

// clauseKey names a clause: the same clause given twice is searched once.
type clauseKey struct {
	kind, field, text string
	boost             float64
}

// add gives a clause once more. A query's clauses are a few dozen at
// most, so looking through them costs less than a map.
func (r *repeatedClauses) add(key clauseKey, q query.Query) {
	if k := slices.Index(r.keys, key); k >= 0 {
		r.times[k]++
		return
	}
	r.keys = append(r.keys, key)
	r.clauses = append(r.clauses, q)
	r.times = append(r.times, 1)
}

// addTerm gives a term of a field at a boost.
func (r *repeatedClauses) addTerm(term, field string, boost float64) {
	t := fieldTerm(term, field)
	t.SetBoost(boost)
	r.add(clauseKey{"term", field, term, boost}, t)
}

// repeated reports whether any clause was given more than once.
func (r *repeatedClauses) repeated() bool {
	return slices.ContainsFunc(r.times, func(n int) bool { return n > 1 })
}

// queries are the clauses as a boolean query's should clauses: as given
// when none repeats, so Bleve's own disjunction searches them.
func (r *repeatedClauses) queries() []query.Query {
	if !r.repeated() {
		return r.clauses
	}
	return []query.Query{r}
}

// Searcher implements query.Query.
func (r *repeatedClauses) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options blevesearch.SearcherOptions) (blevesearch.Searcher, error) {
	children := make([]blevesearch.Searcher, 0, len(r.clauses))
	for _, c := range r.clauses {
		s, err := c.Searcher(ctx, i, m, options)
		if err != nil {
			for _, open := range children {
				_ = open.Close()
			}
			return nil, err
		}
		children = append(children, s)
	}
	return newRepeatedSearcher(children, r.times, r.min, options), nil
}

// repeatedMatch is what Bleve's match query with the "or" operator is (any
// of the text's words in the field, each scored at the boost), with a word
// the text repeats searched once and counted as often as it appears.
type repeatedMatch struct {
	text, field string
	// analyzer, when set, reads the text instead of the field's own.
	analyzer string
	boost    float64
}

// Searcher implements query.Query.
func (q repeatedMatch) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options blevesearch.SearcherOptions) (blevesearch.Searcher, error) {
	name := q.analyzer
	if name == "" {
		name = m.AnalyzerNameForPath(q.field)
	}
	analyzer := m.AnalyzerNamed(name)
	if analyzer == nil {
		return nil, fmt.Errorf("searching the index: no analyzer named %q", name)
	}
	tokens := analyzer.Analyze([]byte(q.text))
	if len(tokens) == 0 {
		return query.NewMatchNoneQuery().Searcher(ctx, i, m, options)
	}
	words := newRepeatedClauses(len(tokens))
	for _, t := range tokens {
		words.addTerm(string(t.Term), q.field, q.boost)
	}
	if !words.repeated() {
		match := query.NewDisjunctionQuery(words.clauses)
		match.SetMin(1)
		return match.Searcher(ctx, i, m, options)
	}
	words.min = 1
	return words.Searcher(ctx, i, m, options)
}

// repeatedSearcher is Bleve's disjunction searcher over clauses given
// times[i] times each, searching each once. A product's score is the sum of
// its matching clauses' scores, each times its repeats, scaled by the share
// of all the repeats that match, as Bleve's disjunction scorer scales it.
type repeatedSearcher struct {
	searchers []blevesearch.Searcher
	times     []int
	total     int
	min       int
	scorer    *scorer.DisjunctionQueryScorer

	initialized  bool
	currs        []*blevesearch.DocumentMatch
	matching     []*blevesearch.DocumentMatch
	matchingIdxs []int
}

func newRepeatedSearcher(searchers []blevesearch.Searcher, times []int, min int, options blevesearch.SearcherOptions) *repeatedSearcher {
	s := &repeatedSearcher{
		searchers:    searchers,
		times:        times,
		min:          min,
		scorer:       scorer.NewDisjunctionQueryScorer(options),
		currs:        make([]*blevesearch.DocumentMatch, len(searchers)),
		matching:     make([]*blevesearch.DocumentMatch, 0, len(searchers)),
		matchingIdxs: make([]int, 0, len(searchers)),
	}
	for _, n := range times {
		s.total += n
	}
	// As Bleve's disjunction does, until a parent sets the norm of the
	// whole query.
	if w := s.Weight(); w > 0 {
		s.SetQueryNorm(1 / math.Sqrt(w))
	}
	return s
}

func (s *repeatedSearcher) init(ctx *blevesearch.SearchContext) error {
	for i, searcher := range s.searchers {
		if s.currs[i] != nil {
			ctx.DocumentMatchPool.Put(s.currs[i])
		}
		var err error
		if s.currs[i], err = searcher.Next(ctx); err != nil {
			return err
		}
	}
	s.updateMatches()
	s.initialized = true
	return nil
}

// updateMatches finds the clauses on the lowest product any is on.
func (s *repeatedSearcher) updateMatches() {
	s.matching, s.matchingIdxs = s.matching[:0], s.matchingIdxs[:0]
	for i, curr := range s.currs {
		if curr == nil {
			continue
		}
		if len(s.matching) > 0 {
			cmp := curr.IndexInternalID.Compare(s.matching[0].IndexInternalID)
			if cmp > 0 {
				continue
			}
			if cmp < 0 {
				s.matching, s.matchingIdxs = s.matching[:0], s.matchingIdxs[:0]
			}
		}
		s.matching = append(s.matching, curr)
		s.matchingIdxs = append(s.matchingIdxs, i)
	}
}

// Next implements search.Searcher.
func (s *repeatedSearcher) Next(ctx *blevesearch.SearchContext) (*blevesearch.DocumentMatch, error) {
	if !s.initialized {
		if err := s.init(ctx); err != nil {
			return nil, err
		}
	}
	var rv *blevesearch.DocumentMatch
	for rv == nil && len(s.matching) > 0 {
		matched := 0
		for _, i := range s.matchingIdxs {
			matched += s.times[i]
		}
		if matched >= s.min {
			for k, i := range s.matchingIdxs {
				s.matching[k].Score *= float64(s.times[i])
			}
			rv = s.scorer.Score(ctx, s.matching, matched, s.total)
		}
		for _, i := range s.matchingIdxs {
			if s.currs[i] != rv {
				ctx.DocumentMatchPool.Put(s.currs[i])
			}
			var err error
			if s.currs[i], err = s.searchers[i].Next(ctx); err != nil {
				return nil, err
			}
		}
		s.updateMatches()
	}
	return rv, nil
}

// Advance implements search.Searcher.
func (s *repeatedSearcher) Advance(ctx *blevesearch.SearchContext, id index.IndexInternalID) (*blevesearch.DocumentMatch, error) {
	if !s.initialized {
		if err := s.init(ctx); err != nil {
			return nil, err
		}
	}
	for i, searcher := range s.searchers {
		if s.currs[i] != nil {
			if s.currs[i].IndexInternalID.Compare(id) >= 0 {
				continue
			}
			ctx.DocumentMatchPool.Put(s.currs[i])
		}
		var err error
		if s.currs[i], err = searcher.Advance(ctx, id); err != nil {
			return nil, err
		}
	}
	s.updateMatches()
	return s.Next(ctx)
}

// Weight implements search.Searcher: each repeat weighs in the query's
// norm, as a clause given twice does.
func (s *repeatedSearcher) Weight() float64 {
	var w float64
	for i, searcher := range s.searchers {
		w += float64(s.times[i]) * searcher.Weight()
	}
	return w
}

// SetQueryNorm implements search.Searcher.
func (s *repeatedSearcher) SetQueryNorm(norm float64) {
	for _, searcher := range s.searchers {
		searcher.SetQueryNorm(norm)
	}
}

// Count implements search.Searcher.
func (s *repeatedSearcher) Count() uint64 {
	var n uint64
	for i, searcher := range s.searchers {
		n += uint64(s.times[i]) * searcher.Count()
	}
	return n
}

// Min implements search.Searcher.
func (s *repeatedSearcher) Min() int { return s.min }

// Size implements search.Searcher.
func (s *repeatedSearcher) Size() int {
	n := 0
	for _, searcher := range s.searchers {
		n += searcher.Size()
	}
	return n
}

// DocumentMatchPoolSize implements search.Searcher.
func (s *repeatedSearcher) DocumentMatchPoolSize() int {
	n := len(s.currs)
	for _, searcher := range s.searchers {
		n += searcher.DocumentMatchPoolSize()
	}
	return n
}

// Close implements search.Searcher.
func (s *repeatedSearcher) Close() error {
	var first error
	for _, searcher := range s.searchers {
		if err := searcher.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
