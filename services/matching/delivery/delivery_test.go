package delivery

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// The Standard Webhooks specification's own example: a receiver using its
// libraries verifies what Sign produces.
func TestSignMatchesTheStandardWebhooksExample(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	sig, err := Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q, %v", sig, err)
	}
	at := time.Unix(1614265330, 0)
	if err := Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bad "+sig, body, at, 5*time.Minute); err != nil {
		t.Fatalf("one matching signature among several verifies: %v", err)
	}
	if Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, []byte(`{"test": 1}`), at, 5*time.Minute) == nil {
		t.Fatal("a changed body verifies")
	}
	if Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body, at.Add(10*time.Minute), 5*time.Minute) == nil {
		t.Fatal("an old timestamp verifies")
	}
	s, err := NewSecret()
	if err != nil || !strings.HasPrefix(s, "whsec_") || len(s) != len("whsec_")+32 {
		t.Fatalf("secret %q, %v", s, err)
	}
}

func TestGuardRefusesInternalAddresses(t *testing.T) {
	g := Guard{}
	for _, url := range []string{"http://127.0.0.1:8080/h", "http://localhost/h", "https://10.1.2.3/h", "http://192.168.1.10/h",
		"http://169.254.169.254/latest/meta-data", "http://[::1]/h", "http://0.0.0.0/h"} {
		if err := g.CheckURL(context.Background(), url); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want refused", url, err)
		}
	}
	for _, url := range []string{"ftp://example.vn/h", "https://user:pw@example.vn/h", "not a url"} {
		if err := g.CheckURL(context.Background(), url); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want refused", url, err)
		}
	}
	if err := g.CheckURL(context.Background(), "https://203.0.113.10/h"); err != nil {
		t.Errorf("a public address: %v", err)
	}
	if err := (Guard{AllowPrivate: true}).CheckURL(context.Background(), "http://127.0.0.1:8080/h"); err != nil {
		t.Errorf("allowed private: %v", err)
	}

	// Checked again when connecting: a name that resolves inside later
	// still cannot be reached.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	_, err := Send(context.Background(), g.Client(time.Second), srv.URL, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Message{ID: "msg_1", Timestamp: time.Now()})
	if !errors.Is(err, errInternalAddress) {
		t.Fatalf("connecting to loopback: %v", err)
	}
	code, err := Send(context.Background(), Guard{AllowPrivate: true}.Client(time.Second), srv.URL, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Message{ID: "msg_1", Timestamp: time.Now()})
	if err != nil || code != http.StatusOK {
		t.Fatalf("allowed: %d %v", code, err)
	}
}

func TestPreferencesRules(t *testing.T) {
	p := Defaults()
	p.Groups, p.MinScore = []string{"thuc_pham"}, 0.5
	if !p.Wants("thuc_pham", "honey", 0.6) || p.Wants("do_uong", "rice_wine", 0.9) || p.Wants("thuc_pham", "honey", 0.4) {
		t.Fatal("interests and minimum score")
	}
	p.QuietHours = &QuietHours{Start: "21:00", End: "07:00"}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 29, h, m, 0, 0, ocop.Vietnam) }
	if until, quiet := p.QuietUntil(at(22, 30)); !quiet || !until.Equal(at(7, 0).AddDate(0, 0, 1)) {
		t.Errorf("22:30 waits for 07:00 tomorrow: %v %v", until, quiet)
	}
	if until, quiet := p.QuietUntil(at(6, 0)); !quiet || !until.Equal(at(7, 0)) {
		t.Errorf("06:00 waits for 07:00: %v %v", until, quiet)
	}
	if _, quiet := p.QuietUntil(at(12, 0)); quiet {
		t.Error("noon is not quiet")
	}
	bad := Preferences{Email: true, Address: "nobody", Language: "fr", Groups: []string{"x"}, Categories: []string{"y"}, MinScore: 2,
		QuietHours: &QuietHours{Start: "25:00", End: "7"}, MaxPerHour: 0}
	err := bad.Validate()
	for _, field := range []string{"email_address", "language", "groups", "categories", "min_score", "quiet_hours.start", "quiet_hours.end", "max_per_hour"} {
		if !strings.Contains(err.Error(), field+":") {
			t.Errorf("%v does not name %s", err, field)
		}
	}
	if d := (daily{hour: 7}).Next(at(7, 0)); !d.Equal(at(7, 0).AddDate(0, 0, 1)) {
		t.Errorf("digest after 07:00 is tomorrow's: %v", d)
	}
	if d := (daily{hour: 7}).Next(at(6, 59)); !d.Equal(at(7, 0)) {
		t.Errorf("digest before 07:00 is today's: %v", d)
	}
}

func TestEmailsInBothLanguages(t *testing.T) {
	item := Item{Kind: "match", Title: "Nhu cầu mua phù hợp: Vải thiều sấy", Body: "Người mua cần 1500 kg.",
		Reasons: []string{"4★ OCOP"}, CreatedAt: time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)}
	vi, err := Render("vi", []Item{item}, false)
	if err != nil || vi.Subject != "[OCOP] Nhu cầu mua phù hợp: Vải thiều sấy" || !strings.Contains(vi.Text, "Lý do phù hợp:") ||
		!strings.Contains(vi.Text, "08:00 29/11/2026") || !strings.Contains(vi.HTML, "<li>4★ OCOP</li>") {
		t.Fatalf("vi: %+v %v", vi, err)
	}
	en, err := Render("en", []Item{item, item}, true)
	if err != nil || en.Subject != "[OCOP] Daily digest: 2 new notifications" || !strings.Contains(en.HTML, "A buyer&#39;s demand fits your product") {
		t.Fatalf("en digest: %+v %v", en, err)
	}
	if html, _ := Render("vi", []Item{{Kind: "match", Title: "<script>x</script>"}}, false); strings.Contains(html.HTML, "<script>") {
		t.Fatal("HTML e-mails escape what users wrote")
	}
}

func TestPreferencesOfARecipientWhoSetNoneAreTheDefaults(t *testing.T) {
	set := Defaults()
	set.MinScore = 0.5
	ps := PreferencesByRecipient{"producer:prd-1": set}
	if got := ps.Of("producer", "prd-1").MinScore; got != 0.5 {
		t.Fatalf("the preferences set: min score %v, want 0.5", got)
	}
	if got := ps.Of("producer", "prd-2"); !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("a producer who set none: %+v, want the defaults", got)
	}
	if got := ps.Of("buyer", "prd-1"); !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("the same id in another role is another recipient: %+v", got)
	}
}
