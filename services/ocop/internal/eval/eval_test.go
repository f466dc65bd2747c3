package eval

import (
	"context"
	"testing"

	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/ocop/demo"
)

func TestDevSetQuality(t *testing.T) {
	index, err := bleve.OpenTemporary()
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
	// Floors below the measured numbers (README): a change that loses
	// ranking quality fails here rather than in a buyer's inbox.
	if rep.Violations != 0 {
		t.Errorf("%d products in top 10s break a buyer's hard constraint", rep.Violations)
	}
	if rep.NDCG10 < 0.90 || rep.Hardest < 0.85 {
		t.Errorf("nDCG@10 %.3f (target 0.90), hardest third %.3f (target 0.85)", rep.NDCG10, rep.Hardest)
	}
	if rep.NDCG10 < rep.Baseline.NDCG10+0.1 {
		t.Errorf("ranking %.3f barely beats the plain text baseline %.3f", rep.NDCG10, rep.Baseline.NDCG10)
	}
}
