package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/ocopvn/ocop/pkg/ocop"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
)

// Config is how delivery reaches the outside.
type Config struct {
	// Schema is the PostgreSQL schema of the job queue and delivery tables.
	Schema string
	// Guard decides which webhook addresses may be reached.
	Guard Guard
	// RetryBase is the wait before a webhook's first retry; each next one
	// waits three times longer, up to six hours, with jitter.
	RetryBase time.Duration
	// Mailer sends e-mail; e-mail is off when its Addr is empty.
	Mailer Mailer
	// DigestHour is the hour (Vietnam time) daily digests go out.
	DigestHour int
}

// webhookAttempts is how many times a message is tried: with retries three
// times apart from five seconds up to six hours, the last is more than a
// day after the first.
const webhookAttempts = 14

// maxRetryWait caps the wait between two attempts.
const maxRetryWait = 6 * time.Hour

// quietSince is how long a failing endpoint may go without one success
// before its final failure disables it.
const quietSince = 24 * time.Hour

// Notice is a notification to deliver, as the inbox stored it.
type Notice struct {
	ID            string
	RecipientRole string
	RecipientID   string
	Kind          string
	Title         string
	Body          string
	DemandID      string
	ProductID     string
	Rank          int
	Score         float64
	Reasons       []string
	Data          map[string]any
	CreatedAt     time.Time
}

// Owner tells an organisation something through its inbox (a webhook
// endpoint disabled), in tx.
type Owner func(ctx context.Context, tx pgx.Tx, role, id, kind, title, body string) error

// Queue delivers notifications through River jobs.
type Queue struct {
	pool   *pgxpool.Pool
	cfg    Config
	client *river.Client[pgx.Tx]
	http   *http.Client
	log    *zap.Logger
	owner  Owner
}

// Migrate creates or updates River's tables in the schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating the job queue in %s: %w", schema, err)
	}
	return nil
}

// New returns the queue; Start runs its workers.
func New(pool *pgxpool.Pool, cfg Config, log *zap.Logger, owner Owner) (*Queue, error) {
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 5 * time.Second
	}
	q := &Queue{pool: pool, cfg: cfg, http: cfg.Guard.Client(15 * time.Second), log: log.With(zap.String("component", "delivery")), owner: owner}
	workers := river.NewWorkers()
	river.AddWorker(workers, &webhookWorker{q: q})
	river.AddWorker(workers, &emailWorker{q: q})
	river.AddWorker(workers, &digestWorker{q: q})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:      cfg.Schema,
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:     workers,
		MaxAttempts: webhookAttempts,
		Logger:      slog.New(zapslog.NewHandler(q.log.Core())),
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(daily{hour: cfg.DigestHour}, func() (river.JobArgs, *river.InsertOpts) {
				return digestArgs{}, nil
			}, &river.PeriodicJobOpts{ID: "daily-digest"}),
		},
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	q.client = client
	return q, nil
}

// Run works jobs until ctx ends.
func (q *Queue) Run(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return q.client.Stop(stopCtx)
}

// daily is a River schedule firing once a day at an hour, Vietnam time.
type daily struct{ hour int }

func (d daily) Next(t time.Time) time.Time {
	local := t.In(ocop.Vietnam)
	next := time.Date(local.Year(), local.Month(), local.Day(), d.hour, 0, 0, 0, ocop.Vietnam)
	if !next.After(local) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// Dispatch queues the deliveries of notifications just stored, in the
// transaction that stored them: nothing is queued for a notification that
// did not commit, and nothing committed is left unqueued. Recipients'
// preferences and webhooks are read in one query each, whatever the number
// of notifications.
//
// known, when not nil, holds the recipients' Targets read before the
// transaction (a demand's producers are read while it is ranked, and every
// statement of the transaction that tells them holds back every service's
// outbox); otherwise they are read in tx.
func (q *Queue) Dispatch(ctx context.Context, tx pgx.Tx, ns []Notice, known *Targets) error {
	if len(ns) == 0 {
		return nil
	}
	if known == nil {
		roles, ids := make([]string, len(ns)), make([]string, len(ns))
		for i, n := range ns {
			roles[i], ids[i] = n.RecipientRole, n.RecipientID
		}
		t, err := TargetsOf(ctx, tx, roles, ids)
		if err != nil {
			return err
		}
		known = &t
	}
	prefs, hooks := known.Preferences, known.hooks
	for _, n := range ns {
		key := n.RecipientRole + ":" + n.RecipientID
		p := prefs.Of(n.RecipientRole, n.RecipientID)
		if p.Webhooks && len(hooks[key]) > 0 {
			if err := q.queueWebhooks(ctx, tx, n, hooks[key]); err != nil {
				return err
			}
		}
		if p.Email && q.cfg.Mailer.Addr != "" {
			if err := q.queueEmail(ctx, tx, n, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// Querier is a pool or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// PreferencesByRecipient holds the preferences recipients set, keyed
// "role:id".
type PreferencesByRecipient map[string]Preferences

// Of returns a recipient's preferences: the defaults when it set none.
func (p PreferencesByRecipient) Of(role, id string) Preferences {
	if v, ok := p[role+":"+id]; ok {
		return v
	}
	return Defaults()
}

// PreferencesOf loads the preferences of recipients given as parallel role
// and id lists. Only those set are held: a demand asks for a hundred
// producers', and most have never changed theirs.
func PreferencesOf(ctx context.Context, db Querier, roles, ids []string) (PreferencesByRecipient, error) {
	t, err := TargetsOf(ctx, db, roles, ids)
	return t.Preferences, err
}

// preferencesOfOne loads one recipient's preferences.
func preferencesOfOne(ctx context.Context, db Querier, role, id string) (Preferences, error) {
	ps, err := PreferencesOf(ctx, db, []string{role}, []string{id})
	return ps.Of(role, id), err
}

type hookRef struct {
	id     string
	events []string
}

// Targets are what delivering to recipients needs of them: the
// preferences they set and their active webhooks, keyed "role:id".
type Targets struct {
	Preferences PreferencesByRecipient
	hooks       map[string][]hookRef
}

// TargetsOf loads the Targets of recipients given as parallel role and id
// lists, in one query.
func TargetsOf(ctx context.Context, db Querier, roles, ids []string) (Targets, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT r.role || ':' || r.id, p.preferences, h.id, h.events
		FROM unnest($1::text[], $2::text[]) r(role, id)
		LEFT JOIN matching.notification_preferences p ON p.recipient_role = r.role AND p.recipient_id = r.id
		LEFT JOIN matching.webhooks h ON h.owner_role = r.role AND h.owner_id = r.id AND h.status = 'active'
		WHERE p.recipient_id IS NOT NULL OR h.id IS NOT NULL`, roles, ids)
	if err != nil {
		return Targets{}, fmt.Errorf("finding the recipients' preferences and webhooks: %w", err)
	}
	prefs, hooks := PreferencesByRecipient{}, map[string][]hookRef{}
	var (
		key    string
		raw    []byte
		hookID *string
		events []string
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &raw, &hookID, &events}, func() error {
		if _, read := prefs[key]; raw != nil && !read {
			p := Defaults()
			if err := json.Unmarshal(raw, &p); err != nil {
				return fmt.Errorf("reading the notification preferences of %s: %w", key, err)
			}
			prefs[key] = p
		}
		if hookID != nil {
			hooks[key] = append(hooks[key], hookRef{id: *hookID, events: append([]string(nil), events...)})
		}
		return nil
	})
	return Targets{Preferences: prefs, hooks: hooks}, err
}

// payload is the body of a webhook message.
type payload struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

func (q *Queue) queueWebhooks(ctx context.Context, tx pgx.Tx, n Notice, hooks []hookRef) error {
	eventType := EventType(n.Kind)
	body, err := json.Marshal(payload{Type: eventType, Timestamp: n.CreatedAt, Data: map[string]any{
		"notification_id": n.ID, "recipient_role": n.RecipientRole, "recipient_id": n.RecipientID, "kind": n.Kind,
		"title": n.Title, "body": n.Body, "demand_id": n.DemandID, "product_id": n.ProductID, "rank": n.Rank, "score": n.Score,
		"reasons": n.Reasons, "data": n.Data,
	}})
	if err != nil {
		return err
	}
	for _, hook := range hooks {
		if !slices.Contains(hook.events, eventType) {
			continue
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		deliveryID := "msg_" + id.String()
		tag, err := tx.Exec(ctx, `INSERT INTO matching.webhook_deliveries (id, webhook_id, notification_id, event_type, payload)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (webhook_id, notification_id) DO NOTHING`, deliveryID, hook.id, n.ID, eventType, body)
		if err != nil {
			return fmt.Errorf("recording a webhook delivery: %w", err)
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		if _, err := q.client.InsertTx(ctx, tx, webhookArgs{DeliveryID: deliveryID}, nil); err != nil {
			return fmt.Errorf("queueing a webhook delivery: %w", err)
		}
	}
	return nil
}

func (q *Queue) queueEmail(ctx context.Context, tx pgx.Tx, n Notice, prefs Preferences) error {
	mode := "immediate"
	var scheduled time.Time
	if prefs.Digest {
		mode = "digest"
	} else {
		var lastHour int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM matching.email_deliveries
			WHERE recipient_role = $1 AND recipient_id = $2 AND mode = 'immediate' AND created_at > now() - interval '1 hour'`,
			n.RecipientRole, n.RecipientID).Scan(&lastHour)
		if err != nil {
			return fmt.Errorf("counting e-mails of the past hour: %w", err)
		}
		if lastHour >= prefs.MaxPerHour {
			mode = "digest"
		} else if until, quiet := prefs.QuietUntil(time.Now()); quiet {
			scheduled = until
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO matching.email_deliveries (notification_id, recipient_role, recipient_id, mode)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, n.ID, n.RecipientRole, n.RecipientID, mode)
	if err != nil || tag.RowsAffected() == 0 || mode == "digest" {
		return err
	}
	_, err = q.client.InsertTx(ctx, tx, emailArgs{NotificationID: n.ID}, &river.InsertOpts{ScheduledAt: scheduled})
	return err
}

// SendDigests sends every pending digest now (the daily job does this at
// DigestHour).
func (q *Queue) SendDigests(ctx context.Context) error {
	_, err := q.client.Insert(ctx, digestArgs{}, nil)
	return err
}

// Redeliver queues a delivery again, with the same webhook-id.
func (q *Queue) Redeliver(ctx context.Context, tx pgx.Tx, deliveryID string) error {
	_, err := tx.Exec(ctx, `UPDATE matching.webhook_deliveries SET status = 'pending', finished_at = NULL WHERE id = $1`, deliveryID)
	if err != nil {
		return err
	}
	_, err = q.client.InsertTx(ctx, tx, webhookArgs{DeliveryID: deliveryID}, nil)
	return err
}

type webhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

func (webhookArgs) Kind() string { return "webhook_delivery" }

type webhookWorker struct {
	river.WorkerDefaults[webhookArgs]
	q *Queue
}

// NextRetry waits RetryBase, then three times longer each time, up to six
// hours, with a fifth either way of jitter so a burst of failures spreads.
func (w *webhookWorker) NextRetry(job *river.Job[webhookArgs]) time.Time {
	wait := float64(w.q.cfg.RetryBase) * math.Pow(3, float64(job.Attempt-1))
	wait = math.Min(wait, float64(maxRetryWait))
	wait *= 0.8 + 0.4*rand.Float64()
	return time.Now().Add(time.Duration(wait))
}

func (w *webhookWorker) Timeout(*river.Job[webhookArgs]) time.Duration { return 30 * time.Second }

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[webhookArgs]) error {
	var (
		url, secret, status, hookID, ownerRole, ownerID string
		body                                            []byte
		lastSuccess                                     *time.Time
	)
	err := w.q.pool.QueryRow(ctx, `SELECT h.id, h.url, h.secret, h.status, h.owner_role, h.owner_id, h.last_success_at, d.payload
		FROM matching.webhook_deliveries d JOIN matching.webhooks h ON h.id = d.webhook_id WHERE d.id = $1`, job.Args.DeliveryID).
		Scan(&hookID, &url, &secret, &status, &ownerRole, &ownerID, &lastSuccess, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the endpoint was deleted with its deliveries
	}
	if err != nil {
		return err
	}
	if status != "active" {
		_, err := w.q.pool.Exec(ctx, `UPDATE matching.webhook_deliveries SET status = 'failed', finished_at = now() WHERE id = $1`, job.Args.DeliveryID)
		return err
	}
	start := time.Now()
	code, sendErr := Send(ctx, w.q.http, url, secret, Message{ID: job.Args.DeliveryID, Timestamp: start, Body: body})
	ok := sendErr == nil && code >= 200 && code < 300
	var errText *string
	if !ok {
		s := fmt.Sprintf("HTTP %d", code)
		if sendErr != nil {
			s = sendErr.Error()
		}
		errText = &s
	}
	var codeArg *int
	if code != 0 {
		codeArg = &code
	}
	final := !ok && job.Attempt >= job.MaxAttempts
	err = pgplatform.InTx(ctx, w.q.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO matching.webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
			VALUES ($1, (SELECT attempts + 1 FROM matching.webhook_deliveries WHERE id = $1), $2, $3, $4)`,
			job.Args.DeliveryID, codeArg, errText, time.Since(start).Milliseconds()); err != nil {
			return err
		}
		deliveryStatus := "pending"
		switch {
		case ok:
			deliveryStatus = "delivered"
		case final:
			deliveryStatus = "failed"
		}
		if _, err := tx.Exec(ctx, `UPDATE matching.webhook_deliveries SET attempts = attempts + 1, status = $2,
			finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END WHERE id = $1`, job.Args.DeliveryID, deliveryStatus); err != nil {
			return err
		}
		if ok {
			_, err := tx.Exec(ctx, `UPDATE matching.webhooks SET last_success_at = now() WHERE id = $1`, hookID)
			return err
		}
		if final && (lastSuccess == nil || time.Since(*lastSuccess) > quietSince) {
			return w.q.disable(ctx, tx, hookID, ownerRole, ownerID, url)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("webhook %s answered %s", url, *errText)
	}
	return nil
}

// disable turns off an endpoint whose messages keep failing and tells its owner.
func (q *Queue) disable(ctx context.Context, tx pgx.Tx, hookID, role, id, url string) error {
	reason := fmt.Sprintf("every attempt failed for more than a day; the last message was tried %d times", webhookAttempts)
	tag, err := tx.Exec(ctx, `UPDATE matching.webhooks SET status = 'disabled', disabled_reason = $2 WHERE id = $1 AND status = 'active'`, hookID, reason)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	q.log.Warn("webhook endpoint disabled after repeated failure", zap.String("webhook", hookID), zap.String("url", url))
	return q.owner(ctx, tx, role, id, "webhook_disabled", "Webhook đã bị tắt: "+url,
		"Mọi lần gửi tới "+url+" đều thất bại trong hơn một ngày nên webhook "+hookID+" đã bị tắt. Hãy sửa máy nhận rồi tạo lại webhook; các lần gửi hỏng vẫn xem được và gửi lại được.")
}

type emailArgs struct {
	NotificationID string `json:"notification_id"`
}

func (emailArgs) Kind() string { return "email" }

type emailWorker struct {
	river.WorkerDefaults[emailArgs]
	q *Queue
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[emailArgs]) error {
	var (
		role, id string
		item     Item
	)
	err := w.q.pool.QueryRow(ctx, `SELECT recipient_role, recipient_id, kind, title, body, coalesce(reasons, '{}'), created_at
		FROM matching.notifications WHERE id = $1`, job.Args.NotificationID).
		Scan(&role, &id, &item.Kind, &item.Title, &item.Body, &item.Reasons, &item.CreatedAt)
	if err != nil {
		return err
	}
	prefs, err := preferencesOfOne(ctx, w.q.pool, role, id)
	if err != nil {
		return err
	}
	if prefs.Email && prefs.Address != "" {
		e, err := Render(prefs.Language, []Item{item}, false)
		if err != nil {
			return err
		}
		if err := w.q.cfg.Mailer.Send(prefs.Address, e); err != nil {
			return err
		}
	}
	_, err = w.q.pool.Exec(ctx, `UPDATE matching.email_deliveries SET status = 'sent', sent_at = now() WHERE notification_id = $1`, job.Args.NotificationID)
	return err
}

type digestArgs struct{}

func (digestArgs) Kind() string { return "email_digest" }

type digestWorker struct {
	river.WorkerDefaults[digestArgs]
	q *Queue
}

// Work sends each recipient one e-mail of its pending digest items and
// marks them sent in the same transaction as it reads them, under a row
// lock, so two runs never send an item twice.
func (w *digestWorker) Work(ctx context.Context, _ *river.Job[digestArgs]) error {
	if w.q.cfg.Mailer.Addr == "" {
		return nil
	}
	rows, err := w.q.pool.Query(ctx, `SELECT DISTINCT recipient_role, recipient_id FROM matching.email_deliveries
		WHERE mode = 'digest' AND status = 'pending'`)
	if err != nil {
		return err
	}
	type recipient struct{ role, id string }
	recipients, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipient, error) {
		var x recipient
		return x, r.Scan(&x.role, &x.id)
	})
	if err != nil {
		return err
	}
	for _, r := range recipients {
		err := pgplatform.InTx(ctx, w.q.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT n.kind, n.title, n.body, coalesce(n.reasons, '{}'), n.created_at
				FROM matching.email_deliveries e JOIN matching.notifications n ON n.id = e.notification_id
				WHERE e.recipient_role = $1 AND e.recipient_id = $2 AND e.mode = 'digest' AND e.status = 'pending'
				ORDER BY n.created_at FOR UPDATE OF e SKIP LOCKED`, r.role, r.id)
			if err != nil {
				return err
			}
			items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) {
				var it Item
				return it, row.Scan(&it.Kind, &it.Title, &it.Body, &it.Reasons, &it.CreatedAt)
			})
			if err != nil || len(items) == 0 {
				return err
			}
			prefs, err := preferencesOfOne(ctx, tx, r.role, r.id)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE matching.email_deliveries SET status = 'sent', sent_at = now()
				WHERE recipient_role = $1 AND recipient_id = $2 AND mode = 'digest' AND status = 'pending'`, r.role, r.id); err != nil {
				return err
			}
			if !prefs.Email || prefs.Address == "" {
				return nil
			}
			e, err := Render(prefs.Language, items, true)
			if err != nil {
				return err
			}
			return w.q.cfg.Mailer.Send(prefs.Address, e)
		})
		if err != nil {
			return fmt.Errorf("digest for %s %s: %w", r.role, r.id, err)
		}
	}
	return nil
}
