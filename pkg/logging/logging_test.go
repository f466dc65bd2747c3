package logging

import (
	"context"
	"testing"

	"go.uber.org/zap"
)

func TestNewRejectsUnknownLevel(t *testing.T) {
	if _, err := New("loud", "json"); err == nil {
		t.Fatal("want an error for an unknown level")
	}
	if _, err := New("debug", "console"); err != nil {
		t.Fatalf("New: %v", err)
	}
}

func TestFromReturnsContextLogger(t *testing.T) {
	fallback := zap.NewNop()
	l := zap.NewExample()
	if From(context.Background(), fallback) != fallback {
		t.Fatal("want fallback without a logger in context")
	}
	if From(WithLogger(context.Background(), l), fallback) != l {
		t.Fatal("want the context logger")
	}
}
