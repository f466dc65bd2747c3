package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/services/matching"
	"github.com/ocopvn/ocop/services/matching/consumers"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/matching/search/meili"
)

func reindexCommand() *cobra.Command {
	var (
		engine  string
		dataDir string
	)
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild a search engine's index from the catalogue stream",
		Long: `Rebuild the products index from the catalogue stream into a fresh index,
then put it in place of the old one.

Bleve: the new index is built next to the old (<index>.rebuild) and renamed
over it; stop the matching service first. With no NATS_URL the embedded NATS
store under --data-dir is opened, which also needs ocop serve stopped.

Meilisearch: the new index is built as <index>_rebuild and swapped with the
live one in one operation; the matching service can keep running.`,
		Example: `  ocop reindex --data-dir ./data
  NATS_URL=nats://nats:4222 MEILI_URL=http://meili:7700 ocop reindex --engine meilisearch`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := config.FromEnv()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data-dir") {
				p.DataDir = dataDir
			}
			cfg, err := matching.ConfigFromEnv(p.DataDir)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("engine") {
				cfg.Engine = engine
				if err := cfg.Validate(); err != nil {
					return err
				}
			}
			return reindex(cmd.Context(), p, cfg)
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "bleve", "search engine to rebuild: bleve or meilisearch (OCOP_SEARCH_ENGINE)")
	cmd.Flags().StringVar(&dataDir, "data-dir", "./data", "directory of the embedded NATS store and Bleve index (OCOP_DATA_DIR)")
	return cmd
}

func reindex(ctx context.Context, p config.Platform, cfg matching.Config) error {
	log := zap.NewNop()
	var embedded *server.Server
	if p.NATSURL == "" {
		store := filepath.Join(p.DataDir, "nats")
		if _, err := os.Stat(store); err != nil {
			return fmt.Errorf("no catalogue stream at %s: set NATS_URL, or --data-dir to the directory ocop serve uses", store)
		}
		var err error
		embedded, err = events.StartEmbedded(events.EmbeddedOptions{StoreDir: store})
		if err != nil {
			return fmt.Errorf("opening the embedded NATS store (is ocop serve still running on it?): %w", err)
		}
		defer func() {
			embedded.Shutdown()
			embedded.WaitForShutdown()
		}()
	}
	nc, js, err := events.Connect(p.NATSURL, embedded, "ocop reindex", log)
	if err != nil {
		return err
	}
	defer nc.Close()

	fresh, finish, err := openFresh(ctx, cfg)
	if err != nil {
		return err
	}
	indexer := consumers.NewIndexer(js, fresh, log, nil)
	var bar *progressbar.ProgressBar
	indexer.OnProgress(func(applied int, pending uint64) {
		if bar == nil {
			bar = progressbar.NewOptions64(int64(applied)+int64(pending),
				progressbar.OptionSetDescription("indexing catalogue events"),
				progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("events"), progressbar.OptionThrottle(100*time.Millisecond))
		}
		_ = bar.Add(applied)
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- indexer.Run(runCtx) }()
	select {
	case <-indexer.CaughtUp():
	case <-ctx.Done():
	}
	stop()
	if err := <-done; err != nil {
		return errors.Join(err, fresh.Close())
	}
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), fresh.Close())
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
	n, err := fresh.Count(ctx)
	if err != nil {
		return errors.Join(err, fresh.Close())
	}
	if err := finish(ctx); err != nil {
		return err
	}
	fmt.Printf("rebuilt the %s index: %d products\n", cfg.Engine, n)
	return nil
}

// openFresh opens an empty index to rebuild into, and the step that puts it
// in place of the live one (closing it).
func openFresh(ctx context.Context, cfg matching.Config) (search.Index, func(context.Context) error, error) {
	if cfg.Engine == "meilisearch" {
		live, err := meili.Open(ctx, cfg.Meili)
		if err != nil {
			return nil, nil, err
		}
		rebuildCfg := cfg.Meili
		rebuildCfg.Index += "_rebuild"
		rebuild, err := meili.Open(ctx, rebuildCfg)
		if err != nil {
			return nil, nil, err
		}
		if err := rebuild.Drop(ctx); err != nil {
			return nil, nil, err
		}
		if rebuild, err = meili.Open(ctx, rebuildCfg); err != nil {
			return nil, nil, err
		}
		return rebuild, func(ctx context.Context) error {
			if err := live.SwapWith(ctx, rebuild); err != nil {
				return err
			}
			return rebuild.Drop(ctx)
		}, nil
	}
	dir := cfg.IndexDir + ".rebuild"
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, err
	}
	rebuild, err := bleve.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return rebuild, func(context.Context) error {
		if err := rebuild.Close(); err != nil {
			return err
		}
		old := cfg.IndexDir + ".old"
		if err := os.RemoveAll(old); err != nil {
			return err
		}
		if err := os.Rename(cfg.IndexDir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("moving the old index aside: %w", err)
		}
		if err := os.Rename(dir, cfg.IndexDir); err != nil {
			return fmt.Errorf("putting the new index in place: %w", err)
		}
		return os.RemoveAll(old)
	}, nil
}
