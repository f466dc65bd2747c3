package bleve

import (
	"context"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// repeatsAsGiven is the should side of a demand's scoring as Bleve scores
// it with every repeat its own clause: the form ranking was tuned on.
func repeatsAsGiven(terms search.QueryTerms, freq map[string]uint64) []query.Query {
	var should []query.Query
	joined := strings.Join(terms.Words, " ")
	for _, f := range textFields {
		m := bleve.NewMatchQuery(joined)
		m.SetField(f.name)
		m.SetBoost(f.boost)
		should = append(should, m)
	}
	for _, pair := range terms.Phrases {
		for _, f := range pairFields {
			t := fieldTerm(pair, f.name)
			t.SetBoost(f.boost)
			should = append(should, t)
		}
	}
	for _, w := range terms.Words {
		if n := search.Typos(w); n > 0 && freq[w] == 0 {
			for _, f := range fuzzyFields {
				fq := fuzzy(w, f.name, n)
				fq.SetBoost(f.boost)
				should = append(should, fq)
			}
		}
	}
	for _, f := range []string{fieldNameExact, fieldTagsExact, fieldDescExact} {
		m := bleve.NewMatchQuery(terms.Exact)
		m.SetField(f)
		m.Analyzer = exactAnalyzer
		m.SetBoost(0.5)
		should = append(should, m)
	}
	return should
}

// counts gives how many products each word is in, as a search reads them.
func counts(t *testing.T, idx *Index, terms search.QueryTerms) map[string]uint64 {
	t.Helper()
	freq, err := frequencies(context.Background(), snapshotOf(t, idx).reader, terms.Words)
	require.NoError(t, err)
	return freq
}

// scores runs q over the whole index and gives every product's score.
func scores(t *testing.T, idx *Index, q query.Query) map[string]float64 {
	t.Helper()
	found, total, err := idx.collect(context.Background(), snapshotOf(t, idx).reader, q, 1000)
	require.NoError(t, err)
	require.EqualValues(t, len(found), total)
	out := map[string]float64{}
	for _, h := range found {
		out[h.ID] = h.Score
	}
	return out
}

func TestRepeatedWordsScoreAsBleveScoresTheirRepeats(t *testing.T) {
	idx := setup(t)
	for _, text := range []string{
		"Vải thiều sấy khô\nCần vải thiều sấy khô Lục Ngạn cho siêu thị",
		"vải vải vải thiều",
		"Mỳ Chũ\nmỳ chũ gạo, mỳ chũ bao thai",
		// A word no product has is forgiven its typos, once per repeat.
		"Vảii thiều\nvảii thiều sấy",
	} {
		terms := search.Terms(text, nil)
		freq := counts(t, idx, terms)
		ours := scoring(terms, freq)
		require.Len(t, ours, 1, "%q repeats words: its clauses are searched once each", text)
		for _, minShould := range []int{0, 1} {
			given, repeated := bleve.NewBooleanQuery(), bleve.NewBooleanQuery()
			// A must clause that weighs in the norm, as a step's driver does.
			given.AddMust(fieldTerm("thuc_pham", fieldGroup))
			repeated.AddMust(fieldTerm("thuc_pham", fieldGroup))
			given.AddShould(repeatsAsGiven(terms, freq)...)
			repeated.AddShould(ours...)
			given.SetMinShould(float64(minShould))
			repeated.SetMinShould(float64(minShould))
			want, got := scores(t, idx, given), scores(t, idx, repeated)
			require.NotEmpty(t, want)
			require.Len(t, got, len(want), "%q: the same products", text)
			for id, s := range want {
				require.InEpsilon(t, s, got[id], 1e-12, "%q: product %s", text, id)
			}
		}
	}
}

func TestWordsWithoutRepeatsAreBlevesOwnClauses(t *testing.T) {
	idx := setup(t)
	terms := search.Terms("vải thiều sấy khô", nil)
	freq := counts(t, idx, terms)
	should := scoring(terms, freq)
	require.Len(t, should, len(repeatsAsGiven(terms, freq)))
	for _, q := range should {
		_, wrapped := q.(*repeatedClauses)
		require.False(t, wrapped, "a query that repeats nothing is searched as Bleve searches it")
	}
}
