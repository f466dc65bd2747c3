package rank

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/services/matching/search"
)

// candidates is how many hits ranking re-orders: enough that a product the
// engine scores modestly but that fits every constraint is still seen.
const candidates = 200

// Matcher finds and ranks the products for a demand: the engine retrieves
// by text under the hard constraints, the Ranker orders. The service and
// `ocop eval` both call Match, so what is measured is what runs.
type Matcher struct {
	Index  search.Index
	Ranker Ranker
}

// Query is the engine query for a demand on a day.
func Query(d Demand, on time.Time) search.Query {
	return search.Query{
		Text:           d.Title + "\n" + d.Text,
		Group:          d.Group,
		MinStars:       d.MinStars,
		Certifications: d.RequiredCertifications,
		ValidOn:        on,
		Limit:          candidates,
	}
}

// Match returns the ranked products for d, best first.
func (m Matcher) Match(ctx context.Context, d Demand, on time.Time) ([]Match, error) {
	hits, err := m.Index.Search(ctx, Query(d, on))
	if err != nil {
		return nil, err
	}
	return m.Ranker.Rank(d, hits, on), nil
}

// OnePerProducer keeps each producer's best match, at most n of them: a
// producer is told of a demand once, however many of its products fit.
func OnePerProducer(matches []Match, n int) []Match {
	seen := map[string]bool{}
	var out []Match
	for _, m := range matches {
		if len(out) == n {
			break
		}
		if seen[m.ProducerID] {
			continue
		}
		seen[m.ProducerID] = true
		out = append(out, m)
	}
	return out
}
