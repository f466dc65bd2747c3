package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
)

// Event types a webhook subscribes to, by notification kind.
var eventTypes = map[string]string{
	"match":                "match.created",
	"new_supplier":         "supplier.found",
	"quote_submitted":      "quote.submitted",
	"quote_decided":        "quote.decided",
	"meeting_requested":    "meeting.requested",
	"meeting_decided":      "meeting.scheduled",
	"fair_published":       "fair.published",
	"application_received": "application.received",
	"application_decided":  "application.decided",
	"booth_booked":         "booth.booked",
	"deal_follow_up":       "deal.follow_up",
	"rating_expiring":      "rating.expiring",
	"webhook_disabled":     "webhook.disabled",
}

// EventType is the webhook event type of a notification kind.
func EventType(kind string) string {
	if t, ok := eventTypes[kind]; ok {
		return t
	}
	return "notification." + kind
}

// EventTypes lists every event type a webhook may subscribe to.
func EventTypes() []string {
	out := make([]string, 0, len(eventTypes))
	for _, t := range eventTypes {
		out = append(out, t)
	}
	return out
}

// NewSecret returns a signing secret in the Standard Webhooks form:
// whsec_ and 24 random bytes in base64.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

// Sign returns the webhook-signature header of a message: "v1," and the
// base64 HMAC-SHA256, keyed with the secret's bytes, of "id.timestamp.body".
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret is not whsec_<base64>: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Verify checks a message's signature header (which may hold several
// space-separated signatures) and that its timestamp is within tolerance
// of now, as a receiver does.
func Verify(secret, id, timestamp, signatures string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not a number")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook-timestamp is too far from now")
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(signatures) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("no webhook-signature matches")
}

// Guard refuses webhook targets on private, loopback, link-local and other
// internal addresses, so a webhook cannot reach inside the province's network.
type Guard struct {
	// AllowPrivate lets them through (OCOP_WEBHOOK_ALLOW_PRIVATE), for
	// receivers inside a private network and for tests.
	AllowPrivate bool
	Resolver     *net.Resolver
}

func internal(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified()
}

// CheckURL checks a webhook URL when it is saved: http or https, a host,
// and every address it resolves to public.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return errs.Errorf(errs.Invalid, "url must be an http or https URL without credentials, such as https://erp.example.vn/ocop/webhooks")
	}
	if g.AllowPrivate {
		return nil
	}
	resolver := g.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	host := u.Hostname()
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		addrs, err := resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return errs.Errorf(errs.Invalid, "url: host %s does not resolve: %v", host, err)
		}
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	for _, ip := range ips {
		if internal(ip) {
			return errs.Errorf(errs.Invalid, "url: %s resolves to %s, a private, loopback or link-local address; webhooks go to public addresses", host, ip)
		}
	}
	return nil
}

// errInternalAddress is returned when a connection would reach an internal address.
var errInternalAddress = errors.New("refusing to connect to a private, loopback or link-local address")

// Client returns the HTTP client deliveries use: short timeouts, no
// redirects (a receiver answers itself), and the guard checked on the
// address actually dialled, so a name that resolves elsewhere after it was
// saved still cannot reach inside.
func (g Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !g.AllowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || internal(ip) {
				return fmt.Errorf("%w: %s", errInternalAddress, host)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 4,
			ResponseHeaderTimeout: timeout, Proxy: nil,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Message is one webhook message.
type Message struct {
	ID        string
	Timestamp time.Time
	Body      []byte
}

// Send posts a message to url signed with secret and returns the status;
// err is set when no answer came back.
func Send(ctx context.Context, client *http.Client, target, secret string, m Message) (int, error) {
	ts := m.Timestamp.Unix()
	sig, err := Sign(secret, m.ID, ts, m.Body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(m.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ocop-webhooks/1")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}
