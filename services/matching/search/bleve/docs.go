package bleve

import (
	"encoding/json"
	"fmt"
	"sync"

	index "github.com/blevesearch/bleve_index_api"

	"github.com/ocopvn/ocop/services/matching/search"
)

// cachedProducts bounds the decoded products kept in memory. Reading a
// product back from the index and decoding it cost more than finding it:
// matching reads a few hundred candidates per demand, mostly the same ones.
const cachedProducts = 20000

// productCache holds decoded products by id, shared by every answer that
// holds them (search.Hit's document is read-only). Every Apply invalidates
// what it changed and moves the generation on; a search stores what it
// read only if no Apply ran since it started, so a product read from an
// older snapshot never outlives its change.
type productCache struct {
	mu       sync.RWMutex
	products map[string]*search.Document
	gen      uint64
}

func newProductCache() *productCache {
	return &productCache{products: make(map[string]*search.Document)}
}

func (c *productCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *productCache) get(id string) (*search.Document, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.products[id]
	return d, ok
}

func (c *productCache) put(gen uint64, d *search.Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.products) >= cachedProducts {
		// Dropping an arbitrary tenth (map order) keeps the cache bounded
		// without bookkeeping on every read.
		n := cachedProducts / 10
		for id := range c.products {
			delete(c.products, id)
			if n--; n == 0 {
				break
			}
		}
	}
	c.products[d.ID] = d
}

func (c *productCache) invalidate(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.products, id)
	}
	c.gen++
}

// product returns an indexed product, decoded, as the search's snapshot
// holds it.
func (i *Index) product(at snapshot, id string) (*search.Document, error) {
	if d, ok := i.cache.get(id); ok {
		return d, nil
	}
	doc, err := at.reader.Document(id)
	if err != nil {
		return nil, fmt.Errorf("reading indexed product %s: %w", id, err)
	}
	var src []byte
	if doc != nil {
		doc.VisitFields(func(f index.Field) {
			if f.Name() == fieldSource {
				src = f.Value()
			}
		})
	}
	if src == nil {
		return nil, fmt.Errorf("indexed product %s has no stored source", id)
	}
	d := new(search.Document)
	if err := json.Unmarshal(src, d); err != nil {
		return nil, fmt.Errorf("reading indexed product %s: %w", id, err)
	}
	i.cache.put(at.gen, d)
	return d, nil
}
