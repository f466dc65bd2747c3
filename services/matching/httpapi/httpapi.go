// Package httpapi is the matching service's REST API: a demand's ranked
// suppliers, producers' notifications and product search.
package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/httpserver"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/matching/app"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/search"
)

//go:embed openapi.json
var OpenAPI []byte

// API serves matching's endpoints.
type API struct {
	app *app.Matching
	hub *app.Hub
}

// New returns the API over the use cases; hub wakes live streams.
func New(a *app.Matching, hub *app.Hub) *API { return &API{app: a, hub: hub} }

// Register adds the routes.
func (a *API) Register(e *echo.Echo) {
	e.GET("/v1/demands/:id/matches", a.matches)
	e.GET("/v1/notifications", a.notifications)
	e.GET("/v1/notifications/stream", a.stream)
	e.POST("/v1/notifications/:id/read", a.markRead)
	e.POST("/v1/notifications/read-all", a.markAllRead)
	e.GET("/v1/notification-preferences", a.preferences)
	e.PUT("/v1/notification-preferences", a.setPreferences)
	e.POST("/v1/notification-digests", a.sendDigests)
	e.POST("/v1/webhooks", a.addWebhook)
	e.GET("/v1/webhooks", a.webhooks)
	e.GET("/v1/webhooks/:id", a.webhook)
	e.POST("/v1/webhooks/:id/disable", a.disableWebhook)
	e.DELETE("/v1/webhooks/:id", a.deleteWebhook)
	e.GET("/v1/webhooks/:id/deliveries", a.deliveries)
	e.POST("/v1/webhooks/:id/deliveries/:delivery/redeliver", a.redeliver)
	e.GET("/v1/search/products", a.searchProducts)
	e.GET("/v1/fairs/:id/meeting-proposals", a.proposals)
}

type matchJSON struct {
	Rank       int      `json:"rank"`
	Score      float64  `json:"score"`
	ProductID  string   `json:"product_id"`
	ProducerID string   `json:"producer_id"`
	Reasons    []string `json:"reasons"`
}

type matchesJSON struct {
	DemandID      string      `json:"demand_id"`
	DemandVersion int64       `json:"demand_version"`
	Status        string      `json:"status"`
	MatchedAt     *time.Time  `json:"matched_at"`
	Items         []matchJSON `json:"items"`
	// FairExhibitors are exhibitors of the fairs running when the demand
	// was posted, or starting soon after, that fit it: with their booth and
	// meeting slots both sides have free.
	FairExhibitors []proposalJSON `json:"fair_exhibitors"`
	// CombinedSupply is a group of producers who together make the
	// quantity when no single one does; null otherwise.
	CombinedSupply *combinedJSON `json:"combined_supply"`
}

type combinedJSON struct {
	// Capacity is the members' monthly capacity together, in the demand's unit.
	Capacity float64                 `json:"capacity"`
	Unit     string                  `json:"unit"`
	Members  []postgres.SupplyMember `json:"members"`
}

type proposalJSON struct {
	FairID     string      `json:"fair_id"`
	FairName   string      `json:"fair_name,omitempty"`
	BuyerID    string      `json:"buyer_id"`
	DemandID   string      `json:"demand_id"`
	ProducerID string      `json:"producer_id"`
	ProductID  string      `json:"product_id"`
	BoothCode  string      `json:"booth_code"`
	Score      float64     `json:"score"`
	Reasons    []string    `json:"reasons"`
	Slots      []time.Time `json:"proposed_slots"`
}

func toProposalJSON(p app.Proposal, fairName string) proposalJSON {
	slots := p.Slots
	if slots == nil {
		slots = []time.Time{}
	}
	return proposalJSON{FairID: p.FairID, FairName: fairName, BuyerID: p.BuyerID, DemandID: p.DemandID, ProducerID: p.ProducerID,
		ProductID: p.ProductID, BoothCode: p.BoothCode, Score: p.Score, Reasons: p.Reasons, Slots: slots}
}

func (a *API) proposals(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	ps, err := a.app.Proposals(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []proposalJSON `json:"items"`
	}{Items: []proposalJSON{}}
	for _, p := range ps {
		out.Items = append(out.Items, toProposalJSON(p, ""))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) matches(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	answer, err := a.app.Matches(ctx, who, c.Param("id"))
	if err != nil {
		return err
	}
	d, ms := answer.Demand, answer.Matches
	out := matchesJSON{DemandID: d.ID, DemandVersion: d.Version, Status: "pending", MatchedAt: d.MatchedAt, Items: []matchJSON{},
		FairExhibitors: []proposalJSON{}}
	exhibitors, fairs, err := a.app.FairExhibitorsFor(ctx, d)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, f := range fairs {
		names[f.ID] = f.Name
	}
	for _, p := range exhibitors {
		out.FairExhibitors = append(out.FairExhibitors, toProposalJSON(p, names[p.FairID]))
	}
	if d.MatchedAt != nil {
		out.Status = "matched"
	}
	for _, m := range ms {
		out.Items = append(out.Items, matchJSON{Rank: m.Rank, Score: m.Score, ProductID: m.ProductID, ProducerID: m.ProducerID, Reasons: m.Reasons})
	}
	if g := answer.Combined; g != nil {
		out.CombinedSupply = &combinedJSON{Capacity: g.Capacity, Unit: d.Unit, Members: g.Members}
	}
	return c.JSON(http.StatusOK, out)
}

type demandSummaryJSON struct {
	ID               string  `json:"id"`
	BuyerID          string  `json:"buyer_id"`
	Title            string  `json:"title"`
	Group            string  `json:"group"`
	Quantity         float64 `json:"quantity"`
	Unit             string  `json:"unit"`
	MaxPriceVND      *int64  `json:"max_price_vnd"`
	DeliveryProvince string  `json:"delivery_province"`
	NeededBy         *string `json:"needed_by"`
}

type notificationJSON struct {
	ID        string             `json:"id"`
	Kind      string             `json:"kind"`
	Title     string             `json:"title"`
	Body      string             `json:"body"`
	DemandID  string             `json:"demand_id,omitempty"`
	ProductID string             `json:"product_id,omitempty"`
	Rank      int                `json:"rank,omitempty"`
	Score     float64            `json:"score,omitempty"`
	Reasons   []string           `json:"reasons,omitempty"`
	Data      map[string]any     `json:"data"`
	CreatedAt time.Time          `json:"created_at"`
	ReadAt    *time.Time         `json:"read_at"`
	Demand    *demandSummaryJSON `json:"demand,omitempty"`
}

func (a *API) notifications(c echo.Context) error {
	ctx := c.Request().Context()
	who, err := auth.Require(ctx, auth.RoleProducer, auth.RoleBuyer, auth.RoleOrganiser)
	if err != nil {
		return err
	}
	page, err := httpserver.ParsePage(c, 20, 100)
	if err != nil {
		return err
	}
	var after *postgres.NotificationCursor
	if page.Cursor != "" {
		after = &postgres.NotificationCursor{}
		if err := httpserver.DecodeCursor(page.Cursor, after); err != nil {
			return err
		}
	}
	unread, err := httpserver.QueryBool(c, "unread")
	if err != nil {
		return err
	}
	ns, err := a.app.Notifications(ctx, who, unread, after, page.Limit+1)
	if err != nil {
		return err
	}
	out := httpserver.Page[notificationJSON]{Items: []notificationJSON{}}
	for i, n := range ns {
		if i == page.Limit {
			last := ns[i-1]
			out.NextCursor = httpserver.EncodeCursor(postgres.NotificationCursor{CreatedAt: last.CreatedAt, ID: last.ID})
			break
		}
		item := toNotificationJSON(n)
		if d := n.Demand; d != nil {
			item.Demand = &demandSummaryJSON{ID: d.ID, BuyerID: d.BuyerID, Title: d.Title, Group: d.Group, Quantity: d.Quantity,
				Unit: d.Unit, MaxPriceVND: d.MaxPriceVND, DeliveryProvince: d.DeliveryProvince}
			if !d.NeededBy.IsZero() {
				s := d.NeededBy.Format(ocop.DateLayout)
				item.Demand.NeededBy = &s
			}
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(http.StatusOK, out)
}

type productHitJSON struct {
	search.Document
	Score float64 `json:"score"`
}

const maxQueryRunes = 500

func (a *API) searchProducts(c echo.Context) error {
	var v errs.Validation
	q := search.Query{Text: strings.TrimSpace(c.QueryParam("q")), Limit: 20}
	v.Check(len([]rune(q.Text)) <= maxQueryRunes, "q", "must be at most %d characters", maxQueryRunes)
	if g := c.QueryParam("group"); g != "" {
		v.Check(ocop.ValidGroup(g), "group", "must be one of thuc_pham, do_uong, duoc_lieu, thu_cong_my_nghe, sinh_vat_canh, du_lich")
		q.Group = g
	}
	if s := c.QueryParam("min_stars"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= ocop.MinStars && n <= ocop.MaxStars, "min_stars", "must be 3, 4 or 5")
		q.MinStars = n
	}
	for _, cert := range c.QueryParams()["certification"] {
		v.Check(ocop.ValidCertification(cert), "certification", "unknown certification %q", cert)
		q.Certifications = append(q.Certifications, cert)
	}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil && n >= 1 && n <= 100, "limit", "must be a whole number from 1 to 100")
		q.Limit = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	hits, err := a.app.SearchProducts(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		Items []productHitJSON `json:"items"`
	}{Items: make([]productHitJSON, 0, len(hits))}
	for _, h := range hits {
		out.Items = append(out.Items, productHitJSON{Document: *h.Document, Score: h.Score})
	}
	return c.JSON(http.StatusOK, out)
}
