package config

import (
	"strings"
	"testing"
	"time"
)

func reader(env map[string]string) *Reader {
	return &Reader{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
}

func TestReaderReportsEveryMalformedVariable(t *testing.T) {
	r := reader(map[string]string{"A": "x", "B": "5m", "C": "nope", "D": "7"})
	if got := r.Int("A", 3); got != 3 {
		t.Fatalf("Int fallback = %d", got)
	}
	if got := r.Duration("B", time.Second); got != 5*time.Minute {
		t.Fatalf("Duration = %v", got)
	}
	r.Bool("C", false)
	if got := r.Int("D", 0); got != 7 {
		t.Fatalf("Int = %d", got)
	}
	err := r.Err()
	if err == nil || !strings.Contains(err.Error(), "A=") || !strings.Contains(err.Error(), "C=") {
		t.Fatalf("Err() = %v, want both A and C named", err)
	}
}

func TestProductionRefusesDevelopmentSecret(t *testing.T) {
	p := Platform{Env: "production", DatabaseURL: "postgres://x", JWTSecret: DevJWTSecret, LogFormat: "json"}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "OCOP_JWT_SECRET") {
		t.Fatalf("Validate() = %v, want a refusal naming OCOP_JWT_SECRET", err)
	}
	p.Env = "development"
	if err := p.Validate(); err != nil {
		t.Fatalf("development with the dev secret: %v", err)
	}
}
