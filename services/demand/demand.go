// Package demand is the demand service: buyers' purchase demands, the source
// of truth for demand. Posting a demand tells matching through the demand stream.
package demand

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/platform"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/consumers"
	"github.com/ocopvn/ocop/services/demand/httpapi"
	"github.com/ocopvn/ocop/services/demand/postgres"
)

// Name is the service's name and Postgres schema.
const Name = postgres.Schema

// Migrations are every migration the demand schema needs.
var Migrations = []pgplatform.Source{pgplatform.Migrations, events.Migrations, postgres.Migrations}

// Service is the demand service.
type Service struct {
	deps    platform.Deps
	app     *app.Demands
	api     *httpapi.API
	relay   *events.Relay
	matches *events.Consumer
}

var _ platform.Service = (*Service)(nil)

// Option changes how New builds the service.
type Option func(*options)

type options struct {
	now func() time.Time
}

// WithClock makes the service read the time from now instead of the system
// clock, so a test can stand on the day a data set was written for: dates
// needed are refused once past, and demands expire after them.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// New migrates the demand schema and returns the service.
func New(ctx context.Context, deps platform.Deps, opts ...Option) (*Service, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if err := pgplatform.Migrate(ctx, deps.Pool, Name, Migrations...); err != nil {
		return nil, fmt.Errorf("demand: %w", err)
	}
	uc := app.New(postgres.New(deps.Pool), o.now)
	return &Service{
		deps:    deps,
		app:     uc,
		api:     httpapi.New(uc, pgplatform.NewIdempotencyStore(deps.Pool, Name)),
		relay:   events.NewRelay(deps.Pool, deps.JS, Name, deps.Log, deps.Metrics, events.RelayOptions{}),
		matches: events.NewConsumer(deps.JS, deps.Pool, Name, consumers.MatchesSpec, consumers.MatchesHandler(uc), deps.Log, deps.Metrics),
	}, nil
}

// Name implements platform.Service.
func (s *Service) Name() string { return Name }

// Register implements platform.Service.
func (s *Service) Register(srv *httpserver.Server) { s.api.Register(srv.Echo) }

// Run implements platform.Service: it relays the outbox, records matching's
// lists, expires demands past their date and prompts deal follow-ups, until
// ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.relay.Run(ctx) })
	g.Go(func() error { return s.matches.Run(ctx) })
	g.Go(func() error {
		return platform.RunJobs(ctx, time.Hour, s.deps.Log,
			platform.Job{Name: "expire demands past their date", Run: s.app.ExpireDemands},
			platform.Job{Name: "prompt deal follow-ups", Run: s.app.PromptFollowUps})
	})
	return g.Wait()
}

// Ready implements platform.Service; the demand service needs nothing beyond
// the shared PostgreSQL and NATS the process checks.
func (s *Service) Ready(context.Context) error { return nil }

// OpenAPI implements platform.Service.
func (s *Service) OpenAPI() []byte { return httpapi.OpenAPI }
