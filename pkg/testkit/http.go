package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/config"
	"github.com/ocopvn/ocop/pkg/httpserver"
)

// JWTSecret signs the tokens of tests.
const JWTSecret = config.DevJWTSecret

// Tokens returns the token issuer tests and test servers share.
func Tokens() *auth.Tokens { return auth.NewTokens(JWTSecret, "ocop") }

// Token mints a token for role acting for org ("" for official and admin).
func Token(t testing.TB, role auth.Role, org string) string {
	t.Helper()
	tok, err := Tokens().Issue(auth.Principal{Role: role, OrgID: org}, time.Hour)
	if err != nil {
		t.Fatalf("testkit: minting a %s token: %v", role, err)
	}
	return tok
}

// Response is a recorded HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response %d is not the JSON expected: %v\n%s", r.Status, err, r.Body)
	}
}

// Problem decodes a problem+json body.
func (r Response) Problem(t testing.TB) httpserver.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != httpserver.ProblemContentType {
		t.Fatalf("response %d has Content-Type %q, want problem+json\n%s", r.Status, ct, r.Body)
	}
	var p httpserver.Problem
	r.JSON(t, &p)
	return p
}

// Client calls a handler (an echo server, in process) or a URL (a real server).
type Client struct {
	Handler http.Handler
	BaseURL string
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte.
// token may be empty for an anonymous call.
func (c Client) Do(t testing.TB, method, path string, body any, token string, headers ...string) Response {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewBufferString(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encoding request body: %v", err)
		}
		reader = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, c.BaseURL+path, reader)
	if c.BaseURL != "" {
		var err error
		req, err = http.NewRequest(method, c.BaseURL+path, reader)
		if err != nil {
			t.Fatalf("building request: %v", err)
		}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if c.BaseURL == "" {
		rec := httptest.NewRecorder()
		c.Handler.ServeHTTP(rec, req)
		return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Server returns the platform's HTTP server (no listener) with the tokens of Token.
func Server(t testing.TB) *httpserver.Server {
	return httpserver.New(httpserver.Options{ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}, Logger(t), Tokens())
}
