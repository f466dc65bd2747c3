package httpserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/httpserver"
)

func TestWritesAreLimitedPerTokenAndPerAddress(t *testing.T) {
	tokens := auth.NewTokens(secret, "ocop")
	s := httpserver.New(httpserver.Options{RateLimit: httpserver.RateLimit{PerSecond: 1, Burst: 3}}, zap.NewNop(), tokens)
	s.Echo.POST("/v1/things", func(c echo.Context) error { return c.NoContent(http.StatusCreated) })
	s.Echo.GET("/v1/things", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	token := func(org string) map[string]string {
		tok, err := tokens.Issue(auth.Principal{Role: auth.RoleBuyer, OrgID: org}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Authorization": "Bearer " + tok}
	}
	a, b := token("buyer-a"), token("buyer-b")
	for i := range 3 {
		if res := do(s, http.MethodPost, "/v1/things", "", a); res.Code != http.StatusCreated {
			t.Fatalf("write %d within the burst: %d", i+1, res.Code)
		}
	}
	res := do(s, http.MethodPost, "/v1/things", "", a)
	if res.Code != http.StatusTooManyRequests || res.Header().Get("Retry-After") != "1" {
		t.Fatalf("a fourth write at once: %d, Retry-After %q", res.Code, res.Header().Get("Retry-After"))
	}
	if res := do(s, http.MethodPost, "/v1/things", "", b); res.Code != http.StatusCreated {
		t.Fatalf("another token has its own allowance: %d", res.Code)
	}
	if res := do(s, http.MethodGet, "/v1/things", "", a); res.Code != http.StatusOK {
		t.Fatalf("reads are not limited: %d", res.Code)
	}
	for range 3 {
		do(s, http.MethodPost, "/v1/things", "", nil)
	}
	if res := do(s, http.MethodPost, "/v1/things", "", nil); res.Code != http.StatusTooManyRequests {
		t.Fatalf("anonymous writes are limited per address: %d", res.Code)
	}
}
