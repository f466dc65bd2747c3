package bleve

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"

	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// scoringModel is how the index scores; Bleve's searchers read it from the
// context (scoredBy), which SearchInContext fills from the mapping.
const scoringModel = index.BM25Scoring

var scoredBy = blevesearch.GetScoringModelCallbackFn(func() string { return scoringModel })

// scored is a product a query found, by id, with its score.
type scored struct {
	ID    string
	Score float64
}

// matchPools keeps Bleve's document matches between searches. Bleve's own
// collector allocates a pool of them for every query, sized to the hits
// asked for and every clause's searcher: about a fifth of what the server
// allocated per demand, all of it garbage a moment later.
var matchPools = sync.Pool{New: func() any { return blevesearch.NewDocumentMatchPool(0, 0) }}

// checkDoneEvery is how many matches a search reads between looks whether
// its caller gave up, as Bleve's collector does.
const checkDoneEvery = 1024

// collect returns a query's best size products, best first, and how many
// it matched. It orders them as Bleve's top-N collector does (by score,
// then in the order the searcher found them), so answers are the same, but
// draws its document matches from matchPools, and skips what
// SearchInContext adds for every hit: loading stored fields and nested
// documents, which products do not have (their fields come from the
// product cache).
func (i *Index) collect(ctx context.Context, r index.IndexReader, q query.Query, size int) ([]scored, uint64, error) {
	best, total, err := i.collectDocs(ctx, r, q, size)
	if err != nil {
		return nil, 0, err
	}
	found := make([]scored, len(best))
	for k, m := range best {
		id, err := r.ExternalID(m.doc)
		if err != nil {
			return nil, 0, fmt.Errorf("reading the index: %w", err)
		}
		found[k] = scored{ID: id, Score: m.Score}
	}
	return found, total, nil
}

// scoredDoc is a product a query found, by its document number in the
// snapshot searched, with its score.
type scoredDoc struct {
	doc   index.IndexInternalID
	Score float64
}

// collectDocs is collect without reading the products' ids, for a pass
// whose hits only narrow a later pass over the same snapshot: reading an
// id is a lookup in the segment's stored fields.
func (i *Index) collectDocs(ctx context.Context, r index.IndexReader, q query.Query, size int) ([]scoredDoc, uint64, error) {
	ctx = context.WithValue(ctx, blevesearch.GetScoringModelCallbackKey, scoredBy)
	searcher, err := q.Searcher(ctx, r, i.idx.Mapping(), blevesearch.SearcherOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("searching the index: %w", err)
	}
	defer searcher.Close()
	pool := matchPools.Get().(*blevesearch.DocumentMatchPool)
	defer matchPools.Put(pool)
	best := worstFirst(make([]*blevesearch.DocumentMatch, 0, size))
	defer func() {
		for _, m := range best {
			pool.Put(m)
		}
	}()
	sctx := &blevesearch.SearchContext{DocumentMatchPool: pool, IndexReader: r}
	var total uint64
	next, err := searcher.Next(sctx)
	for ; err == nil && next != nil; next, err = searcher.Next(sctx) {
		if total%checkDoneEvery == 0 && ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		total++
		next.HitNumber = total
		switch {
		case len(best) < size:
			heap.Push(&best, next)
		case size > 0 && better(next, best[0]):
			pool.Put(best[0])
			best[0] = next
			heap.Fix(&best, 0)
		default:
			pool.Put(next)
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("searching the index: %w", err)
	}
	slices.SortFunc(best, func(a, b *blevesearch.DocumentMatch) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	// The matches go back to the pool, their numbers with them: the
	// numbers are copied, into one buffer.
	numbers := 0
	for _, m := range best {
		numbers += len(m.IndexInternalID)
	}
	copied := make([]byte, 0, numbers)
	found := make([]scoredDoc, len(best))
	for k, m := range best {
		from := len(copied)
		copied = append(copied, m.IndexInternalID...)
		found[k] = scoredDoc{doc: copied[from:len(copied):len(copied)], Score: m.Score}
	}
	return found, total, nil
}

// better reports whether a ranks above b: a higher score, or an equal one
// found first.
func better(a, b *blevesearch.DocumentMatch) bool {
	return a.Score > b.Score || a.Score == b.Score && a.HitNumber < b.HitNumber
}

// worstFirst is a heap of document matches with the lowest ranked on top.
type worstFirst []*blevesearch.DocumentMatch

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(a, b int) bool { return better(h[b], h[a]) }
func (h worstFirst) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(*blevesearch.DocumentMatch)) }
func (h *worstFirst) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}
