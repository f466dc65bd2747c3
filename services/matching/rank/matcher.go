package rank

import (
	"context"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/services/matching/lexicon"
	"github.com/ocopvn/ocop/services/matching/search"
)

// candidates is how many hits ranking re-orders: enough that a product the
// engine scores modestly but that fits every constraint is still seen (on
// the judged demands, 100 rank as well as 200, and 50 worse). Products
// fetched for their kind or place alone need fewer: the words' hits already
// hold the best of them.
const (
	candidates     = 100
	kindCandidates = candidates / 2
)

// kindRetrieval is the least weight a named kind needs for its products to
// be fetched whatever their words: "minibar items … green tea, a savoury
// snack" names products the buyer's words may not spell.
const kindRetrieval = 0.5

// Matcher finds and ranks the products for a demand: the engine retrieves
// by text under the hard constraints, the Ranker orders. The service and
// `ocop eval` both call Match, so what is measured is what runs.
type Matcher struct {
	Index  search.Index
	Ranker Ranker
	// History, when set, loads the answering records of the producers
	// ranked (see Response).
	History func(ctx context.Context, producerIDs []string) (map[string]Response, error)
}

// Query is the engine query for a demand on a day, given what its words ask.
func Query(d Demand, in lexicon.Intent, on time.Time) search.Query {
	return search.Query{
		Text:           in.Text,
		Terms:          in.Terms,
		Group:          d.Group,
		MinStars:       d.MinStars,
		Certifications: d.RequiredCertifications,
		ValidOn:        on,
		Limit:          candidates,
	}
}

// Match returns the ranked products for d, best first.
func (m Matcher) Match(ctx context.Context, d Demand, on time.Time) ([]Match, error) {
	return m.MatchAmong(ctx, d, on, nil)
}

// MatchAmong ranks only the given products (a fair's exhibits); nil means all.
func (m Matcher) MatchAmong(ctx context.Context, d Demand, on time.Time, productIDs []string) ([]Match, error) {
	in := Read(d)
	q := Query(d, in, on)
	q.ProductIDs = productIDs
	var kinds []string
	for c, w := range in.Categories {
		if w >= kindRetrieval {
			kinds = append(kinds, c)
		}
	}
	sort.Strings(kinds)
	var places []string
	for _, o := range in.Origins {
		places = append(places, o.Name)
	}
	hits, err := m.Index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	// Products of the kinds named, and products from the places named, are
	// fetched whatever their words: the text may not spell them. Such a
	// search is skipped when the words' hits already hold as many products
	// of those kinds (or places) as it would fetch: it orders them by the
	// same words, its kind's (or place's) term adding the same to each
	// product of one kind, so those are the best of them. On a
	// national catalogue they often do (a demand for dried litchi finds a
	// hundred dried fruits by its words), and each search costs tens of
	// milliseconds there; the ones needed run at once and are merged in
	// order.
	var extras []search.Query
	for _, extra := range []search.Query{{Categories: kinds}, {Places: places}} {
		if len(extra.Categories) == 0 && len(extra.Places) == 0 || holdsEnough(hits, extra, kindCandidates) {
			continue
		}
		more := q
		more.Categories, more.Places, more.TextOptional = extra.Categories, extra.Places, true
		more.Limit = kindCandidates
		extras = append(extras, more)
	}
	found := make([][]search.Hit, len(extras))
	g, gctx := errgroup.WithContext(ctx)
	for i, q := range extras {
		g.Go(func() error {
			var err error
			found[i], err = m.Index.Search(gctx, q)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, more := range found {
		hits = mergeHits(hits, more)
	}
	ranker := m.Ranker
	if m.History != nil && len(hits) > 0 {
		ids := make([]string, 0, len(hits))
		for _, h := range hits {
			ids = append(ids, h.ProducerID)
		}
		history, err := m.History(ctx, ids)
		if err != nil {
			return nil, err
		}
		ranker.History = history
	}
	return ranker.Rank(d, in, hits, on), nil
}

// holdsEnough reports whether hits hold at least n products of the kinds, or
// from the places, that extra filters on.
func holdsEnough(hits []search.Hit, extra search.Query, n int) bool {
	keys := map[string]bool{}
	for _, p := range extra.Places {
		keys[search.PlaceKey(p)] = true
	}
	held := 0
	for _, h := range hits {
		if len(extra.Categories) > 0 && slices.Contains(extra.Categories, h.Category) ||
			len(keys) > 0 && slices.ContainsFunc(search.PlaceKeys(*h.Document), func(k string) bool { return keys[k] }) {
			held++
		}
	}
	return held >= n
}

// mergeHits joins two answers to the same text. A product in both keeps
// its score from the first, the search by the words alone: the engine adds
// a kind's or place's term to its score in the second.
func mergeHits(a, b []search.Hit) []search.Hit {
	seen := make(map[string]bool, len(a))
	for _, h := range a {
		seen[h.ID] = true
	}
	for _, h := range b {
		if !seen[h.ID] {
			a = append(a, h)
		}
	}
	return a
}

// Producers returns the producers of matches, each once, in order.
func Producers(matches []Match) []string {
	ids := make([]string, 0, len(matches))
	seen := make(map[string]bool, len(matches))
	for _, m := range matches {
		if !seen[m.ProducerID] {
			seen[m.ProducerID] = true
			ids = append(ids, m.ProducerID)
		}
	}
	return ids
}

// OnePerProducer keeps each producer's best match, at most n of them: a
// producer is told of a demand once, however many of its products fit.
func OnePerProducer(matches []Match, n int) []Match {
	seen := make(map[string]bool, min(n, len(matches)))
	out := make([]Match, 0, min(n, len(matches)))
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
