package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/matching"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// `ocop reindex` rebuilds the Bleve index of a stopped all-in-one server
// from its embedded catalogue stream, in place of the old index.
func TestReindexRebuildsFromTheCatalogueStream(t *testing.T) {
	dataDir := t.TempDir()
	p := config.Platform{
		Env: "development", Addr: "127.0.0.1:0", DatabaseURL: testkit.DatabaseURL(t), DataDir: dataDir,
		JWTSecret: testkit.JWTSecret, JWTAudience: "ocop", ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		ShutdownTimeout: 10 * time.Second,
	}
	cfg := matching.Config{Engine: "bleve", IndexDir: filepath.Join(dataDir, "index", "products.bleve"), NotifyProducers: 10}
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Options{Platform: p, Services: server.ServiceNames, Matching: cfg, NATSReplicas: 1,
			NATSSyncAlways: true, Log: testkit.Logger(t), Version: "test"}, func(r server.Running) { urls <- r.URL })
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cancel()
			<-done
		}
	})
	c := testkit.Client{BaseURL: <-urls}
	official := testkit.Token(t, auth.RoleOfficial, "")
	require.Equal(t, http.StatusCreated, c.Do(t, http.MethodPost, "/v1/producers", map[string]any{"id": "prd-001",
		"name": "HTX Phượng Sơn", "kind": "cooperative", "province": "Bắc Giang", "lat": 21.35, "lon": 106.52}, official).Status)
	for _, id := range []string{"p-1", "p-2", "p-3"} {
		res := c.Do(t, http.MethodPost, "/v1/products", map[string]any{"id": id, "name": "Vải thiều sấy khô " + id, "group": "thuc_pham",
			"category": "dried_fruit", "ocop_stars": 4, "ocop_certified_on": testkit.CertifiedMonthsAgo(10), "unit": "kg", "price_vnd": 150000,
			"monthly_capacity": 3000, "min_order": 10}, testkit.Token(t, auth.RoleProducer, "prd-001"))
		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	}
	searchable := func(n int) func() bool {
		return func() bool {
			var hits struct{ Items []any }
			c.Do(t, http.MethodGet, "/v1/search/products?q=vai", nil, "").JSON(t, &hits)
			return len(hits.Items) == n
		}
	}
	testkit.Eventually(t, 30*time.Second, "the three products are searchable", searchable(3))
	require.Equal(t, http.StatusNoContent, c.Do(t, http.MethodDelete, "/v1/products/p-3", nil, testkit.Token(t, auth.RoleProducer, "prd-001")).Status)
	testkit.Eventually(t, 30*time.Second, "the withdrawn product has left the index", searchable(2))
	cancel()
	stopped = true
	require.NoError(t, <-done)

	require.NoError(t, reindex(context.Background(), p, cfg))
	idx, err := bleve.Open(cfg.IndexDir)
	require.NoError(t, err)
	defer idx.Close()
	n, err := idx.Count(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "the rebuilt index holds the live products, not the withdrawn one")
	hits, err := idx.Search(context.Background(), search.Query{Text: "vai thieu say", Limit: 10})
	require.NoError(t, err)
	require.Len(t, hits, 2)
	seq, err := idx.Sequence(context.Background())
	require.NoError(t, err)
	require.Positive(t, seq, "the rebuilt index resumes after the last event it applied")
	require.NoDirExists(t, cfg.IndexDir+".rebuild")
	require.NoDirExists(t, cfg.IndexDir+".old")
}
