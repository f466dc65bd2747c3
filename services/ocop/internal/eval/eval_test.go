package eval

import (
	"context"
	"testing"

	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/ocop/demo"
)

func TestDevSetQuality(t *testing.T) {
	index, err := bleve.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer index.Close()
	n, err := LoadCatalogue(context.Background(), index, demo.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), index, n, demo.Demands)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ndcg@10 %.3f p@5 %.3f r@20 %.3f mrr %.3f | baseline %.3f %.3f %.3f %.3f | hardest %.3f (baseline %.3f) | violations %d (baseline %d)",
		rep.NDCG10, rep.P5, rep.R20, rep.MRR, rep.Baseline.NDCG10, rep.Baseline.P5, rep.Baseline.R20, rep.Baseline.MRR,
		rep.Hardest, rep.HardestBaseline, rep.Violations, rep.BaselineViolations)
}
