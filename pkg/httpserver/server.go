// Package httpserver is the one echo server every service registers its routes
// on: recovery, request and trace ids, a body limit, timeouts, bearer auth,
// problem+json errors, health and readiness probes and Prometheus metrics.
package httpserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/logging"
	"github.com/ocopvn/ocop/pkg/tracing"
)

// MaxBodyBytes is the largest request body accepted (1 MiB); uploads that
// need more (spreadsheet imports) raise it on their own route.
const MaxBodyBytes = 1 << 20

// Options configures the server.
type Options struct {
	Addr         string
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// RateLimit bounds each caller's writes; the zero value turns it off.
	RateLimit RateLimit
}

// Check is one readiness condition, such as "PostgreSQL answers".
type Check struct {
	Name string
	Func func(context.Context) error
}

// Server wraps echo with the platform's middleware and probes.
type Server struct {
	Echo     *echo.Echo
	Registry *prometheus.Registry

	opts   Options
	log    *zap.Logger
	http   *http.Server
	mu     sync.Mutex
	checks []Check
	// largeBodies raises the body limit of a few routes (spreadsheet
	// uploads), keyed by method and path as registered.
	largeBodies map[string]int64
	// writes holds each caller's write allowance, when writes are limited.
	writes *limiters

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds the server. tokens verifies bearer tokens; a request without one
// is anonymous and handlers decide with auth.Require.
func New(opts Options, log *zap.Logger, tokens *auth.Tokens) *Server {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{
		Echo:     e,
		Registry: reg,
		opts:     opts,
		log:      log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocop_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ocop_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(s.requests, s.duration)
	if opts.RateLimit.PerSecond > 0 {
		s.writes = &limiters{cfg: opts.RateLimit, byID: map[string]*bucket{}}
	}

	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	e.Use(s.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			logging.From(c.Request().Context(), log).Error("panic in handler", zap.Error(err), zap.ByteString("stack", stack))
			return errs.Errorf(errs.Internal, "internal error")
		},
	}))
	e.Use(s.limitBody)
	e.Use(s.limitWrites)
	e.Use(authenticate(tokens))

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	return s
}

// AllowLargeBody raises the body limit of one route, registered as method
// and echo path (e.g. POST /v1/imports).
func (s *Server) AllowLargeBody(method, path string, limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.largeBodies == nil {
		s.largeBodies = map[string]int64{}
	}
	s.largeBodies[method+" "+path] = limit
}

// limitBody refuses bodies over the route's limit: at once when the length
// is declared, else when the handler reads past it.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := int64(MaxBodyBytes)
		s.mu.Lock()
		if l, ok := s.largeBodies[req.Method+" "+c.Path()]; ok {
			limit = l
		}
		s.mu.Unlock()
		if req.ContentLength > limit {
			return echo.ErrStatusRequestEntityTooLarge
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}

// AddCheck adds a readiness condition to /readyz.
func (s *Server) AddCheck(name string, fn func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, Check{Name: name, Func: fn})
}

func (s *Server) ready(c echo.Context) error {
	s.mu.Lock()
	checks := append([]Check(nil), s.checks...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	status := http.StatusOK
	results := make(map[string]string, len(checks))
	for _, ch := range checks {
		if err := ch.Func(ctx); err != nil {
			status = http.StatusServiceUnavailable
			results[ch.Name] = err.Error()
			continue
		}
		results[ch.Name] = "ok"
	}
	return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": results})
}

// observe gives each request a logger carrying its request and trace ids,
// continues the caller's W3C trace, and records metrics and one log line.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		trace := tracing.FromHeaderOrNew(req.Header.Get(tracing.Header))
		reqID := c.Response().Header().Get(echo.HeaderXRequestID)
		l := s.log.With(zap.String("request_id", reqID), zap.String("trace_id", trace.TraceID))
		ctx := tracing.With(logging.WithLogger(req.Context(), l), trace)
		c.SetRequest(req.WithContext(ctx))
		c.Response().Header().Set(tracing.Header, trace.String())

		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		elapsed := time.Since(start)
		s.requests.WithLabelValues(req.Method, route, strconv.Itoa(status)).Inc()
		s.duration.WithLabelValues(req.Method, route).Observe(elapsed.Seconds())
		if route != "/healthz" && route != "/readyz" && route != "/metrics" {
			l.Info("request", zap.String("method", req.Method), zap.String("route", route),
				zap.Int("status", status), zap.Duration("elapsed", elapsed))
		}
		return nil
	}
}

func authenticate(tokens *auth.Tokens) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			header := c.Request().Header.Get(echo.HeaderAuthorization)
			if header == "" {
				return next(c)
			}
			token, ok := auth.BearerToken(header)
			if !ok {
				return errs.Errorf(errs.Unauthorized, "the Authorization header must be \"Bearer <token>\"")
			}
			p, err := tokens.Verify(token)
			if err != nil {
				return err
			}
			req := c.Request()
			ctx := auth.WithPrincipal(req.Context(), p)
			ctx = logging.WithLogger(ctx, logging.From(ctx, zap.NewNop()).With(zap.String("principal", p.Subject)))
			c.SetRequest(req.WithContext(ctx))
			return next(c)
		}
	}
}

// Serve listens on the configured address until ctx ends, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// the grace period, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	s.http = &http.Server{
		Handler:           s.Echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- s.http.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
