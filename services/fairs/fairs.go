// Package fairs is the fairs service: trade fairs and exhibitions, their
// booths and who holds them. Every change is told to the other services as an
// event on the fairs stream.
package fairs

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/platform"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/fairs/app"
	"github.com/ocopvn/ocop/services/fairs/consumers"
	"github.com/ocopvn/ocop/services/fairs/domain"
	"github.com/ocopvn/ocop/services/fairs/httpapi"
	"github.com/ocopvn/ocop/services/fairs/postgres"
)

// Name is the service's name and Postgres schema.
const Name = postgres.Schema

// Migrations are every migration the fairs schema needs.
var Migrations = []pgplatform.Source{pgplatform.Migrations, events.Migrations, postgres.Migrations}

// Service is the fairs service.
type Service struct {
	deps     platform.Deps
	app      *app.Fairs
	api      *httpapi.API
	relay    *events.Relay
	products *events.Consumer
	quotes   *events.Consumer
}

var _ platform.Service = (*Service)(nil)

// New migrates the fairs schema and returns the service.
func New(ctx context.Context, deps platform.Deps) (*Service, error) {
	if err := pgplatform.Migrate(ctx, deps.Pool, Name, Migrations...); err != nil {
		return nil, fmt.Errorf("fairs: %w", err)
	}
	var r config.Reader
	ttl := r.Duration("OCOP_MEETING_REQUEST_TTL", domain.DefaultRequestTTL)
	if err := r.Err(); err != nil {
		return nil, err
	}
	uc := app.New(postgres.New(deps.Pool), ttl)
	return &Service{
		deps:     deps,
		app:      uc,
		api:      httpapi.New(uc, pgplatform.NewIdempotencyStore(deps.Pool, Name)),
		relay:    events.NewRelay(deps.Pool, deps.JS, Name, deps.Log, deps.Metrics, events.RelayOptions{}),
		products: events.NewConsumer(deps.JS, deps.Pool, Name, consumers.ProductsSpec, consumers.ProductsHandler(uc), deps.Log, deps.Metrics),
		quotes:   events.NewConsumer(deps.JS, deps.Pool, Name, consumers.QuotesSpec, consumers.QuotesHandler(uc), deps.Log, deps.Metrics),
	}, nil
}

// Name implements platform.Service.
func (s *Service) Name() string { return Name }

// Register implements platform.Service.
func (s *Service) Register(srv *httpserver.Server) { s.api.Register(srv.Echo) }

// Run implements platform.Service: it relays the outbox, keeps the products
// and quotes it needs, and expires unanswered meeting requests, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.relay.Run(ctx) })
	g.Go(func() error { return s.products.Run(ctx) })
	g.Go(func() error { return s.quotes.Run(ctx) })
	g.Go(func() error {
		return platform.RunJobs(ctx, 10*time.Minute, s.deps.Log,
			platform.Job{Name: "expire unanswered meeting requests", Run: s.app.ExpireMeetingRequests})
	})
	return g.Wait()
}

// Ready implements platform.Service; the fairs service needs nothing beyond
// the shared PostgreSQL and NATS the process checks.
func (s *Service) Ready(context.Context) error { return nil }

// OpenAPI implements platform.Service.
func (s *Service) OpenAPI() []byte { return httpapi.OpenAPI }
