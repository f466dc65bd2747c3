package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ocopvn/ocop/pkg/errs"
)

const secret = "0123456789abcdef0123456789abcdef"

func TestIssueAndVerifyRoundTrip(t *testing.T) {
	tok := NewTokens(secret, "ocop")
	s, err := tok.Issue(Principal{Role: RoleBuyer, OrgID: "buyer-1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tok.Verify(s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != RoleBuyer || p.OrgID != "buyer-1" || p.Subject == "" {
		t.Fatalf("principal = %+v", p)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	tok := NewTokens(secret, "ocop")
	good, _ := tok.Issue(Principal{Role: RoleAdmin}, time.Hour)

	other := NewTokens(secret, "other-audience")
	wrongAud, _ := other.Issue(Principal{Role: RoleAdmin}, time.Hour)

	past := NewTokens(secret, "ocop")
	past.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	expired, _ := past.Issue(Principal{Role: RoleAdmin}, time.Hour)

	skewed := NewTokens(secret, "ocop")
	skewed.now = func() time.Time { return time.Now().Add(-time.Hour - 10*time.Second) }
	withinSkew, _ := skewed.Issue(Principal{Role: RoleAdmin}, time.Hour)

	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"role": "admin", "aud": "ocop", "exp": time.Now().Add(time.Hour).Unix()})
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)

	hs512 := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"role": "admin", "aud": "ocop", "exp": time.Now().Add(time.Hour).Unix()})
	otherAlg, _ := hs512.SignedString([]byte(secret))

	noOrg := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"role": "producer", "aud": "ocop", "exp": time.Now().Add(time.Hour).Unix()})
	producerWithoutOrg, _ := noOrg.SignedString([]byte(secret))

	cases := map[string]struct {
		token string
		ok    bool
	}{
		"good":                 {good, true},
		"within clock skew":    {withinSkew, true},
		"wrong audience":       {wrongAud, false},
		"expired":              {expired, false},
		"alg none":             {unsigned, false},
		"other algorithm":      {otherAlg, false},
		"producer without org": {producerWithoutOrg, false},
		"garbage":              {"abc.def.ghi", false},
		"tampered":             {good[:len(good)-2] + "xx", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tok.Verify(tc.token)
			if tc.ok && err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tc.ok && !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("Verify = %v, want unauthorized", err)
			}
		})
	}
}

func TestIssueNeedsOrgForOrganisationRoles(t *testing.T) {
	tok := NewTokens(secret, "ocop")
	if _, err := tok.Issue(Principal{Role: RoleProducer}, time.Hour); err == nil {
		t.Fatal("want an error for a producer token without org")
	}
}

func TestRequire(t *testing.T) {
	if _, err := Require(context.Background(), RoleBuyer); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("anonymous: %v", err)
	}
	ctx := WithPrincipal(context.Background(), Principal{Role: RoleProducer, OrgID: "prd-1"})
	if _, err := Require(ctx, RoleBuyer, RoleAdmin); !errs.Is(err, errs.Forbidden) || !strings.Contains(err.Error(), "buyer or admin") {
		t.Fatalf("wrong role: %v", err)
	}
	if p, err := Require(ctx, RoleProducer); err != nil || !p.ActsFor("prd-1") {
		t.Fatalf("right role: %v %+v", err, p)
	}
}

func TestBearerToken(t *testing.T) {
	if tok, ok := BearerToken("Bearer abc"); !ok || tok != "abc" {
		t.Fatalf("got %q %v", tok, ok)
	}
	for _, h := range []string{"", "Basic abc", "Bearer ", "abc"} {
		if _, ok := BearerToken(h); ok {
			t.Fatalf("%q accepted", h)
		}
	}
}
