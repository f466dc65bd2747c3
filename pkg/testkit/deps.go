package testkit

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/platform"
)

// Deps returns what a service is given in production, over a fresh database
// (empty: the service migrates its own schema) and an embedded NATS server.
func Deps(t testing.TB) platform.Deps {
	t.Helper()
	pool := Postgres(t, nil)
	nc, js := NATS(t)
	return platform.Deps{
		Config:  config.Platform{Env: "development", JWTSecret: JWTSecret, JWTAudience: "ocop", DataDir: t.TempDir()},
		Pool:    pool,
		NATS:    nc,
		JS:      js,
		Log:     Logger(t),
		Metrics: prometheus.NewRegistry(),
	}
}
