package rank

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
)

// countingIndex is the real Bleve index, counting the searches it answers.
type countingIndex struct {
	search.Index
	searches atomic.Int32
}

func (c *countingIndex) Search(ctx context.Context, q search.Query) ([]search.Hit, error) {
	c.searches.Add(1)
	return c.Index.Search(ctx, q)
}

func matcherOver(t *testing.T, docs []search.Document) (Matcher, *countingIndex) {
	t.Helper()
	idx, err := bleve.OpenTemporary()
	require.NoError(t, err)
	t.Cleanup(func() { _ = idx.Close() })
	changes := make([]search.Change, len(docs))
	for i := range docs {
		changes[i] = search.Change{Upsert: &docs[i]}
	}
	require.NoError(t, idx.Apply(context.Background(), changes, 1))
	counting := &countingIndex{Index: idx}
	return Matcher{Index: counting}, counting
}

func driedLitchi(n int, name string) []search.Document {
	docs := make([]search.Document, n)
	for i := range docs {
		docs[i] = product(fmt.Sprintf("%s-%d", name, i), func(d *search.Document) { d.Name = name })
	}
	return docs
}

// A demand naming a kind fetches that kind's products whatever their words,
// unless the words' hits already hold as many of them as that search would
// fetch: then it is not run.
func TestMatcherFetchesANamedKindOnlyWhenTheWordsFindTooFewOfIt(t *testing.T) {
	on := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	d := baseDemand()
	require.GreaterOrEqual(t, Read(d).Categories["dried_fruit"], kindRetrieval, "the demand names dried fruit")

	m, idx := matcherOver(t, driedLitchi(kindCandidates+10, "Vải thiều sấy khô"))
	matches, err := m.Match(context.Background(), d, on)
	require.NoError(t, err)
	require.Len(t, matches, kindCandidates+10)
	require.EqualValues(t, 1, idx.searches.Load(), "the words' hits hold enough dried fruit")

	few := append(driedLitchi(5, "Vải thiều sấy khô"), driedLitchi(10, "Mít khô giòn")...)
	m, idx = matcherOver(t, few)
	matches, err = m.Match(context.Background(), d, on)
	require.NoError(t, err)
	require.EqualValues(t, 2, idx.searches.Load(), "five dried fruits are too few: the kind is fetched")
	var jackfruit int
	for _, match := range matches {
		if match.Product.Name == "Mít khô giòn" {
			jackfruit++
		}
	}
	require.Equal(t, 10, jackfruit, "dried fruit without the demand's words is found by its kind")
}
