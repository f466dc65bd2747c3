package httpserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
)

const secret = "0123456789abcdef0123456789abcdef"

type product struct {
	Name      string   `json:"name"`
	OCOPStars int      `json:"ocop_stars"`
	Price     float64  `json:"price_vnd"`
	Tags      []string `json:"tags"`
}

func newServer(t *testing.T) (*httpserver.Server, *auth.Tokens) {
	t.Helper()
	tokens := auth.NewTokens(secret, "ocop")
	s := httpserver.New(httpserver.Options{ReadTimeout: time.Second, WriteTimeout: time.Second}, zap.NewNop(), tokens)
	s.Echo.POST("/v1/products", func(c echo.Context) error {
		var p product
		if err := httpserver.DecodeJSON(c, &p); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, p)
	})
	s.Echo.GET("/v1/fail", func(c echo.Context) error { return errors.New("pq: secret internals") })
	s.Echo.GET("/v1/panic", func(c echo.Context) error { panic("boom") })
	s.Echo.GET("/v1/mine", func(c echo.Context) error {
		p, err := auth.Require(c.Request().Context(), auth.RoleProducer)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"org": p.OrgID})
	})
	return s, tokens
}

func do(s *httpserver.Server, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, req)
	return rec
}

func problemOf(t *testing.T, rec *httptest.ResponseRecorder) httpserver.Problem {
	t.Helper()
	require.Equal(t, httpserver.ProblemContentType, rec.Header().Get("Content-Type"), rec.Body.String())
	var p httpserver.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	return p
}

func TestHostileBodiesGetClear4xx(t *testing.T) {
	s, _ := newServer(t)
	cases := map[string]struct {
		body   string
		status int
		field  string
	}{
		"unknown field":   {`{"name":"x","colour":"red"}`, 400, "colour"},
		"wrong type":      {`{"name":"x","ocop_stars":"four"}`, 400, "ocop_stars"},
		"huge number":     {`{"name":"x","ocop_stars":1e400}`, 400, "ocop_stars"},
		"int overflow":    {`{"ocop_stars":99999999999999999999999}`, 400, "ocop_stars"},
		"invalid utf-8":   {"{\"name\":\"\xff\xfe\"}", 400, ""},
		"deep nesting":    {`{"tags":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, 400, ""},
		"trailing data":   {`{"name":"x"} {"name":"y"}`, 400, ""},
		"not json":        {`name=x`, 400, ""},
		"truncated":       {`{"name":"x"`, 400, ""},
		"array not obj":   {`[1,2]`, 400, ""},
		"oversized":       {`{"name":"` + strings.Repeat("a", httpserver.MaxBodyBytes) + `"}`, 413, ""},
		"empty":           {` `, 400, ""},
		"null is allowed": {`null`, 201, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec := do(s, http.MethodPost, "/v1/products", tc.body, nil)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status >= 400 {
				p := problemOf(t, rec)
				require.Equal(t, tc.status, p.Status)
				require.NotEmpty(t, p.Detail)
				if tc.field != "" {
					require.Len(t, p.Errors, 1)
					require.Equal(t, tc.field, p.Errors[0].Field)
				}
			}
		})
	}
}

func TestWrongContentTypeIsRefused(t *testing.T) {
	s, _ := newServer(t)
	rec := do(s, http.MethodPost, "/v1/products", `{"name":"x"}`, map[string]string{"Content-Type": "text/plain"})
	require.Equal(t, 400, rec.Code)
}

func TestInternalErrorsHideTheirCause(t *testing.T) {
	s, _ := newServer(t)
	for _, path := range []string{"/v1/fail", "/v1/panic"} {
		rec := do(s, http.MethodGet, path, "", nil)
		require.Equal(t, 500, rec.Code)
		p := problemOf(t, rec)
		require.Equal(t, "urn:ocop:problem:internal", p.Type)
		require.NotContains(t, rec.Body.String(), "secret internals")
		require.NotEmpty(t, p.RequestID)
	}
}

func TestAuthentication(t *testing.T) {
	s, tokens := newServer(t)
	producer, err := tokens.Issue(auth.Principal{Role: auth.RoleProducer, OrgID: "prd-001"}, time.Hour)
	require.NoError(t, err)
	buyer, err := tokens.Issue(auth.Principal{Role: auth.RoleBuyer, OrgID: "b-1"}, time.Hour)
	require.NoError(t, err)

	require.Equal(t, 401, do(s, http.MethodGet, "/v1/mine", "", nil).Code)
	require.Equal(t, 401, do(s, http.MethodGet, "/v1/mine", "", map[string]string{"Authorization": "Bearer nope"}).Code)
	require.Equal(t, 401, do(s, http.MethodGet, "/v1/mine", "", map[string]string{"Authorization": "Basic abc"}).Code)
	rec := do(s, http.MethodGet, "/v1/mine", "", map[string]string{"Authorization": "Bearer " + buyer})
	require.Equal(t, 403, rec.Code)
	require.Equal(t, "urn:ocop:problem:forbidden", problemOf(t, rec).Type)
	rec = do(s, http.MethodGet, "/v1/mine", "", map[string]string{"Authorization": "Bearer " + producer})
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), "prd-001")
}

func TestProbesAndMetrics(t *testing.T) {
	s, _ := newServer(t)
	require.Equal(t, 200, do(s, http.MethodGet, "/healthz", "", nil).Code)
	require.Equal(t, 200, do(s, http.MethodGet, "/readyz", "", nil).Code)
	s.AddCheck("postgres", func(context.Context) error { return errors.New("connection refused") })
	rec := do(s, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, 503, rec.Code)
	require.Contains(t, rec.Body.String(), "connection refused")

	do(s, http.MethodPost, "/v1/products", `{"name":"x"}`, nil)
	rec = do(s, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), `ocop_http_requests_total{method="POST",route="/v1/products",status="201"} 1`)
}

func TestUnknownRouteIsProblem(t *testing.T) {
	s, _ := newServer(t)
	rec := do(s, http.MethodGet, "/v1/nowhere", "", nil)
	require.Equal(t, 404, rec.Code)
	require.Equal(t, "urn:ocop:problem:not_found", problemOf(t, rec).Type)
}

func TestTraceparentIsContinued(t *testing.T) {
	s, _ := newServer(t)
	rec := do(s, http.MethodGet, "/healthz", "", map[string]string{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
	require.Contains(t, rec.Header().Get("traceparent"), "0af7651916cd43dd8448eb211c80319c")
	require.NotEmpty(t, rec.Header().Get(echo.HeaderXRequestID))
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]postgres.Source{"svc": nil})
	store := postgres.NewIdempotencyStore(pool, "svc")
	s, tokens := newServer(t)
	var created atomic.Int32
	s.Echo.POST("/v1/demands", func(c echo.Context) error {
		n := created.Add(1)
		c.Response().Header().Set(echo.HeaderLocation, "/v1/demands/d-1")
		return c.JSON(http.StatusCreated, map[string]int32{"n": n})
	}, httpserver.Idempotent(store))
	s.Echo.POST("/v1/flaky", func(c echo.Context) error { return errs.Errorf(errs.Unavailable, "try later") }, httpserver.Idempotent(store))

	buyer, err := tokens.Issue(auth.Principal{Role: auth.RoleBuyer, OrgID: "b-1"}, time.Hour)
	require.NoError(t, err)
	h := map[string]string{"Authorization": "Bearer " + buyer, "Idempotency-Key": "k-1"}

	first := do(s, http.MethodPost, "/v1/demands", `{"a":1}`, h)
	require.Equal(t, 201, first.Code)
	second := do(s, http.MethodPost, "/v1/demands", `{"a":1}`, h)
	require.Equal(t, 201, second.Code)
	require.Equal(t, first.Body.String(), second.Body.String())
	require.Equal(t, "true", second.Header().Get("Idempotent-Replayed"))
	require.Equal(t, "/v1/demands/d-1", second.Header().Get("Location"))
	require.EqualValues(t, 1, created.Load())

	reused := do(s, http.MethodPost, "/v1/demands", `{"a":2}`, h)
	require.Equal(t, 409, reused.Code)

	h["Idempotency-Key"] = "k-2"
	require.Equal(t, 503, do(s, http.MethodPost, "/v1/flaky", `{}`, h).Code)
	require.Equal(t, 503, do(s, http.MethodPost, "/v1/flaky", `{}`, h).Code, "a failed request is released for a retry")
}

func TestLargeBodyAllowedOnlyWhereRegistered(t *testing.T) {
	s, _ := newServer(t)
	s.Echo.POST("/v1/imports", func(c echo.Context) error {
		var p product
		if err := httpserver.DecodeJSON(c, &p); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	s.AllowLargeBody(http.MethodPost, "/v1/imports", 4<<20)
	big := `{"name":"` + strings.Repeat("a", 2<<20) + `"}`
	require.Equal(t, http.StatusNoContent, do(s, http.MethodPost, "/v1/imports", big, nil).Code)
	require.Equal(t, http.StatusRequestEntityTooLarge, do(s, http.MethodPost, "/v1/products", big, nil).Code)
}
