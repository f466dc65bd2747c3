// Package catalogue is the catalogue service: producers, OCOP products and
// their ratings, the source of truth for supply. Every change is told to the
// other services as an event on the catalogue stream.
package catalogue

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/platform"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/httpapi"
	"github.com/ocopvn/ocop/services/catalogue/postgres"
)

// Name is the service's name and Postgres schema.
const Name = postgres.Schema

// Migrations are every migration the catalogue's schema needs.
var Migrations = []pgplatform.Source{pgplatform.Migrations, events.Migrations, postgres.Migrations}

// Service is the catalogue service.
type Service struct {
	deps  platform.Deps
	app   *app.Catalogue
	api   *httpapi.API
	relay *events.Relay
}

var _ platform.Service = (*Service)(nil)

// New migrates the catalogue's schema and returns the service.
func New(ctx context.Context, deps platform.Deps) (*Service, error) {
	if err := pgplatform.Migrate(ctx, deps.Pool, Name, Migrations...); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	uc := app.New(postgres.New(deps.Pool))
	return &Service{
		deps:  deps,
		app:   uc,
		api:   httpapi.New(uc, pgplatform.NewIdempotencyStore(deps.Pool, Name), deps.Config.PublicURL),
		relay: events.NewRelay(deps.Pool, deps.JS, Name, deps.Log, deps.Metrics, events.RelayOptions{}),
	}, nil
}

// Name implements platform.Service.
func (s *Service) Name() string { return Name }

// Register implements platform.Service.
func (s *Service) Register(srv *httpserver.Server) { s.api.Register(srv) }

// Run implements platform.Service: it relays the outbox and warns producers
// of ratings about to lapse until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.relay.Run(ctx) })
	g.Go(func() error {
		return platform.RunJobs(ctx, time.Hour, s.deps.Log,
			platform.Job{Name: "warn producers of lapsing OCOP ratings", Run: s.app.RemindExpiringRatings})
	})
	return g.Wait()
}

// Ready implements platform.Service; the catalogue needs nothing beyond the
// shared PostgreSQL and NATS the process checks.
func (s *Service) Ready(context.Context) error { return nil }

// OpenAPI implements platform.Service.
func (s *Service) OpenAPI() []byte { return httpapi.OpenAPI }
