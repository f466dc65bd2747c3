package httpserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
)

// IdempotencyHeader lets a client retry a create without creating twice.
const IdempotencyHeader = "Idempotency-Key"

// StoredResponse is the first answer given to an idempotency key.
type StoredResponse struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

// IdempotencyStore remembers idempotency keys per caller.
type IdempotencyStore interface {
	// Reserve claims the key for a request with this fingerprint. It returns
	// the stored response when the key was already answered, errs.Conflict when
	// it is in flight or was used for a different request, nil, nil when claimed.
	Reserve(ctx context.Context, scope, key string, fingerprint []byte) (*StoredResponse, error)
	// Complete stores the answer to replay for later retries.
	Complete(ctx context.Context, scope, key string, resp StoredResponse) error
	// Release frees a key whose request failed on our side, so a retry runs again.
	Release(ctx context.Context, scope, key string) error
}

// Idempotent makes a create endpoint honour Idempotency-Key: a retry with the
// same key and body gets the first answer again instead of a second resource.
func Idempotent(store IdempotencyStore) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := c.Request().Header.Get(IdempotencyHeader)
			if key == "" {
				return next(c)
			}
			if len(key) > 255 {
				var v errs.Validation
				v.Add(IdempotencyHeader, "must be at most 255 characters")
				return v.Err()
			}
			p, ok := auth.FromContext(c.Request().Context())
			if !ok {
				return next(c)
			}
			req := c.Request()
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return echo.ErrStatusRequestEntityTooLarge
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			sum := sha256.New()
			sum.Write([]byte(req.Method + " " + req.URL.Path + "\n"))
			sum.Write(body)
			scope := string(p.Role) + ":" + p.Subject

			ctx := req.Context()
			stored, err := store.Reserve(ctx, scope, key, sum.Sum(nil))
			if err != nil {
				return err
			}
			if stored != nil {
				h := c.Response().Header()
				h.Set("Idempotent-Replayed", "true")
				if stored.Location != "" {
					h.Set(echo.HeaderLocation, stored.Location)
				}
				return c.Blob(stored.Status, stored.ContentType, stored.Body)
			}

			rec := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			if status >= http.StatusInternalServerError || status == http.StatusTooManyRequests {
				return store.Release(context.WithoutCancel(ctx), scope, key)
			}
			h := c.Response().Header()
			return store.Complete(context.WithoutCancel(ctx), scope, key, StoredResponse{
				Status: status, ContentType: h.Get(echo.HeaderContentType), Location: h.Get(echo.HeaderLocation), Body: rec.body.Bytes(),
			})
		}
	}
}

type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
