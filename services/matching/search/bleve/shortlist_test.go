package bleve

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	blevesearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

// A shortlist finds, and scores, the products a filter by their ids does,
// in the same order, over products spread across segments.
func TestShortlistFindsWhatItsProductsIDsDo(t *testing.T) {
	idx := temporaryIndex(t)
	names := []string{"Mật ong rừng", "Mật ong hoa vải", "Trà xanh", "Vải thiều sấy"}
	for batch := range 4 {
		var changes []search.Change
		for i := range 50 {
			n := batch*50 + i
			d := search.Document{ID: fmt.Sprintf("p-%d", n), Name: names[n%len(names)], Description: names[n/4%len(names)],
				Group: "thuc_pham", Stars: 3, ExpiresOn: "2030-01-01"}
			changes = append(changes, search.Change{Upsert: &d})
		}
		require.NoError(t, idx.Apply(context.Background(), changes, uint64(batch+1)))
	}
	ctx := context.Background()
	at := snapshotOf(t, idx)
	q := search.Query{Text: "mật ong hoa vải", Limit: 200}
	terms := search.Terms(q.Text, nil)
	freq, err := frequencies(ctx, at.reader, terms.Words)
	require.NoError(t, err)
	found, _, err := idx.collectDocs(ctx, at.reader, buildQuery(q, terms, freq, step{anyWord: true}), 200)
	require.NoError(t, err)
	require.Greater(t, len(found), 100)

	var picked []scoredDoc
	var pickedIDs []string
	for k, f := range found {
		if k%3 == 0 {
			id, err := at.reader.ExternalID(f.doc)
			require.NoError(t, err)
			picked, pickedIDs = append(picked, f), append(pickedIDs, id)
		}
	}
	byIDs := q
	byIDs.ProductIDs = pickedIDs
	want, wantTotal, err := idx.collect(ctx, at.reader, buildQuery(byIDs, terms, freq, step{anyWord: true}), len(found))
	require.NoError(t, err)
	got, gotTotal, err := idx.collect(ctx, at.reader, buildQuery(q, terms, freq, step{anyWord: true, shortlisted: newShortlist(picked)}), len(found))
	require.NoError(t, err)
	require.Len(t, got, len(picked))
	require.Equal(t, wantTotal, gotTotal)
	require.Equal(t, want, got)
}

// Advance goes on from the last product returned, as Bleve's reader of ids
// does, to the first numbered at least as high as asked.
func TestShortlistAdvancesToTheFirstAtLeastAsHigh(t *testing.T) {
	doc := func(n uint64) index.IndexInternalID { return binary.BigEndian.AppendUint64(nil, n) }
	s, err := newShortlist([]scoredDoc{{doc: doc(9)}, {doc: doc(3)}, {doc: doc(7)}, {doc: doc(1)}, {doc: doc(5)}}).
		Searcher(context.Background(), nil, nil, blevesearch.SearcherOptions{})
	require.NoError(t, err)
	sctx := &blevesearch.SearchContext{DocumentMatchPool: blevesearch.NewDocumentMatchPool(1, 0)}
	next := func(m *blevesearch.DocumentMatch, err error) index.IndexInternalID {
		require.NoError(t, err)
		if m == nil {
			return nil
		}
		return m.IndexInternalID
	}
	require.Equal(t, doc(1), next(s.Next(sctx)))
	require.Equal(t, doc(5), next(s.Advance(sctx, doc(4))))
	require.Equal(t, doc(7), next(s.Advance(sctx, doc(5))))
	require.Equal(t, doc(9), next(s.Next(sctx)))
	require.Nil(t, next(s.Advance(sctx, doc(10))))
	require.EqualValues(t, 5, s.Count())
}
