package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/delivery"
	"github.com/ocopvn/ocop/services/matching/postgres"
)

func (a *API) markRead(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if err := a.app.Inbox().MarkRead(ctx, who, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) markAllRead(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	n, err := a.app.Inbox().MarkAllRead(ctx, who)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"marked_read": n})
}

// keepAlive is how often an idle stream sends a comment, so proxies keep it open.
const keepAlive = 15 * time.Second

// recheck is how often a stream looks again without a wake-up, should one
// be lost with a dropped LISTEN connection.
const recheck = 2 * time.Second

// stream is the live stream of the caller's notifications as server-sent
// events, each with its seq as id: a client reconnecting with
// Last-Event-ID gets every notification after it, none twice.
func (a *API) stream(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	inbox := a.app.Inbox()
	last, err := inbox.StreamStart(ctx, who)
	if err != nil {
		return err
	}
	if id := c.Request().Header.Get("Last-Event-ID"); id != "" {
		var ok bool
		if last, ok = postgres.ParseStreamCursor(id); !ok {
			var v errs.Validation
			v.Add("Last-Event-ID", "must be the id of an event this stream sent, such as 812-40")
			return v.Err()
		}
	}
	wake, stop := a.hub.Subscribe(string(who.Role) + ":" + who.OrgID)
	defer stop()

	w := c.Response()
	// The server's write timeout is for ordinary requests; a stream lives
	// until the client leaves.
	if err := http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{}); err != nil {
		return err
	}
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n\n")
	w.Flush()

	alive := time.NewTicker(keepAlive)
	defer alive.Stop()
	again := time.NewTicker(recheck)
	defer again.Stop()
	for {
		page, err := inbox.After(ctx, who, last)
		if err != nil {
			return err
		}
		for _, n := range page.Notifications {
			data, err := json.Marshal(toNotificationJSON(n.Notification))
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "id: %s\nevent: notification\ndata: %s\n\n", n.At, data)
			last = n.At
		}
		if len(page.Notifications) > 0 {
			w.Flush()
		}
		if len(page.Notifications) == app.StreamPage {
			continue
		}
		// A notification held back behind an older transaction goes out
		// once that ends, usually within milliseconds: no wake-up comes then.
		ended, stopWaiting := (<-chan struct{})(nil), func() {}
		if page.HeldBy != 0 {
			ended, stopWaiting = a.hub.Ended(page.HeldBy)
		}
		select {
		case <-ctx.Done():
		case <-ended:
		case <-wake:
		case <-again.C:
		case <-alive.C:
			fmt.Fprintf(w, ": keep-alive\n\n")
			w.Flush()
		}
		stopWaiting()
		if ctx.Err() != nil {
			return nil
		}
	}
}

func toNotificationJSON(n postgres.Notification) notificationJSON {
	return notificationJSON{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, DemandID: n.DemandID, ProductID: n.ProductID,
		Rank: n.Rank, Score: n.Score, Reasons: n.Reasons, Data: n.Data, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
}

func (a *API) preferences(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	p, err := a.app.Inbox().Preferences(ctx, who)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (a *API) setPreferences(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	p := delivery.Defaults()
	if err := httpserver.DecodeJSON(c, &p); err != nil {
		return err
	}
	if err := a.app.Inbox().SetPreferences(ctx, who, p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type webhookJSON struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Status         string     `json:"status"`
	DisabledReason *string    `json:"disabled_reason"`
	Secret         string     `json:"secret,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
}

// toWebhookJSON shows the secret only when the endpoint is created: it is
// the receiver's to keep, not for every reader of the list.
func toWebhookJSON(w postgres.Webhook, withSecret bool) webhookJSON {
	out := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Status: w.Status, DisabledReason: w.DisabledReason,
		CreatedAt: w.CreatedAt, LastSuccessAt: w.LastSuccessAt}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

func (a *API) addWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := httpserver.DecodeJSON(c, &in); err != nil {
		return err
	}
	w, err := a.app.Inbox().AddWebhook(ctx, who, in.URL, in.Events)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toWebhookJSON(w, true))
}

func (a *API) webhooks(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	ws, err := a.app.Inbox().Webhooks(ctx, who)
	if err != nil {
		return err
	}
	out := httpserver.Page[webhookJSON]{Items: []webhookJSON{}}
	for _, w := range ws {
		out.Items = append(out.Items, toWebhookJSON(w, false))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) webhook(c echo.Context) error {
	return a.withWebhook(c, func(inbox *app.InboxCases, who auth.Principal, id string) (postgres.Webhook, error) {
		return inbox.Webhook(c.Request().Context(), who, id)
	})
}

func (a *API) disableWebhook(c echo.Context) error {
	return a.withWebhook(c, func(inbox *app.InboxCases, who auth.Principal, id string) (postgres.Webhook, error) {
		return inbox.DisableWebhook(c.Request().Context(), who, id)
	})
}

func (a *API) withWebhook(c echo.Context, fn func(*app.InboxCases, auth.Principal, string) (postgres.Webhook, error)) error {
	who, err := auth.Require(c.Request().Context())
	if err != nil {
		return err
	}
	w, err := fn(a.app.Inbox(), who, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookJSON(w, false))
}

func (a *API) deleteWebhook(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if err := a.app.Inbox().DeleteWebhook(ctx, who, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type deliveryJSON struct {
	ID             string             `json:"id"`
	NotificationID string             `json:"notification_id"`
	EventType      string             `json:"event_type"`
	Status         string             `json:"status"`
	Attempts       []postgres.Attempt `json:"attempts"`
	CreatedAt      time.Time          `json:"created_at"`
	FinishedAt     *time.Time         `json:"finished_at"`
}

func (a *API) deliveries(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	page, err := httpserver.ParsePage(c, 50, 200)
	if err != nil {
		return err
	}
	ds, err := a.app.Inbox().Deliveries(ctx, who, c.Param("id"), page.Limit)
	if err != nil {
		return err
	}
	out := httpserver.Page[deliveryJSON]{Items: []deliveryJSON{}}
	for _, d := range ds {
		out.Items = append(out.Items, deliveryJSON{ID: d.ID, NotificationID: d.NotificationID, EventType: d.EventType, Status: d.Status,
			Attempts: d.Attempts, CreatedAt: d.CreatedAt, FinishedAt: d.FinishedAt})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) redeliver(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if err := a.app.Inbox().Redeliver(ctx, who, c.Param("id"), c.Param("delivery")); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

func (a *API) sendDigests(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if err := a.app.SendDigests(ctx, who); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}
