package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/services/matching/delivery"
	"github.com/ocopvn/ocop/services/matching/postgres"
)

// Inbox is what the inbox, the live stream, webhooks and preferences
// need stored.
type Inbox interface {
	Preferences(ctx context.Context, role string, ids []string) (delivery.PreferencesByRecipient, error)
	Targets(ctx context.Context, role string, ids []string) (delivery.Targets, error)
	SavePreferences(ctx context.Context, role, id string, p delivery.Preferences) error
	MarkRead(ctx context.Context, role, recipientID, id string) error
	MarkAllRead(ctx context.Context, role, recipientID string) (int64, error)
	StreamPages(ctx context.Context, reads []postgres.StreamRead, limit int) ([]postgres.StreamPage, error)
	StreamStart(ctx context.Context, role, recipientID string) (postgres.StreamCursor, error)
	AddWebhook(ctx context.Context, w postgres.Webhook) (postgres.Webhook, error)
	Webhooks(ctx context.Context, role, ownerID string) ([]postgres.Webhook, error)
	OwnWebhook(ctx context.Context, role, ownerID, id string) (postgres.Webhook, error)
	DisableWebhook(ctx context.Context, id, reason string) error
	DeleteWebhook(ctx context.Context, id string) error
	WebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]postgres.WebhookDelivery, error)
	DeliveryOf(ctx context.Context, deliveryID string) (string, error)
	InTx(ctx context.Context, fn func(pgx.Tx) error) error
}

// Recipients are the roles that receive notifications and own webhooks.
var recipients = []auth.Role{auth.RoleProducer, auth.RoleBuyer, auth.RoleOrganiser}

func recipient(who auth.Principal) error {
	if !who.Is(recipients...) || who.OrgID == "" {
		return errs.Errorf(errs.Forbidden, "notifications, their stream, preferences and webhooks are for producers, buyers and organisers acting for their organisation")
	}
	return nil
}

// Inbox returns the inbox use cases.
func (m *Matching) Inbox() *InboxCases { return &InboxCases{m: m} }

// InboxCases are the use cases of a recipient's notifications.
type InboxCases struct{ m *Matching }

func (c *InboxCases) store() Inbox { return c.m.inbox }

// Preferences returns the caller's notification preferences.
func (c *InboxCases) Preferences(ctx context.Context, who auth.Principal) (delivery.Preferences, error) {
	if err := recipient(who); err != nil {
		return delivery.Preferences{}, err
	}
	ps, err := c.store().Preferences(ctx, string(who.Role), []string{who.OrgID})
	return ps.Of(string(who.Role), who.OrgID), err
}

// SetPreferences replaces the caller's notification preferences.
func (c *InboxCases) SetPreferences(ctx context.Context, who auth.Principal, p delivery.Preferences) error {
	if err := recipient(who); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return c.store().SavePreferences(ctx, string(who.Role), who.OrgID, p)
}

// MarkRead marks one of the caller's notifications read.
func (c *InboxCases) MarkRead(ctx context.Context, who auth.Principal, id string) error {
	if err := recipient(who); err != nil {
		return err
	}
	return c.store().MarkRead(ctx, string(who.Role), who.OrgID, id)
}

// MarkAllRead marks all the caller's notifications read.
func (c *InboxCases) MarkAllRead(ctx context.Context, who auth.Principal) (int64, error) {
	if err := recipient(who); err != nil {
		return 0, err
	}
	return c.store().MarkAllRead(ctx, string(who.Role), who.OrgID)
}

// StreamPage is how many notifications the live stream reads at once.
const StreamPage = 100

// After returns the caller's notifications after a place in the live
// stream, and the transaction holding back the next one (see
// postgres.StreamPage).
func (c *InboxCases) After(ctx context.Context, who auth.Principal, after postgres.StreamCursor) (postgres.StreamPage, error) {
	return c.m.streams.read(ctx, postgres.StreamRead{Role: string(who.Role), RecipientID: who.OrgID, After: after})
}

// StreamStart returns where the caller's new live stream starts.
func (c *InboxCases) StreamStart(ctx context.Context, who auth.Principal) (postgres.StreamCursor, error) {
	if err := recipient(who); err != nil {
		return postgres.StreamCursor{}, err
	}
	return c.store().StreamStart(ctx, string(who.Role), who.OrgID)
}

// AddWebhook checks the URL and the events and stores a new endpoint with
// a fresh signing secret.
func (c *InboxCases) AddWebhook(ctx context.Context, who auth.Principal, url string, events []string) (postgres.Webhook, error) {
	if err := recipient(who); err != nil {
		return postgres.Webhook{}, err
	}
	var v errs.Validation
	if err := c.m.guard.CheckURL(ctx, url); err != nil {
		v.Add("url", "%s", err.Error())
	}
	known := delivery.EventTypes()
	sort.Strings(known)
	v.Check(len(events) > 0, "events", "name at least one event type, such as match.created")
	for _, e := range events {
		v.Check(slices.Contains(known, e), "events", "%q is not an event type; use %v", e, known)
	}
	if err := v.Err(); err != nil {
		return postgres.Webhook{}, err
	}
	secret, err := delivery.NewSecret()
	if err != nil {
		return postgres.Webhook{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return postgres.Webhook{}, err
	}
	return c.store().AddWebhook(ctx, postgres.Webhook{ID: "wh_" + id.String(), OwnerRole: string(who.Role), OwnerID: who.OrgID,
		URL: url, Events: slices.Compact(slices.Sorted(slices.Values(events))), Secret: secret})
}

// Webhooks lists the caller's endpoints.
func (c *InboxCases) Webhooks(ctx context.Context, who auth.Principal) ([]postgres.Webhook, error) {
	if err := recipient(who); err != nil {
		return nil, err
	}
	return c.store().Webhooks(ctx, string(who.Role), who.OrgID)
}

// Webhook returns one of the caller's endpoints.
func (c *InboxCases) Webhook(ctx context.Context, who auth.Principal, id string) (postgres.Webhook, error) {
	if err := recipient(who); err != nil {
		return postgres.Webhook{}, err
	}
	return c.store().OwnWebhook(ctx, string(who.Role), who.OrgID, id)
}

// DisableWebhook stops deliveries to one of the caller's endpoints.
func (c *InboxCases) DisableWebhook(ctx context.Context, who auth.Principal, id string) (postgres.Webhook, error) {
	w, err := c.Webhook(ctx, who, id)
	if err != nil {
		return w, err
	}
	if err := c.store().DisableWebhook(ctx, id, "disabled by its owner"); err != nil {
		return w, err
	}
	return c.Webhook(ctx, who, id)
}

// DeleteWebhook deletes one of the caller's endpoints and its deliveries.
func (c *InboxCases) DeleteWebhook(ctx context.Context, who auth.Principal, id string) error {
	if _, err := c.Webhook(ctx, who, id); err != nil {
		return err
	}
	return c.store().DeleteWebhook(ctx, id)
}

// Deliveries lists an endpoint's deliveries with their attempts.
func (c *InboxCases) Deliveries(ctx context.Context, who auth.Principal, id string, limit int) ([]postgres.WebhookDelivery, error) {
	if _, err := c.Webhook(ctx, who, id); err != nil {
		return nil, err
	}
	return c.store().WebhookDeliveries(ctx, id, limit)
}

// Redeliver sends a delivery of the caller's endpoint again, with the same
// webhook-id, whatever became of it.
func (c *InboxCases) Redeliver(ctx context.Context, who auth.Principal, webhookID, deliveryID string) error {
	w, err := c.Webhook(ctx, who, webhookID)
	if err != nil {
		return err
	}
	if hook, err := c.store().DeliveryOf(ctx, deliveryID); err != nil || hook != webhookID {
		if err != nil {
			return err
		}
		return errs.Errorf(errs.NotFound, "webhook %s has no delivery %s", webhookID, deliveryID)
	}
	if w.Status != "active" {
		return errs.Errorf(errs.Conflict, "webhook %s is disabled; create a new one to receive messages again", webhookID)
	}
	return c.store().InTx(ctx, func(tx pgx.Tx) error { return c.m.redeliver.Redeliver(ctx, tx, deliveryID) })
}

// Hub fans out "your notifications changed" wake-ups to live streams, keyed
// "role:id", and tells them when notifications held back behind running
// transactions may go out.
type Hub struct {
	events.Wakeups
	horizon *events.Horizon
	nc      *nats.Conn
	// id tells this hub's wake-ups from those of the service's other
	// processes on LiveSubject.
	id string
}

// LiveSubject carries wake-ups of live streams between matching's
// processes: the payload is the sender's hub id, then the recipients
// ("role:id"), a line each. No stream stores it.
const LiveSubject = "ocop.live.notifications"

// NewHub returns an empty hub following horizon (which the caller runs)
// and, when nc is not nil, the wake-ups of the service's other processes
// on LiveSubject (Follow).
func NewHub(horizon *events.Horizon, nc *nats.Conn) *Hub {
	return &Hub{horizon: horizon, nc: nc, id: uuid.NewString()}
}

// Broadcast wakes the live streams of recipients ("role:id") in this
// process and in the service's other processes.
func (h *Hub) Broadcast(recipients []string) {
	for _, key := range recipients {
		h.Wake(key)
	}
	if h.nc != nil && len(recipients) > 0 {
		// A lost wake-up delays a stream until its periodic recheck.
		_ = h.nc.Publish(LiveSubject, []byte(h.id+"\n"+strings.Join(recipients, "\n")))
	}
}

// Follow wakes this process's live streams for the notifications the
// service's other processes add, until ctx ends.
func (h *Hub) Follow(ctx context.Context) error {
	if h.nc == nil {
		return nil
	}
	sub, err := h.nc.Subscribe(LiveSubject, func(m *nats.Msg) {
		from, recipients, _ := strings.Cut(string(m.Data), "\n")
		if from == h.id {
			return
		}
		for _, key := range strings.Split(recipients, "\n") {
			h.Wake(key)
		}
	})
	if err != nil {
		return fmt.Errorf("following live-stream wake-ups on %s: %w", LiveSubject, err)
	}
	<-ctx.Done()
	// The connection may be closing with the process.
	_ = sub.Unsubscribe()
	return nil
}

// Ended returns a channel closed once every transaction up to txid has
// ended, and the function that stops waiting.
func (h *Hub) Ended(txid uint64) (<-chan struct{}, func()) { return h.horizon.Ended(txid) }
