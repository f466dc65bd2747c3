package app

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestProducerCacheLoadsOnlyWhatItDoesNotHoldFresh(t *testing.T) {
	var asked [][]string
	load := func(_ context.Context, ids []string) (map[string]int, error) {
		asked = append(asked, slices.Clone(ids))
		out := map[string]int{}
		for _, id := range ids {
			if id != "silent" {
				out[id] = 10 * len(asked)
			}
		}
		return out, nil
	}
	c := NewProducerCache(load, time.Minute)
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return at }
	ctx := context.Background()

	first, err := c.Get(ctx, []string{"a", "silent", "a"})
	if err != nil || first["a"] != 10 || len(first) != 1 {
		t.Fatalf("first read: %v %v", first, err)
	}
	at = at.Add(30 * time.Second)
	c.Update([]string{"a", "unknown"}, func(n int) int { return n + 1 })
	second, _ := c.Get(ctx, []string{"a", "silent", "b"})
	if second["a"] != 11 || second["b"] != 20 {
		t.Fatalf("a fresh value is served from memory with its update, a new one loaded: %v", second)
	}
	at = at.Add(45 * time.Second)
	third, _ := c.Get(ctx, []string{"a", "b", "unknown"})
	if third["a"] != 30 || third["b"] != 20 || third["unknown"] != 30 {
		t.Fatalf("a value past its ttl is read again: %v", third)
	}
	want := [][]string{{"a", "silent"}, {"b"}, {"a", "unknown"}}
	if !slices.EqualFunc(asked, want, slices.Equal[[]string]) {
		t.Fatalf("loads %v, want %v (a producer without a value is held too)", asked, want)
	}
}
