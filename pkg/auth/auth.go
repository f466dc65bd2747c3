// Package auth issues and checks the bearer tokens of the API: a JWT naming the
// caller's role and the organisation (producer, buyer, organiser) it acts for.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ocopvn/ocop/pkg/errs"
)

// Role is what a caller may do in the system.
type Role string

const (
	RoleProducer  Role = "producer"
	RoleBuyer     Role = "buyer"
	RoleOrganiser Role = "organiser"
	RoleOfficial  Role = "official"
	RoleAdmin     Role = "admin"
)

// Roles lists every role, in the order the documentation names them.
var Roles = []Role{RoleProducer, RoleBuyer, RoleOrganiser, RoleOfficial, RoleAdmin}

// ParseRole turns a string into a Role, refusing unknown ones.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: use producer, buyer, organiser, official or admin", s)
}

// NeedsOrg reports whether a token of this role must name the organisation it acts for.
func (r Role) NeedsOrg() bool {
	return r == RoleProducer || r == RoleBuyer || r == RoleOrganiser
}

// Principal is the authenticated caller.
type Principal struct {
	Subject string
	Role    Role
	OrgID   string // producer, buyer organisation or organiser the caller acts for
}

// Is reports whether the caller has one of the roles.
func (p Principal) Is(roles ...Role) bool {
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// ActsFor reports whether the caller acts for the organisation orgID.
func (p Principal) ActsFor(orgID string) bool {
	return p.OrgID != "" && p.OrgID == orgID
}

type claims struct {
	Role string `json:"role"`
	Org  string `json:"org,omitempty"`
	jwt.RegisteredClaims
}

// maxClockSkew bounds how far the clocks of the issuer and this server may differ.
const maxClockSkew = 30 * time.Second

// Tokens signs and verifies HS256 tokens with one shared secret.
type Tokens struct {
	secret   []byte
	audience string
	now      func() time.Time
}

// NewTokens returns a signer/verifier for the secret and audience.
func NewTokens(secret, audience string) *Tokens {
	return &Tokens{secret: []byte(secret), audience: audience, now: time.Now}
}

// Issue signs a token for the principal, valid for ttl.
func (t *Tokens) Issue(p Principal, ttl time.Duration) (string, error) {
	if p.Role.NeedsOrg() && p.OrgID == "" {
		return "", fmt.Errorf("a %s token must name the organisation it acts for", p.Role)
	}
	now := t.now()
	subject := p.Subject
	if subject == "" {
		subject = string(p.Role) + ":" + p.OrgID
	}
	c := claims{
		Role: string(p.Role),
		Org:  p.OrgID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   subject,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
}

// Verify checks the token's signature (HS256 only), expiry, audience and role.
func (t *Tokens) Verify(token string) (Principal, error) {
	var c claims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(maxClockSkew),
		jwt.WithTimeFunc(t.now),
	)
	_, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil })
	if err != nil {
		switch {
		case errors.Is(err, jwt.ErrTokenExpired):
			return Principal{}, errs.Errorf(errs.Unauthorized, "the bearer token has expired: get a new one")
		case errors.Is(err, jwt.ErrTokenInvalidAudience):
			return Principal{}, errs.Errorf(errs.Unauthorized, "the bearer token is not meant for this service (audience)")
		default:
			return Principal{}, errs.Errorf(errs.Unauthorized, "the bearer token is invalid: sign in again")
		}
	}
	role, err := ParseRole(c.Role)
	if err != nil {
		return Principal{}, errs.Errorf(errs.Unauthorized, "the bearer token names an unknown role")
	}
	if role.NeedsOrg() && c.Org == "" {
		return Principal{}, errs.Errorf(errs.Unauthorized, "the bearer token of a %s names no organisation", role)
	}
	return Principal{Subject: c.Subject, Role: role, OrgID: c.Org}, nil
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

type ctxKey struct{}

// WithPrincipal returns a context carrying the caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller, if the request was authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Require returns the caller when it has one of the roles: Unauthorized
// without a caller, Forbidden with another role.
func Require(ctx context.Context, roles ...Role) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, errs.Errorf(errs.Unauthorized, "this endpoint needs a bearer token (Authorization: Bearer <token>)")
	}
	if len(roles) > 0 && !p.Is(roles...) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return Principal{}, errs.Errorf(errs.Forbidden, "this action needs the role %s; your token has %s", strings.Join(names, " or "), p.Role)
	}
	return p, nil
}
