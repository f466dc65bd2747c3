// Package testkit gives tests the real things: a fresh PostgreSQL database and
// an embedded JetStream server, each removed when the test ends.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/postgres"
)

// AdminURL is the PostgreSQL server tests create their databases on:
// TEST_DATABASE_URL, else the local server.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// DatabaseURL creates a fresh empty database and returns its URL; the
// database is dropped when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := AdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("testkit: PostgreSQL at %s is not reachable (start it, or set TEST_DATABASE_URL): %v", admin, err)
	}
	defer conn.Close(ctx)
	name := "test_" + sanitize(t.Name()) + "_" + randomHex(4)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testkit: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("testkit: dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("testkit: dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testkit: TEST_DATABASE_URL is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a pool on a fresh database with the given service schemas
// migrated (each with the platform and event tables), closed and dropped at
// the end of the test.
func Postgres(t testing.TB, schemas map[string][]postgres.Source) *pgxpool.Pool {
	t.Helper()
	url := DatabaseURL(t)
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(pool.Close)
	for schema, sources := range schemas {
		all := append([]postgres.Source{postgres.Migrations, events.Migrations}, sources...)
		if err := postgres.Migrate(ctx, pool, schema, all...); err != nil {
			t.Fatalf("testkit: migrating %s: %v", schema, err)
		}
	}
	return pool
}

// NATSServer starts a JetStream server on a random local port with its store
// in a temporary directory, shut down at the end of the test.
func NATSServer(t testing.TB) *server.Server {
	t.Helper()
	ns, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: t.TempDir(), Listen: "127.0.0.1:-1"})
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// NATS starts a JetStream server with every stream declared and returns a
// connection to it.
func NATS(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns := NATSServer(t)
	nc, js, err := events.Connect(ns.ClientURL(), nil, t.Name(), zap.NewNop())
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := events.DeclareStreams(ctx, js, 1); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return nc, js
}

// Logger returns a logger that writes through t.Log.
func Logger(t testing.TB) *zap.Logger {
	return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Eventually polls cond until it holds or the wait runs out; the wait bounds
// a test that would otherwise hang, it is not a performance assertion.
func Eventually(t testing.TB, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s: %s", wait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CertifiedMonthsAgo is an OCOP certification date (YYYY-MM-DD) that many
// months before today. A rating is valid for 36 months, so a fixture
// certified fewer months ago stays valid whatever day the tests run, where
// a fixed date would lapse and change what a search or match finds.
func CertifiedMonthsAgo(months int) string {
	return time.Now().UTC().AddDate(0, -months, 0).Format(time.DateOnly)
}
