// Package matching is the matching service: it keeps a search index of the
// catalogue from catalogue events, ranks OCOP suppliers for each posted
// demand with reasons, and notifies the producers that fit.
package matching

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/platform"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/consumers"
	"github.com/ocopvn/ocop/services/matching/delivery"
	"github.com/ocopvn/ocop/services/matching/httpapi"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
	"github.com/ocopvn/ocop/services/matching/search/bleve"
	"github.com/ocopvn/ocop/services/matching/search/meili"
)

// Name is the service's name and Postgres schema.
const Name = postgres.Schema

// Migrations are every migration the matching schema needs.
var Migrations = []pgplatform.Source{pgplatform.Migrations, events.Migrations, postgres.Migrations}

// Config is the matching service's own settings.
type Config struct {
	// Engine is the search engine: "bleve" (embedded) or "meilisearch".
	Engine string
	// IndexDir holds the Bleve index.
	IndexDir string
	// NotifyProducers is how many producers one demand notifies.
	NotifyProducers int
	// Meili is the Meilisearch server, when Engine is "meilisearch".
	Meili meili.Config
	// Delivery is how notifications leave: webhooks and e-mail.
	Delivery delivery.Config
}

// ConfigFromEnv reads the matching settings, with the index under dataDir.
func ConfigFromEnv(dataDir string) (Config, error) {
	var r config.Reader
	c := Config{
		Engine:          r.String("OCOP_SEARCH_ENGINE", "bleve"),
		IndexDir:        r.String("OCOP_INDEX_DIR", filepath.Join(dataDir, "index", "products.bleve")),
		NotifyProducers: r.Int("OCOP_NOTIFY_PRODUCERS", 10),
		Meili: meili.Config{
			URL:         r.String("MEILI_URL", ""),
			Key:         r.String("MEILI_MASTER_KEY", ""),
			Index:       r.String("OCOP_MEILI_INDEX", "products"),
			TaskTimeout: r.Duration("OCOP_MEILI_TASK_TIMEOUT", 30*time.Second),
		},
		Delivery: delivery.Config{
			Schema:    Name,
			Guard:     delivery.Guard{AllowPrivate: r.Bool("OCOP_WEBHOOK_ALLOW_PRIVATE", false)},
			RetryBase: r.Duration("OCOP_WEBHOOK_RETRY_BASE", 5*time.Second),
			Mailer: delivery.Mailer{
				Addr: r.String("OCOP_SMTP_ADDR", ""), From: r.String("OCOP_SMTP_FROM", "OCOP <no-reply@ocop.example.vn>"),
				Username: r.String("OCOP_SMTP_USERNAME", ""), Password: r.String("OCOP_SMTP_PASSWORD", ""),
			},
			DigestHour: r.Int("OCOP_DIGEST_HOUR", 7),
		},
	}
	if err := r.Err(); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the settings.
func (c Config) Validate() error {
	var problems []error
	switch c.Engine {
	case "bleve":
	case "meilisearch":
		if c.Meili.URL == "" {
			problems = append(problems, errors.New("OCOP_SEARCH_ENGINE=meilisearch needs MEILI_URL, the Meilisearch server (http://host:7700)"))
		}
	default:
		problems = append(problems, fmt.Errorf("OCOP_SEARCH_ENGINE=%q: use bleve (embedded) or meilisearch", c.Engine))
	}
	if c.Delivery.DigestHour < 0 || c.Delivery.DigestHour > 23 {
		problems = append(problems, fmt.Errorf("OCOP_DIGEST_HOUR=%d: use an hour from 0 to 23 (Vietnam time)", c.Delivery.DigestHour))
	}
	if c.NotifyProducers < 1 || c.NotifyProducers > 100 {
		problems = append(problems, fmt.Errorf("OCOP_NOTIFY_PRODUCERS=%d: use 1 to 100", c.NotifyProducers))
	}
	return errors.Join(problems...)
}

// OpenIndex opens the configured search engine's index.
func OpenIndex(ctx context.Context, cfg Config) (search.Index, error) {
	if cfg.Engine == "meilisearch" {
		return meili.Open(ctx, cfg.Meili)
	}
	return bleve.Open(cfg.IndexDir)
}

// Service is the matching service.
type Service struct {
	deps     platform.Deps
	index    search.Index
	indexer  *consumers.Indexer
	demands  *events.Consumer
	ratings  *events.Consumer
	fairs    *events.Consumer
	products *events.Consumer
	relay    *events.Relay
	api      *httpapi.API
	repo     *postgres.Repository
	queue    *delivery.Queue
	hub      *app.Hub
	horizon  *events.Horizon
}

var _ platform.Service = (*Service)(nil)

// answeringRecordTTL is how long ranking uses a producer's answering record
// (a year of quotes) before reading it again.
const answeringRecordTTL = 10 * time.Minute

// New migrates the matching schema, opens the index and returns the service.
func New(ctx context.Context, deps platform.Deps, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	if err := pgplatform.Migrate(ctx, deps.Pool, Name, Migrations...); err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	if err := delivery.Migrate(ctx, deps.Pool, Name); err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	if cfg.Delivery.Schema == "" {
		cfg.Delivery.Schema = Name
	}
	index, err := OpenIndex(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	repo := postgres.New(deps.Pool, deps.Log)
	history := app.NewProducerCache(repo.History, answeringRecordTTL)
	matcher := rank.Matcher{Index: index, Ranker: rank.Ranker{Weights: rank.DefaultWeights}, History: history.Get}
	var uc *app.Matching
	queue, err := delivery.New(deps.Pool, cfg.Delivery, deps.Log, func(ctx context.Context, tx pgx.Tx, role, id, kind, title, body string) error {
		return uc.Tell(ctx, tx, role, id, kind, title, body)
	})
	if err != nil {
		_ = index.Close()
		return nil, fmt.Errorf("matching: %w", err)
	}
	uc = app.New(repo, repo, repo, matcher, app.Options{Notify: cfg.NotifyProducers, Queue: queue, Guard: cfg.Delivery.Guard})
	horizon := events.NewHorizon(deps.Pool)
	hub := app.NewHub(horizon, deps.NATS)
	repo.WakeStreamsAfterCommit(hub.Broadcast)
	return &Service{
		repo:    repo,
		queue:   queue,
		hub:     hub,
		horizon: horizon,
		deps:    deps,
		index:   index,
		indexer: consumers.NewIndexer(deps.JS, index, deps.Log, deps.Metrics),
		demands: events.NewPreparedConsumer(deps.JS, deps.Pool, Name, consumers.DemandSpec, consumers.DemandPreparer(uc), deps.Log, deps.Metrics),
		ratings: events.NewConsumer(deps.JS, deps.Pool, Name, consumers.RatingsSpec, consumers.RatingsHandler(uc), deps.Log, deps.Metrics),
		fairs:   events.NewConsumer(deps.JS, deps.Pool, Name, consumers.FairsSpec, consumers.FairsHandler(uc), deps.Log, deps.Metrics),
		products: events.NewPreparedConsumer(deps.JS, deps.Pool, Name, consumers.ProductsSpec, consumers.ProductsPreparer(uc, index),
			deps.Log, deps.Metrics),
		relay: events.NewRelay(deps.Pool, deps.JS, Name, deps.Log, deps.Metrics, events.RelayOptions{}),
		api:   httpapi.New(uc, hub),
	}, nil
}

// Name implements platform.Service.
func (s *Service) Name() string { return Name }

// Register implements platform.Service.
func (s *Service) Register(srv *httpserver.Server) { s.api.Register(srv.Echo) }

// Run implements platform.Service: it follows the catalogue into the index
// and, once the index has caught up, ranks posted demands. It closes the
// index when everything has stopped.
func (s *Service) Run(ctx context.Context) error {
	defer s.index.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.indexer.Run(ctx) })
	g.Go(func() error { return s.queue.Run(ctx) })
	g.Go(func() error { return s.repo.Listen(ctx, postgres.NotificationsChannel, s.hub.Wake) })
	g.Go(func() error { return s.hub.Follow(ctx) })
	g.Go(func() error { s.horizon.Run(ctx); return nil })
	g.Go(func() error { return s.relay.Run(ctx) })
	g.Go(func() error { return s.ratings.Run(ctx) })
	g.Go(func() error {
		select {
		case <-s.indexer.CaughtUp():
		case <-ctx.Done():
			return nil
		}
		s.deps.Log.Info("search index caught up with the catalogue; matching demands")
		g.Go(func() error { return s.fairs.Run(ctx) })
		g.Go(func() error { return s.products.Run(ctx) })
		return s.demands.Run(ctx)
	})
	return g.Wait()
}

// Ready implements platform.Service: matching is ready once its index holds
// the catalogue.
func (s *Service) Ready(context.Context) error {
	select {
	case <-s.indexer.CaughtUp():
		return nil
	default:
		return errors.New("the search index is still catching up with the catalogue")
	}
}

// OpenAPI implements platform.Service.
func (s *Service) OpenAPI() []byte { return httpapi.OpenAPI }
