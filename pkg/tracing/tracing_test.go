package tracing

import (
	"context"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	p := New()
	got, ok := Parse(p.String())
	if !ok || got != p {
		t.Fatalf("Parse(%q) = %+v, %v", p.String(), got, ok)
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"00-abc-def-01",
		"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"00-00000000000000000000000000000000-b7ad6b7169203331-01",
		"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
		"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
	} {
		if _, ok := Parse(s); ok {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestFromHeaderOrNewKeepsTrace(t *testing.T) {
	in := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	p := FromHeaderOrNew(in)
	if p.TraceID != "0af7651916cd43dd8448eb211c80319c" || p.SpanID == "b7ad6b7169203331" {
		t.Fatalf("child = %+v", p)
	}
	if From(With(context.Background(), p)) != p {
		t.Fatal("context round trip lost the trace")
	}
}
