package app

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ProducerCache holds a value per producer read from the database in one
// batch, for ttl. Ranking and taking turns read a figure for each of up to
// a few hundred candidate producers per demand: a year of answering, a
// month of notifications. Read for every demand, those counts grew with a
// busy producer's history and were the costliest queries of matching;
// minutes-old figures rank the same.
type ProducerCache[V any] struct {
	load func(ctx context.Context, producerIDs []string) (map[string]V, error)
	ttl  time.Duration
	now  func() time.Time

	mu     sync.Mutex
	values map[string]cached[V]
}

type cached[V any] struct {
	value  V
	loaded time.Time
}

// cachedProducers bounds a cache: past it, values older than half their ttl
// are dropped at the next load.
const cachedProducers = 100000

// NewProducerCache keeps what load returns for ttl. A producer load leaves
// out is held as the zero value.
func NewProducerCache[V any](load func(ctx context.Context, producerIDs []string) (map[string]V, error), ttl time.Duration) *ProducerCache[V] {
	return &ProducerCache[V]{load: load, ttl: ttl, now: time.Now, values: map[string]cached[V]{}}
}

// Get returns the producers' values, loading those not held or held longer
// than the ttl. Producers with the zero value are left out.
func (c *ProducerCache[V]) Get(ctx context.Context, producerIDs []string) (map[string]V, error) {
	now := c.now()
	out := make(map[string]V, len(producerIDs))
	var missing []string
	c.mu.Lock()
	for _, id := range producerIDs {
		if v, ok := c.values[id]; ok && now.Sub(v.loaded) < c.ttl {
			out[id] = v.value
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := c.load(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.values)+len(missing) > cachedProducers {
		for id, v := range c.values {
			if now.Sub(v.loaded) >= c.ttl/2 {
				delete(c.values, id)
			}
		}
	}
	for _, id := range missing {
		v, ok := loaded[id]
		c.values[id] = cached[V]{value: v, loaded: now}
		if ok {
			out[id] = v
		}
	}
	return out, nil
}

// Update changes the values held for the producers, as what this process
// just wrote changes them; a value not held is read fresh when next wanted.
func (c *ProducerCache[V]) Update(producerIDs []string, change func(V) V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range producerIDs {
		if v, ok := c.values[id]; ok {
			v.value = change(v.value)
			c.values[id] = v
		}
	}
}
