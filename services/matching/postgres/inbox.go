package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/errs"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/matching/delivery"
)

// Preferences returns the notification preferences the recipients of a role
// set.
func (r *Repository) Preferences(ctx context.Context, role string, ids []string) (delivery.PreferencesByRecipient, error) {
	roles := make([]string, len(ids))
	for i := range ids {
		roles[i] = role
	}
	return delivery.PreferencesOf(ctx, r.pool, roles, ids)
}

// Targets returns what delivering to the recipients of a role needs:
// their preferences and active webhooks.
func (r *Repository) Targets(ctx context.Context, role string, ids []string) (delivery.Targets, error) {
	roles := make([]string, len(ids))
	for i := range ids {
		roles[i] = role
	}
	return delivery.TargetsOf(ctx, r.pool, roles, ids)
}

// SavePreferences stores a recipient's notification preferences.
func (r *Repository) SavePreferences(ctx context.Context, role, id string, p delivery.Preferences) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = r.pool.Exec(ctx, `INSERT INTO matching.notification_preferences (recipient_role, recipient_id, preferences)
		VALUES ($1, $2, $3) ON CONFLICT (recipient_role, recipient_id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()`,
		role, id, raw)
	if err != nil {
		return fmt.Errorf("saving notification preferences: %w", err)
	}
	return nil
}

// MarkRead marks a recipient's notification read; it is not found for
// anyone else.
func (r *Repository) MarkRead(ctx context.Context, role, recipientID, id string) error {
	tag, err := r.pool.Exec(ctx, `UPDATE matching.notifications SET read_at = coalesce(read_at, now())
		WHERE id::text = $3 AND recipient_role = $1 AND recipient_id = $2`, role, recipientID, id)
	if err != nil {
		return fmt.Errorf("marking notification %s read: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return errs.Errorf(errs.NotFound, "you have no notification %s", id)
	}
	return nil
}

// MarkAllRead marks every notification of a recipient read and returns how many were unread.
func (r *Repository) MarkAllRead(ctx context.Context, role, recipientID string) (int64, error) {
	tag, err := r.pool.Exec(ctx, `UPDATE matching.notifications SET read_at = now()
		WHERE recipient_role = $1 AND recipient_id = $2 AND read_at IS NULL`, role, recipientID)
	if err != nil {
		return 0, fmt.Errorf("marking notifications read: %w", err)
	}
	return tag.RowsAffected(), nil
}

// StreamedNotification is a notification as the live stream sends it.
type StreamedNotification struct {
	Notification
	At StreamCursor
}

// StreamCursor is a place in a recipient's live stream. The stream goes in
// the order of the writing transactions' ids, then of seq: a transaction
// younger than another may take a lower seq and commit later, so seq alone
// would let the stream pass a notification that was not yet visible, while
// every transaction with an id below the snapshot's xmin has ended and no
// new one can take such an id.
type StreamCursor struct {
	TxID uint64
	Seq  int64
}

// String is the cursor as the stream's event id.
func (c StreamCursor) String() string { return fmt.Sprintf("%d-%d", c.TxID, c.Seq) }

// ParseStreamCursor reads an event id the stream sent.
func ParseStreamCursor(s string) (StreamCursor, bool) {
	tx, seq, ok := strings.Cut(s, "-")
	if !ok {
		return StreamCursor{}, false
	}
	t, err1 := strconv.ParseUint(tx, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if err1 != nil || err2 != nil || n < 0 {
		return StreamCursor{}, false
	}
	return StreamCursor{TxID: t, Seq: n}, true
}

// StreamRead is one live stream's read: its recipient and the place its
// stream has reached.
type StreamRead struct {
	Role, RecipientID string
	After             StreamCursor
}

// StreamPage is what a StreamRead found: the recipient's notifications
// after its place, in stream order, up to the first whose transaction is
// not older than every running one. That one, or an older one still
// running, may yet commit a notification the stream must not pass.
// HeldBy is that first held-back notification's transaction (0 for none):
// once it is older than every running one, the stream can go on.
type StreamPage struct {
	Notifications []StreamedNotification
	HeldBy        uint64
}

// streamColumns are the columns of a notification the live stream sends,
// of the table n.
const streamColumns = `n.seq, n.id::text, n.kind, n.title, n.body, coalesce(n.demand_id, ''), coalesce(n.product_id, ''),
	coalesce(n.rank, 0), coalesce(n.score, 0), n.reasons, n.data, n.created_at, n.read_at,
	n.txid::text::bigint AS tx, n.txid < pg_snapshot_xmin(pg_current_snapshot())`

// StreamPages answers live streams' reads with one statement, at most
// limit notifications each, page i for reads[i]. One snapshot serves them
// all, so each page is what a read of its own would have found.
//
// A single read has a statement of its own: PostgreSQL plans the
// statement for many reads anew each time, which costs more than a
// single read's whole execution.
func (r *Repository) StreamPages(ctx context.Context, reads []StreamRead, limit int) ([]StreamPage, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if len(reads) == 1 {
		rows, err = r.pool.Query(ctx, `SELECT 1, `+streamColumns+` FROM matching.notifications n
			WHERE recipient_role = $1 AND recipient_id = $2 AND (n.txid, n.seq) > ($3::text::xid8, $4)
			ORDER BY n.txid, n.seq LIMIT $5`, reads[0].Role, reads[0].RecipientID, strconv.FormatUint(reads[0].After.TxID, 10), reads[0].After.Seq, limit)
	} else {
		roles, ids, txids, seqs := make([]string, len(reads)), make([]string, len(reads)), make([]string, len(reads)), make([]int64, len(reads))
		for i, read := range reads {
			roles[i], ids[i], txids[i], seqs[i] = read.Role, read.RecipientID, strconv.FormatUint(read.After.TxID, 10), read.After.Seq
		}
		rows, err = r.pool.Query(ctx, `SELECT s.i, `+streamColumns+`
			FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS s(role, recipient_id, txid, seq, i)
			CROSS JOIN LATERAL (SELECT n.seq, n.id, n.kind, n.title, n.body, n.demand_id, n.product_id, n.rank, n.score, n.reasons, n.data,
					n.created_at, n.read_at, n.txid FROM matching.notifications n
				WHERE n.recipient_role = s.role AND n.recipient_id = s.recipient_id AND (n.txid, n.seq) > (s.txid::xid8, s.seq)
				ORDER BY n.txid, n.seq LIMIT $5) n
			ORDER BY s.i, n.txid, n.seq`, roles, ids, txids, seqs, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("loading notifications for the live streams: %w", err)
	}
	pages := make([]StreamPage, len(reads))
	var (
		i     int
		n     StreamedNotification
		ended bool
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &n.At.Seq, &n.ID, &n.Kind, &n.Title, &n.Body, &n.DemandID, &n.ProductID, &n.Rank, &n.Score,
		&n.Reasons, &n.Data, &n.CreatedAt, &n.ReadAt, &n.At.TxID, &ended}, func() error {
		page := &pages[i-1]
		if page.HeldBy == 0 && !ended {
			page.HeldBy = n.At.TxID
		}
		if page.HeldBy == 0 {
			n.RecipientRole, n.RecipientID = reads[i-1].Role, reads[i-1].RecipientID
			page.Notifications = append(page.Notifications, n)
			n.Reasons, n.Data, n.ReadAt = nil, nil, nil
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading notifications for the live streams: %w", err)
	}
	return pages, nil
}

// StreamStart is where a new live stream of a recipient starts: after its
// last notification whose transaction is older than every running one. A
// notification committed while the stream connects may come once more.
func (r *Repository) StreamStart(ctx context.Context, role, recipientID string) (StreamCursor, error) {
	var c StreamCursor
	err := r.pool.QueryRow(ctx, `SELECT n.txid::text::bigint AS tx, n.seq FROM matching.notifications n
		WHERE recipient_role = $1 AND recipient_id = $2 AND n.txid < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY n.txid DESC, n.seq DESC LIMIT 1`, role, recipientID).Scan(&c.TxID, &c.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return StreamCursor{}, nil
	}
	if err != nil {
		return StreamCursor{}, fmt.Errorf("finding where the live stream starts: %w", err)
	}
	return c, nil
}

// Webhook is a webhook endpoint.
type Webhook struct {
	ID             string
	OwnerRole      string
	OwnerID        string
	URL            string
	Events         []string
	Secret         string
	Status         string
	DisabledReason *string
	CreatedAt      time.Time
	LastSuccessAt  *time.Time
}

// AddWebhook stores a webhook endpoint.
func (r *Repository) AddWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	err := r.pool.QueryRow(ctx, `INSERT INTO matching.webhooks (id, owner_role, owner_id, url, events, secret)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING status, created_at`, w.ID, w.OwnerRole, w.OwnerID, w.URL, w.Events, w.Secret).
		Scan(&w.Status, &w.CreatedAt)
	if err != nil {
		return w, fmt.Errorf("saving the webhook: %w", err)
	}
	return w, nil
}

const webhookColumns = `id, owner_role, owner_id, url, events, secret, status, disabled_reason, created_at, last_success_at`

func scanWebhook(row pgx.Row) (Webhook, error) {
	var w Webhook
	err := row.Scan(&w.ID, &w.OwnerRole, &w.OwnerID, &w.URL, &w.Events, &w.Secret, &w.Status, &w.DisabledReason, &w.CreatedAt, &w.LastSuccessAt)
	return w, err
}

// Webhooks returns an owner's webhook endpoints, newest first.
func (r *Repository) Webhooks(ctx context.Context, role, ownerID string) ([]Webhook, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+webhookColumns+` FROM matching.webhooks WHERE owner_role = $1 AND owner_id = $2
		ORDER BY created_at DESC`, role, ownerID)
	if err != nil {
		return nil, fmt.Errorf("loading webhooks: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Webhook, error) { return scanWebhook(row) })
}

// OwnWebhook returns an owner's webhook; it is not found for anyone else.
func (r *Repository) OwnWebhook(ctx context.Context, role, ownerID, id string) (Webhook, error) {
	w, err := scanWebhook(r.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM matching.webhooks
		WHERE id = $1 AND owner_role = $2 AND owner_id = $3`, id, role, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return w, errs.Errorf(errs.NotFound, "you have no webhook %s", id)
	}
	return w, err
}

// DisableWebhook stops deliveries to an endpoint.
func (r *Repository) DisableWebhook(ctx context.Context, id, reason string) error {
	_, err := r.pool.Exec(ctx, `UPDATE matching.webhooks SET status = 'disabled', disabled_reason = $2 WHERE id = $1`, id, reason)
	return err
}

// DeleteWebhook deletes an endpoint and its deliveries.
func (r *Repository) DeleteWebhook(ctx context.Context, id string) error {
	_, err := r.pool.Exec(ctx, `DELETE FROM matching.webhooks WHERE id = $1`, id)
	return err
}

// Attempt is one try of a webhook delivery.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode *int      `json:"status_code"`
	Error      *string   `json:"error"`
	DurationMS int       `json:"duration_ms"`
}

// WebhookDelivery is one message to one endpoint, with its attempts.
type WebhookDelivery struct {
	ID             string
	NotificationID string
	EventType      string
	Status         string
	Attempts       []Attempt
	CreatedAt      time.Time
	FinishedAt     *time.Time
}

// WebhookDeliveries returns an endpoint's deliveries, newest first.
func (r *Repository) WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]WebhookDelivery, error) {
	rows, err := r.pool.Query(ctx, `SELECT d.id, d.notification_id::text, d.event_type, d.status, d.created_at, d.finished_at,
			coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'status_code', a.status_code,
				'error', a.error, 'duration_ms', a.duration_ms) ORDER BY a.attempt)
				FROM matching.webhook_attempts a WHERE a.delivery_id = d.id), '[]')
		FROM matching.webhook_deliveries d WHERE d.webhook_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("loading webhook deliveries: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (WebhookDelivery, error) {
		var (
			d   WebhookDelivery
			raw []byte
		)
		if err := row.Scan(&d.ID, &d.NotificationID, &d.EventType, &d.Status, &d.CreatedAt, &d.FinishedAt, &raw); err != nil {
			return d, err
		}
		return d, json.Unmarshal(raw, &d.Attempts)
	})
}

// DeliveryOf returns the webhook a delivery belongs to ("" when there is none).
func (r *Repository) DeliveryOf(ctx context.Context, deliveryID string) (string, error) {
	var hook string
	err := r.pool.QueryRow(ctx, `SELECT webhook_id FROM matching.webhook_deliveries WHERE id = $1`, deliveryID).Scan(&hook)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return hook, err
}

// InTx runs fn in a transaction.
func (r *Repository) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgplatform.InTx(ctx, r.pool, fn)
}

// Listen calls wake with the payload of each notification on channel until
// ctx ends, reconnecting when the connection drops. Wake-ups lost while
// disconnected are made up by the streams' own periodic recheck.
func (r *Repository) Listen(ctx context.Context, channel string, wake func(payload string)) error {
	for ctx.Err() == nil {
		if err := r.listenOnce(ctx, channel, wake); err != nil && ctx.Err() == nil && r.log != nil {
			r.log.Warn("notification LISTEN connection lost; reconnecting", zap.Error(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (r *Repository) listenOnce(ctx context.Context, channel string, wake func(string)) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	defer func() { _, _ = conn.Exec(context.Background(), "UNLISTEN *") }()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		wake(n.Payload)
	}
}
