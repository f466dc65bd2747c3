// Package platform is the contract between the `ocop` command and the services:
// the shared parts a service is given (database pool, JetStream, logger,
// metrics, tokens) and what a service offers back (routes, background work,
// its OpenAPI paths).
package platform

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/httpserver"
)

// Deps are the shared parts one process starts once and hands to each service.
type Deps struct {
	Config  config.Platform
	Pool    *pgxpool.Pool
	NATS    *nats.Conn
	JS      jetstream.JetStream
	Log     *zap.Logger
	Metrics prometheus.Registerer
}

// Service is one of catalogue, demand, fairs and matching.
type Service interface {
	// Name is the service's name, also its Postgres schema.
	Name() string
	// Register adds the service's routes to the shared server.
	Register(srv *httpserver.Server)
	// Run does the service's background work (outbox relay, consumers) until
	// ctx ends, then drains it. An error stops the whole process.
	Run(ctx context.Context) error
	// Ready reports whether the service can serve (for /readyz).
	Ready(ctx context.Context) error
	// OpenAPI returns the service's OpenAPI document.
	OpenAPI() []byte
}
