// Package config reads the platform settings every service shares from
// environment variables, with defaults that work on a developer's machine.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DevJWTSecret is the signing secret used when OCOP_JWT_SECRET is unset. It is
// public, so production refuses to start with it.
const DevJWTSecret = "ocop-development-secret-do-not-use-in-production"

// Platform holds what the shared parts of the process need: the HTTP server,
// PostgreSQL, NATS, storage and token checking.
type Platform struct {
	Env         string // "development" or "production"
	Addr        string
	DatabaseURL string
	NATSURL     string // empty: run an embedded NATS server
	DataDir     string
	JWTSecret   string
	JWTAudience string
	LogLevel    string
	LogFormat   string // "json" or "console"
	// PublicURL is where users reach the system (printed in QR codes and
	// links); empty: the address each request came to.
	PublicURL string

	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	ShutdownTimeout time.Duration

	// WriteRate and WriteBurst bound each caller's writes (per token, or
	// per address without one); a rate of 0 turns the limit off.
	WriteRate  float64
	WriteBurst int
}

// Production reports whether the process runs with production rules.
func (p Platform) Production() bool { return p.Env == "production" }

// FromEnv reads the platform settings from the environment.
func FromEnv() (Platform, error) {
	var r Reader
	p := Platform{
		Env:             r.String("OCOP_ENV", "development"),
		Addr:            r.String("OCOP_ADDR", ":8080"),
		DatabaseURL:     r.String("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ocop?sslmode=disable"),
		NATSURL:         r.String("NATS_URL", ""),
		DataDir:         r.String("OCOP_DATA_DIR", filepath.Join(".", "data")),
		JWTSecret:       r.String("OCOP_JWT_SECRET", DevJWTSecret),
		JWTAudience:     r.String("OCOP_JWT_AUDIENCE", "ocop"),
		LogLevel:        r.String("OCOP_LOG_LEVEL", "info"),
		LogFormat:       r.String("OCOP_LOG_FORMAT", ""),
		PublicURL:       r.String("OCOP_PUBLIC_URL", ""),
		ReadTimeout:     r.Duration("OCOP_HTTP_READ_TIMEOUT", 15*time.Second),
		WriteTimeout:    r.Duration("OCOP_HTTP_WRITE_TIMEOUT", 30*time.Second),
		ShutdownTimeout: r.Duration("OCOP_SHUTDOWN_TIMEOUT", 20*time.Second),
		WriteRate:       r.Float("OCOP_WRITE_RATE", 20),
		WriteBurst:      r.Int("OCOP_WRITE_BURST", 40),
	}
	if p.LogFormat == "" {
		p.LogFormat = "console"
		if p.Production() {
			p.LogFormat = "json"
		}
	}
	if err := r.Err(); err != nil {
		return p, err
	}
	return p, p.Validate()
}

// Validate checks the settings for mistakes that would only show up later.
func (p Platform) Validate() error {
	var problems []string
	if p.Env != "development" && p.Env != "production" {
		problems = append(problems, fmt.Sprintf("OCOP_ENV=%q: use development or production", p.Env))
	}
	if p.DatabaseURL == "" {
		problems = append(problems, "DATABASE_URL is empty: set a PostgreSQL connection URL")
	}
	if p.Production() && p.JWTSecret == DevJWTSecret {
		problems = append(problems, "OCOP_JWT_SECRET is the public development secret: set a secret of at least 32 random bytes")
	}
	if len(p.JWTSecret) < 32 {
		problems = append(problems, "OCOP_JWT_SECRET is shorter than 32 bytes: use a longer random secret")
	}
	if p.LogFormat != "json" && p.LogFormat != "console" {
		problems = append(problems, fmt.Sprintf("OCOP_LOG_FORMAT=%q: use json or console", p.LogFormat))
	}
	if len(problems) > 0 {
		return fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Reader reads typed environment variables and remembers every malformed one,
// so a misconfigured process reports all its mistakes at once.
type Reader struct {
	problems []string
	lookup   func(string) (string, bool)
}

func (r *Reader) get(name string) (string, bool) {
	if r.lookup != nil {
		return r.lookup(name)
	}
	return os.LookupEnv(name)
}

// String returns the variable or def when it is unset or empty.
func (r *Reader) String(name, def string) string {
	if v, ok := r.get(name); ok && v != "" {
		return v
	}
	return def
}

// Int returns the variable as an integer.
func (r *Reader) Int(name string, def int) int {
	v, ok := r.get(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s=%q is not a whole number", name, v))
		return def
	}
	return n
}

// Float returns the variable as a floating-point number.
func (r *Reader) Float(name string, def float64) float64 {
	v, ok := r.get(name)
	if !ok || v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s=%q is not a number", name, v))
		return def
	}
	return f
}

// Bool returns the variable as a boolean (true/false/1/0).
func (r *Reader) Bool(name string, def bool) bool {
	v, ok := r.get(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s=%q is not true or false", name, v))
		return def
	}
	return b
}

// Duration returns the variable as a Go duration such as "30s".
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v, ok := r.get(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.problems = append(r.problems, fmt.Sprintf("%s=%q is not a duration such as 30s or 5m", name, v))
		return def
	}
	return d
}

// Err reports every malformed variable read so far.
func (r *Reader) Err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %s", strings.Join(r.problems, "; "))
}
