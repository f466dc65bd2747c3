package ocop

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID reports whether s can be the id of a producer, product, demand,
// fair or booth: lowercase letters, digits, '-' and '_', at most 64
// characters, so it is safe in a URL path and a NATS subject.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// IDRule says what ValidID accepts, for error messages.
const IDRule = "must be lowercase letters, digits, '-' or '_', at most 64 characters"

// NewID returns a fresh random id with a prefix naming its kind ("p", "d", "fair").
func NewID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
