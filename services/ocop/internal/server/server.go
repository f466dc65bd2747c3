// Package server assembles one `ocop serve` process: the shared parts
// (PostgreSQL pool, NATS connection, embedded NATS server when no external
// one is given, the HTTP server) started once, and the chosen services on top.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/platform"
	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue"
	"github.com/ocopvn/ocop/services/demand"
	"github.com/ocopvn/ocop/services/fairs"
	"github.com/ocopvn/ocop/services/matching"
)

// ServiceNames are the services one process can run, in start order.
var ServiceNames = []string{catalogue.Name, demand.Name, fairs.Name, matching.Name}

// ParseServices reads a --services value: "all" or a comma-separated list.
func ParseServices(s string) ([]string, error) {
	if s == "" || s == "all" {
		return ServiceNames, nil
	}
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(ServiceNames, name) {
			return nil, fmt.Errorf("unknown service %q: use all or a list of %s", name, strings.Join(ServiceNames, ", "))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// Options configure a process.
type Options struct {
	Platform config.Platform
	Services []string
	Matching matching.Config
	// NATSListen opens the embedded NATS server to other processes at
	// host:port; empty keeps it in process.
	NATSListen string
	// NATSSyncAlways makes the embedded JetStream fsync before each ack.
	NATSSyncAlways bool
	// NATSReplicas is the stream replication on an external NATS cluster.
	NATSReplicas int
	Log          *zap.Logger
	Version      string
}

// Running describes a started process to whoever started it.
type Running struct {
	URL string
}

// Run starts the process and serves until ctx ends, then shuts down in
// order: the HTTP server stops taking requests and finishes those in flight,
// then the services drain their consumers and flush their outboxes, then the
// shared parts close. started, when not nil,
// is called once the server accepts requests.
func Run(ctx context.Context, o Options, started func(Running)) error {
	log := o.Log
	p := o.Platform
	if !p.Production() {
		if err := postgres.EnsureDatabase(ctx, p.DatabaseURL); err != nil {
			return err
		}
	}
	pool, err := postgres.Connect(ctx, p.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	var embedded *server.Server
	if p.NATSURL == "" {
		embedded, err = events.StartEmbedded(events.EmbeddedOptions{
			StoreDir: filepath.Join(p.DataDir, "nats"), Listen: o.NATSListen, SyncAlways: o.NATSSyncAlways,
		})
		if err != nil {
			return err
		}
		defer func() {
			embedded.Shutdown()
			embedded.WaitForShutdown()
		}()
		log.Info("embedded NATS JetStream started", zap.String("store", filepath.Join(p.DataDir, "nats")), zap.String("listen", o.NATSListen))
	}
	nc, js, err := events.Connect(p.NATSURL, embedded, "ocop "+strings.Join(o.Services, ","), log)
	if err != nil {
		return err
	}
	defer nc.Close()
	declareCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = events.DeclareStreams(declareCtx, js, o.NATSReplicas)
	cancel()
	if err != nil {
		return fmt.Errorf("%w (NATS at %s)", err, natsURL(p.NATSURL, embedded))
	}

	srv := httpserver.New(httpserver.Options{ReadTimeout: p.ReadTimeout, WriteTimeout: p.WriteTimeout,
		RateLimit: httpserver.RateLimit{PerSecond: p.WriteRate, Burst: p.WriteBurst}}, log,
		auth.NewTokens(p.JWTSecret, p.JWTAudience))
	deps := platform.Deps{Config: p, Pool: pool, NATS: nc, JS: js, Log: log, Metrics: srv.Registry}
	services, err := build(ctx, o, deps)
	if err != nil {
		return err
	}
	var docs [][]byte
	for _, s := range services {
		s.Register(srv)
		srv.AddCheck(s.Name(), s.Ready)
		docs = append(docs, s.OpenAPI())
	}
	srv.AddCheck("postgres", pool.Ping)
	srv.AddCheck("nats", func(context.Context) error {
		if nc.Status() != nats.CONNECTED {
			return fmt.Errorf("NATS connection is %s", nc.Status())
		}
		return nil
	})
	openapi, err := platform.MergeOpenAPI("OCOP trade promotion and supply–demand matching", o.Version, docs...)
	if err != nil {
		return err
	}
	srv.Echo.GET("/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openapi)
	})

	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another server running? set --addr or OCOP_ADDR)", p.Addr, err)
	}

	serviceCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	g, gctx := errgroup.WithContext(serviceCtx)
	for _, s := range services {
		g.Go(func() error {
			if err := s.Run(gctx); err != nil {
				return fmt.Errorf("%s: %w", s.Name(), err)
			}
			return nil
		})
	}
	httpCtx, stopHTTP := context.WithCancel(ctx)
	defer stopHTTP()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(httpCtx, ln, p.ShutdownTimeout) }()

	url := "http://" + displayAddr(ln.Addr())
	log.Info("ocop serving", zap.String("url", url), zap.Strings("services", o.Services))
	if started != nil {
		started(Running{URL: url})
	}

	// A failing service stops the process: its HTTP routes would otherwise
	// keep answering for a half-working system.
	serviceFailed := make(chan struct{})
	go func() {
		<-gctx.Done()
		close(serviceFailed)
	}()
	var httpErr error
	select {
	case <-ctx.Done():
		stopHTTP()
		httpErr = <-httpDone
	case <-serviceFailed:
		stopHTTP()
		httpErr = <-httpDone
	case httpErr = <-httpDone:
	}
	stopServices()
	serviceErr := g.Wait()
	log.Info("ocop stopped")
	return errors.Join(serviceErr, httpErr)
}

func build(ctx context.Context, o Options, deps platform.Deps) ([]platform.Service, error) {
	var out []platform.Service
	for _, name := range o.Services {
		var (
			s   platform.Service
			err error
		)
		switch name {
		case catalogue.Name:
			s, err = catalogue.New(ctx, deps)
		case demand.Name:
			s, err = demand.New(ctx, deps)
		case fairs.Name:
			s, err = fairs.New(ctx, deps)
		case matching.Name:
			s, err = matching.New(ctx, deps, o.Matching)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func natsURL(url string, embedded *server.Server) string {
	if embedded != nil {
		return "embedded"
	}
	return url
}

// displayAddr turns a listener address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
