package server_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/matching"
	matchingpg "github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// receiver is a webhook receiver verifying the Standard Webhooks signature
// the way its published libraries do, failing the first attempts of each
// message.
type receiver struct {
	t        *testing.T
	secret   string
	failures int
	mu       sync.Mutex
	seen     []string // webhook-id of each attempt
	accepted map[string]json.RawMessage
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sigs := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	require.NoError(r.t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	valid := false
	for _, s := range strings.Fields(sigs) {
		valid = valid || hmac.Equal([]byte(s), []byte(want))
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	if !valid || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		r.t.Errorf("webhook %s: signature %q or timestamp %s does not verify", id, sigs, ts)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, id)
	tries := 0
	for _, s := range r.seen {
		if s == id {
			tries++
		}
	}
	if tries <= r.failures {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.accepted[id] = body
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) snapshot() ([]string, map[string]json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	accepted := map[string]json.RawMessage{}
	for k, v := range r.accepted {
		accepted[k] = v
	}
	return append([]string(nil), r.seen...), accepted
}

// mailbox is a real SMTP server (go-smtp) keeping what it receives.
type mailbox struct {
	mu   sync.Mutex
	mail []received
}

type received struct {
	from string
	to   []string
	data string
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: b}, nil }

type mailSession struct {
	box *mailbox
	msg received
}

func (s *mailSession) AuthMechanisms() []string                    { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error { s.msg.from = from; return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = string(b)
	s.box.mu.Lock()
	s.box.mail = append(s.box.mail, s.msg)
	s.box.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.msg = received{} }
func (s *mailSession) Logout() error { return nil }

func (b *mailbox) all() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.mail...)
}

func startMailbox(t *testing.T) (*mailbox, string) {
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box, ln.Addr().String()
}

// sseEvent is one server-sent event.
type sseEvent struct {
	id   string
	data string
}

// openStream connects to the live stream; events arrive on the channel
// until the returned function closes the connection.
func openStream(t *testing.T, url, token, lastEventID string) (<-chan sseEvent, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/notifications/stream", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	events := make(chan sseEvent, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.id != "":
				events <- ev
				ev = sseEvent{}
			}
		}
	}()
	return events, func() {
		cancel()
		_ = res.Body.Close()
	}
}

func nextEvent(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		require.True(t, ok, "the stream ended")
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no event on the live stream within 30s")
	}
	return sseEvent{}
}

func postDemandTitled(t *testing.T, c testkit.Client, token, title string) string {
	t.Helper()
	d := map[string]any{}
	for k, v := range dryLycheeDemand {
		d[k] = v
	}
	d["title"] = title
	res := c.Do(t, http.MethodPost, "/v1/demands", d, token)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var out struct{ ID string }
	res.JSON(t, &out)
	return out.ID
}

// Notifications leave the inbox reliably: a signed webhook retried until
// the receiver takes it (same webhook-id each time, attempts visible,
// redelivered on demand), an e-mail through a real SMTP server in the
// producer's language, and a live stream that resumes after a disconnect
// without gaps or duplicates.
func TestNotificationsReachProducersEveryWay(t *testing.T) {
	box, smtpAddr := startMailbox(t)
	proc := startWith(t, testkit.DatabaseURL(t), t.TempDir(), "", server.ServiceNames, func(c *matching.Config) {
		c.Delivery.Guard.AllowPrivate = true // the receiver listens on loopback
		c.Delivery.RetryBase = 100 * time.Millisecond
		c.Delivery.Mailer.Addr, c.Delivery.Mailer.From = smtpAddr, "OCOP <no-reply@ocop.test>"
	})
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)
	producer := testkit.Token(t, auth.RoleProducer, "prd-001")
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")

	rec := &receiver{t: t, failures: 2, accepted: map[string]json.RawMessage{}}
	hookServer := httptest.NewServer(rec)
	defer hookServer.Close()
	res := c.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": hookServer.URL + "/ocop", "events": []string{"match.created"}}, producer)
	require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
	var hook struct {
		ID, Secret, Status string
	}
	res.JSON(t, &hook)
	require.True(t, strings.HasPrefix(hook.Secret, "whsec_"), hook.Secret)
	require.Equal(t, "active", hook.Status)
	rec.secret = hook.Secret

	res = c.Do(t, http.MethodPut, "/v1/notification-preferences", map[string]any{"email": true, "email_address": "htx@example.vn",
		"language": "en", "webhooks": true, "max_per_hour": 10}, producer)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	events, closeStream := openStream(t, proc.url, producer, "")
	first := postDemandTitled(t, c, buyer, "Vải thiều sấy khô cho siêu thị A")
	ev := nextEvent(t, events)
	var n struct {
		ID, Kind   string
		DemandID   string `json:"demand_id"`
		Reasons    []string
		CreatedAtS string `json:"created_at"`
	}
	require.NoError(t, json.Unmarshal([]byte(ev.data), &n))
	require.Equal(t, first, n.DemandID)
	require.Equal(t, "match", n.Kind)
	closeStream()

	second := postDemandTitled(t, c, buyer, "Vải thiều sấy khô cho siêu thị B")
	third := postDemandTitled(t, c, buyer, "Vải thiều sấy khô cho siêu thị C")
	testkit.Eventually(t, 30*time.Second, "both later demands notified", func() bool {
		counts := notificationsFor(t, w, second, []string{"prd-001"})
		return counts["prd-001"] == 1 && notificationsFor(t, w, third, []string{"prd-001"})["prd-001"] == 1
	})
	resumed, closeResumed := openStream(t, proc.url, producer, ev.id)
	defer closeResumed()
	var got []string
	lastID, ok := matchingpg.ParseStreamCursor(ev.id)
	require.True(t, ok, ev.id)
	for range 2 {
		e := nextEvent(t, resumed)
		require.NoError(t, json.Unmarshal([]byte(e.data), &n))
		got = append(got, n.DemandID)
		id, ok := matchingpg.ParseStreamCursor(e.id)
		require.True(t, ok, e.id)
		require.True(t, id.TxID > lastID.TxID || id.TxID == lastID.TxID && id.Seq > lastID.Seq, "events come in the order of their ids")
		lastID = id
	}
	require.ElementsMatch(t, []string{second, third}, got, "resumed after Last-Event-ID: the missed ones, none twice")
	select {
	case e := <-resumed:
		t.Fatalf("a notification sent twice or out of nowhere: %v", e)
	case <-time.After(500 * time.Millisecond):
	}

	testkit.Eventually(t, 30*time.Second, "the webhook is delivered after two failures", func() bool {
		_, accepted := rec.snapshot()
		return len(accepted) == 3
	})
	seen, accepted := rec.snapshot()
	var firstID string
	for id, body := range accepted {
		var msg struct {
			Type string
			Data struct {
				DemandID string `json:"demand_id"`
			}
		}
		require.NoError(t, json.Unmarshal(body, &msg))
		require.Equal(t, "match.created", msg.Type)
		if msg.Data.DemandID == first {
			firstID = id
		}
	}
	require.NotEmpty(t, firstID)
	require.Equal(t, 3, count(seen, firstID), "two failures, then success, all with the message's webhook-id")
	require.Len(t, seen, 9, "each of the three messages tried three times")

	var deliveries struct {
		Items []struct {
			ID, Status string
			Attempts   []struct {
				StatusCode *int `json:"status_code"`
			}
		}
	}
	// The receiver answers before the worker records the answer.
	testkit.Eventually(t, 30*time.Second, "every delivery recorded as delivered", func() bool {
		res := c.Do(t, http.MethodGet, "/v1/webhooks/"+hook.ID+"/deliveries", nil, producer)
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		res.JSON(t, &deliveries)
		for _, d := range deliveries.Items {
			if d.Status != "delivered" {
				return false
			}
		}
		return len(deliveries.Items) == 3
	})
	for _, d := range deliveries.Items {
		require.Equal(t, "delivered", d.Status)
		if d.ID == firstID {
			require.Len(t, d.Attempts, 3)
			require.Equal(t, 503, *d.Attempts[0].StatusCode)
			require.Equal(t, 204, *d.Attempts[2].StatusCode)
		}
	}
	res = c.Do(t, http.MethodPost, "/v1/webhooks/"+hook.ID+"/deliveries/"+firstID+"/redeliver", nil, producer)
	require.Equal(t, http.StatusAccepted, res.Status, string(res.Body))
	testkit.Eventually(t, 30*time.Second, "the redelivery arrives with the same webhook-id", func() bool {
		seen, _ := rec.snapshot()
		return len(seen) == 10 && seen[9] == firstID
	})
	require.Equal(t, 1, notificationsFor(t, w, first, []string{"prd-001"})["prd-001"], "redelivering a message adds no notification")
	res = c.Do(t, http.MethodGet, "/v1/webhooks/"+hook.ID+"/deliveries", nil, testkit.Token(t, auth.RoleProducer, "prd-002"))
	require.Equal(t, http.StatusNotFound, res.Status, "another producer's webhook does not exist for it")

	testkit.Eventually(t, 30*time.Second, "three e-mails reach the SMTP server", func() bool { return len(box.all()) == 3 })
	for _, m := range box.all() {
		require.Equal(t, []string{"htx@example.vn"}, m.to)
		require.True(t, strings.HasPrefix(subject(t, m.data), "[OCOP] A buyer's demand fits your product: Nhu cầu mua phù hợp"), subject(t, m.data))
		require.Contains(t, m.data, "multipart/alternative")
		require.Contains(t, m.data, "Content-Type: text/html")
		require.Contains(t, m.data, "Why it fits:")
	}

	var page struct{ Items []struct{ ID string } }
	c.Do(t, http.MethodGet, "/v1/notifications?unread=true", nil, producer).JSON(t, &page)
	require.Len(t, page.Items, 3)
	require.Equal(t, http.StatusNoContent, c.Do(t, http.MethodPost, "/v1/notifications/"+page.Items[0].ID+"/read", nil, producer).Status)
	c.Do(t, http.MethodGet, "/v1/notifications?unread=true", nil, producer).JSON(t, &page)
	require.Len(t, page.Items, 2, "a read notification leaves the unread list")
	require.Equal(t, http.StatusNotFound, c.Do(t, http.MethodPost, "/v1/notifications/"+page.Items[0].ID+"/read", nil,
		testkit.Token(t, auth.RoleProducer, "prd-002")).Status, "nobody marks another's notification")
}

// Preferences decide what is told and how e-mail comes: a producer not
// interested in a group is not told, quiet hours hold e-mail, a digest
// folds it into one message, and the private-address guard refuses a
// loopback webhook when not allowed.
func TestPreferencesDigestAndPrivateAddressGuard(t *testing.T) {
	box, smtpAddr := startMailbox(t)
	proc := startWith(t, testkit.DatabaseURL(t), t.TempDir(), "", server.ServiceNames, func(c *matching.Config) {
		c.Delivery.Mailer.Addr, c.Delivery.Mailer.From = smtpAddr, "OCOP <no-reply@ocop.test>"
	})
	c := testkit.Client{BaseURL: proc.url}
	w := world{catalogue: c, demand: c, matching: c}
	seedCatalogue(t, w)
	buyer := testkit.Token(t, auth.RoleBuyer, "buyer-1")
	prd1, prd2 := testkit.Token(t, auth.RoleProducer, "prd-001"), testkit.Token(t, auth.RoleProducer, "prd-002")

	res := c.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"match.created"}}, prd1)
	require.Equal(t, http.StatusBadRequest, res.Status, string(res.Body))
	require.Contains(t, string(res.Body), `"field":"url"`)
	require.Contains(t, string(res.Body), "loopback")
	res = c.Do(t, http.MethodPost, "/v1/webhooks", map[string]any{"url": "https://erp.example.vn/h", "events": []string{"nothing.happened"}}, prd1)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, string(res.Body), `"field":"events"`)

	res = c.Do(t, http.MethodPut, "/v1/notification-preferences", map[string]any{"email": true, "email_address": "not an address",
		"language": "fr", "min_score": 2, "groups": []string{"food"}, "max_per_hour": 0}, prd1)
	require.Equal(t, http.StatusBadRequest, res.Status)
	for _, field := range []string{"email_address", "language", "min_score", "groups", "max_per_hour"} {
		require.Contains(t, string(res.Body), `"field":"`+field+`"`)
	}
	res = c.Do(t, http.MethodPut, "/v1/notification-preferences", map[string]any{"email": true, "email_address": "htx1@example.vn",
		"language": "vi", "webhooks": true, "digest": true, "max_per_hour": 5}, prd1)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = c.Do(t, http.MethodPut, "/v1/notification-preferences", map[string]any{"language": "vi", "webhooks": true,
		"groups": []string{"thu_cong_my_nghe"}, "max_per_hour": 5}, prd2)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	id := postDemandTitled(t, c, buyer, "Vải thiều sấy khô cho siêu thị D")
	waitForMatches(t, w, id, buyer)
	testkit.Eventually(t, 30*time.Second, "the interested producer is told", func() bool {
		return notificationsFor(t, w, id, []string{"prd-001"})["prd-001"] == 1
	})
	require.Zero(t, notificationsFor(t, w, id, []string{"prd-002"})["prd-002"], "a producer interested only in handicrafts is not told of a food demand")
	time.Sleep(500 * time.Millisecond)
	require.Empty(t, box.all(), "a digest subscriber gets no single e-mails")

	admin := testkit.Token(t, auth.RoleAdmin, "")
	require.Equal(t, http.StatusAccepted, c.Do(t, http.MethodPost, "/v1/notification-digests", nil, admin).Status)
	testkit.Eventually(t, 30*time.Second, "the digest is sent", func() bool { return len(box.all()) == 1 })
	m := box.all()[0]
	require.Equal(t, []string{"htx1@example.vn"}, m.to)
	require.Equal(t, "[OCOP] Bản tin hằng ngày: 1 thông báo mới", subject(t, m.data))
	require.Equal(t, http.StatusForbidden, c.Do(t, http.MethodPost, "/v1/notification-digests", nil, prd1).Status)
	require.Equal(t, http.StatusAccepted, c.Do(t, http.MethodPost, "/v1/notification-digests", nil, admin).Status)
	time.Sleep(time.Second)
	require.Len(t, box.all(), 1, "a digest item is sent once")
}

func count(ids []string, id string) int {
	n := 0
	for _, s := range ids {
		if s == id {
			n++
		}
	}
	return n
}

// subject decodes an e-mail's Subject header.
func subject(t *testing.T, data string) string {
	msg, err := mail.ReadMessage(strings.NewReader(data))
	require.NoError(t, err)
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	return s
}
