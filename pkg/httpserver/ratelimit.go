package httpserver

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/ocopvn/ocop/pkg/errs"
)

// RateLimit bounds the writes (POST, PUT, PATCH, DELETE) one caller makes:
// per token when the request carries one, per address when it does not.
// Reads are not limited: they cost little and buyers browse in bursts.
type RateLimit struct {
	// PerSecond is the sustained rate; zero turns the limit off.
	PerSecond float64
	// Burst is how many writes may come at once.
	Burst int
}

// idleAfter is how long a caller's bucket is kept after its last write.
const idleAfter = 10 * time.Minute

type limiters struct {
	cfg   RateLimit
	mu    sync.Mutex
	byID  map[string]*bucket
	swept time.Time
}

type bucket struct {
	limiter *rate.Limiter
	last    time.Time
}

// callerKey names the caller: a digest of its token (the token itself is a
// secret and never kept), else its address.
func callerKey(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		sum := sha256.Sum256([]byte(strings.TrimPrefix(h, "Bearer ")))
		return "token:" + hex.EncodeToString(sum[:12])
	}
	return "address:" + c.RealIP()
}

func (l *limiters) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.byID {
			if now.Sub(b.last) > idleAfter {
				delete(l.byID, k)
			}
		}
		l.swept = now
	}
	b, ok := l.byID[key]
	if !ok {
		b = &bucket{limiter: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), max(1, l.cfg.Burst))}
		l.byID[key] = b
	}
	b.last = now
	r := b.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limitWrites answers 429 with Retry-After when a caller writes faster than
// allowed. Echo applies middleware on every request, so the buckets live in
// the server.
func (s *Server) limitWrites(next echo.HandlerFunc) echo.HandlerFunc {
	l := s.writes
	if l == nil {
		return next
	}
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		default:
			return next(c)
		}
		if wait := l.take(callerKey(c), time.Now()); wait > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return errs.Errorf(errs.TooMany, "too many writes: at most %g a second (bursts of %d); retry after the time in Retry-After",
				s.opts.RateLimit.PerSecond, s.opts.RateLimit.Burst)
		}
		return next(c)
	}
}
