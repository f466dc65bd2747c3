// Package tracing carries a W3C trace context (the traceparent header) from an
// HTTP request through the outbox and the bus to every consumer, so one buyer's
// demand can be followed in the logs of every service it touched.
package tracing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// Header is the W3C trace context header name, used on HTTP and in NATS headers.
const Header = "traceparent"

// Parent is one W3C traceparent: a trace id shared by every hop and the id of
// the span that caused this one.
type Parent struct {
	TraceID string // 32 lowercase hex digits
	SpanID  string // 16 lowercase hex digits
}

// New starts a new trace.
func New() Parent {
	return Parent{TraceID: randomHex(16), SpanID: randomHex(8)}
}

// Child returns a new span in the same trace.
func (p Parent) Child() Parent {
	return Parent{TraceID: p.TraceID, SpanID: randomHex(8)}
}

// String formats the header value (version 00, sampled).
func (p Parent) String() string {
	return "00-" + p.TraceID + "-" + p.SpanID + "-01"
}

// Parse reads a traceparent header value; ok is false for anything malformed,
// in which case callers start a new trace rather than trust the input.
func Parse(s string) (Parent, bool) {
	parts := strings.Split(strings.TrimSpace(s), "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" {
		return Parent{}, false
	}
	trace, span := parts[1], parts[2]
	if !isHex(trace, 32) || !isHex(span, 16) || trace == strings.Repeat("0", 32) || span == strings.Repeat("0", 16) {
		return Parent{}, false
	}
	return Parent{TraceID: trace, SpanID: span}, true
}

// FromHeaderOrNew continues the trace in the header value, or starts one.
func FromHeaderOrNew(s string) Parent {
	if p, ok := Parse(s); ok {
		return p.Child()
	}
	return New()
}

type ctxKey struct{}

// With returns a context carrying the trace context.
func With(ctx context.Context, p Parent) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the context's trace context, starting a new trace when there is none.
func From(ctx context.Context) Parent {
	if p, ok := ctx.Value(ctxKey{}).(Parent); ok {
		return p
	}
	return New()
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
