// Package postgres stores what matching decided: the demands it ranked, their
// matches and the notifications producers received.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
)

// Schema is the matching service's Postgres schema.
const Schema = "matching"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are matching's own tables.
var Migrations = pgplatform.Source{Name: "matching", FS: migrations}

// Repository reads and writes matching's tables.
type Repository struct {
	pool   *pgxpool.Pool
	outbox *events.Outbox
	log    *zap.Logger
	// wakeStreams, when set, wakes the live streams of recipients
	// ("role:id") after a transaction that added their notifications
	// commits; see WakeStreamsAfterCommit.
	wakeStreams func(recipients []string)
}

// New returns the repository over pool.
func New(pool *pgxpool.Pool, log *zap.Logger) *Repository {
	return &Repository{pool: pool, outbox: events.NewOutbox(pool, Schema), log: log}
}

// WakeStreamsAfterCommit has wake called with the recipients ("role:id")
// of the notifications a transaction begun by pgplatform.InTx added, once
// it commits. The streams of notifications added in other transactions
// are woken by a NOTIFY on NotificationsChannel.
func (r *Repository) WakeStreamsAfterCommit(wake func(recipients []string)) { r.wakeStreams = wake }

// Outbox is matching's outbox, for events written in a handler's transaction.
func (r *Repository) Outbox() *events.Outbox { return r.outbox }

// Demand is a demand as matching stores it.
type Demand struct {
	rank.Demand
	Version   int64
	Status    string
	PostedAt  time.Time
	MatchedAt *time.Time
}

// demandJSON is the stored form of rank.Demand.
type demandJSON struct {
	Title                  string   `json:"title"`
	Text                   string   `json:"text"`
	Group                  string   `json:"group"`
	Quantity               float64  `json:"quantity"`
	Unit                   string   `json:"unit"`
	MaxPriceVND            *int64   `json:"max_price_vnd"`
	MinStars               int      `json:"min_stars"`
	RequiredCertifications []string `json:"required_certifications"`
	DeliveryProvince       string   `json:"delivery_province"`
	DeliveryLat            float64  `json:"delivery_lat"`
	DeliveryLon            float64  `json:"delivery_lon"`
	NeededBy               string   `json:"needed_by"`
}

func encodeDemand(d rank.Demand) ([]byte, error) {
	j := demandJSON{
		Title: d.Title, Text: d.Text, Group: d.Group, Quantity: d.Quantity, Unit: d.Unit, MaxPriceVND: d.MaxPriceVND,
		MinStars: d.MinStars, RequiredCertifications: d.RequiredCertifications, DeliveryProvince: d.DeliveryProvince,
		DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon,
	}
	if !d.NeededBy.IsZero() {
		j.NeededBy = d.NeededBy.Format(time.DateOnly)
	}
	return json.Marshal(j)
}

func decodeDemand(id, buyerID string, raw []byte) (rank.Demand, error) {
	var j demandJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return rank.Demand{}, fmt.Errorf("reading stored demand %s: %w", id, err)
	}
	d := rank.Demand{
		ID: id, BuyerID: buyerID, Title: j.Title, Text: j.Text, Group: j.Group, Quantity: j.Quantity, Unit: j.Unit,
		MaxPriceVND: j.MaxPriceVND, MinStars: j.MinStars, RequiredCertifications: j.RequiredCertifications,
		DeliveryProvince: j.DeliveryProvince, DeliveryLat: j.DeliveryLat, DeliveryLon: j.DeliveryLon,
	}
	if j.NeededBy != "" {
		t, err := time.Parse(time.DateOnly, j.NeededBy)
		if err != nil {
			return d, fmt.Errorf("reading stored demand %s: needed_by %q: %w", id, j.NeededBy, err)
		}
		d.NeededBy = t
	}
	return d, nil
}

// SaveDemand stores the demand's state unless a newer version is already
// stored; fresh is false for a stale or repeated version.
func (r *Repository) SaveDemand(ctx context.Context, tx pgx.Tx, d Demand) (fresh bool, err error) {
	raw, err := encodeDemand(d.Demand)
	if err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO matching.demands (id, buyer_id, version, status, demand, posted_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, demand = EXCLUDED.demand
		WHERE matching.demands.version < EXCLUDED.version`,
		d.ID, d.BuyerID, d.Version, d.Status, raw, d.PostedAt)
	if err != nil {
		return false, fmt.Errorf("storing demand %s: %w", d.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ReplaceAnswer stores the ranked list of the demand's latest matching and
// its combined supply (nil clears it). The statements go in one round trip:
// they run in the consumer's transaction, which holds back every service's
// outbox until it ends.
func (r *Repository) ReplaceAnswer(ctx context.Context, tx pgx.Tx, demandID string, version int64, matches []rank.Match, group *rank.CombinedSupply) error {
	ranked := make([]StoredMatch, len(matches))
	for i, m := range matches {
		ranked[i] = StoredMatch{Rank: m.Rank, ProductID: m.ProductID, ProducerID: m.ProducerID, Score: m.Score, Reasons: m.Reasons}
		if ranked[i].Reasons == nil {
			ranked[i].Reasons = []string{}
		}
	}
	rawMatches, err := json.Marshal(ranked)
	if err != nil {
		return err
	}
	var b pgx.Batch
	b.Queue(`INSERT INTO matching.matches (demand_id, demand_version, ranked) VALUES ($1, $3, $2)
		ON CONFLICT (demand_id) DO UPDATE SET demand_version = excluded.demand_version, ranked = excluded.ranked`,
		demandID, rawMatches, version)
	b.Queue(`UPDATE matching.demands SET matched_at = now() WHERE id = $1`, demandID)
	b.Queue(`DELETE FROM matching.supply_groups WHERE demand_id = $1`, demandID)
	if group != nil {
		members := make([]SupplyMember, len(group.Members))
		for i, m := range group.Members {
			members[i] = SupplyMember{ProducerID: m.ProducerID, ProductID: m.ProductID, Capacity: m.Capacity,
				DistanceKm: m.DistanceKm, Score: m.Score, Reasons: m.Reasons}
		}
		rawMembers, err := json.Marshal(members)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO matching.supply_groups (demand_id, demand_version, capacity, members) VALUES ($1, $2, $3, $4)`,
			demandID, version, group.Capacity, rawMembers)
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("storing the matches of %s: %w", demandID, err)
	}
	return nil
}

// Notification is what a producer or buyer was told.
type Notification struct {
	ID            string
	RecipientRole string // producer or buyer
	RecipientID   string
	Kind          string // match, quote_submitted, quote_decided, deal_follow_up, rating_expiring
	// DedupeKey is unique per recipient: the same fact is told once.
	DedupeKey string
	Title     string
	Body      string
	DemandID  string
	ProductID string
	Rank      int
	Score     float64
	Reasons   []string
	Data      map[string]any
	CreatedAt time.Time
	ReadAt    *time.Time
	// Demand is the demand the notification is about, when it is about one.
	Demand *rank.Demand
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// AddNotifications records the notifications not yet given to their
// recipients and returns those it added, with their ids. They go in one
// statement: a demand notifies many producers inside a transaction that
// holds back every service's outbox until it ends, and a statement for each
// cost ten times the database time. Their recipients' live streams are woken
// once the transaction commits (WakeStreamsAfterCommit), or by a NOTIFY
// from the same statement.
func (r *Repository) AddNotifications(ctx context.Context, tx pgx.Tx, ns []Notification) ([]Notification, error) {
	if len(ns) == 0 {
		return nil, nil
	}
	size := len(ns)
	ids, roles, recipients, kinds := make([]string, size), make([]string, size), make([]string, size), make([]string, size)
	dedupes, titles, bodies, datas := make([]string, size), make([]string, size), make([]string, size), make([]string, size)
	demands, products, reasons := make([]*string, size), make([]*string, size), make([]*string, size)
	ranks, scores := make([]*int, size), make([]*float64, size)
	for i, n := range ns {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		ids[i] = id.String()
		roles[i], recipients[i], kinds[i], dedupes[i], titles[i], bodies[i] = n.RecipientRole, n.RecipientID, n.Kind, n.DedupeKey, n.Title, n.Body
		demands[i], products[i] = nullable(n.DemandID), nullable(n.ProductID)
		if n.Kind == "match" {
			ranks[i], scores[i] = &n.Rank, &n.Score
		}
		// Reasons vary in number, which an array of arrays cannot hold:
		// each goes as a JSON array.
		if n.Reasons != nil {
			b, err := json.Marshal(n.Reasons)
			if err != nil {
				return nil, err
			}
			reasons[i] = new(string(b))
		}
		data := n.Data
		if data == nil {
			data = map[string]any{}
		}
		b, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("notification data for %s %s: %w", n.RecipientRole, n.RecipientID, err)
		}
		datas[i] = string(b)
	}
	var woken []string
	args := []any{ids, roles, recipients, kinds, dedupes, titles, bodies, demands, products, ranks, scores, reasons, datas}
	wake := "NULL"
	if r.wakeStreams == nil || !pgplatform.AfterCommit(tx, func() { r.wakeStreams(woken) }) {
		wake = "pg_notify($14, recipient_role || ':' || recipient_id)"
		args = append(args, NotificationsChannel)
	}
	// Rows go in the order given, so a recipient's seq follows it; a
	// recipient told the same fact twice in one call keeps the first.
	rows, err := tx.Query(ctx, `WITH added AS (
			INSERT INTO matching.notifications (id, recipient_role, recipient_id, kind, dedupe_key, title, body,
				demand_id, product_id, rank, score, reasons, data)
			SELECT id, role, recipient, kind, dedupe, title, body, demand, product, rank, score,
				CASE WHEN reasons IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(reasons)) END, data
			FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
				$8::text[], $9::text[], $10::int[], $11::float8[], $12::jsonb[], $13::jsonb[])
				WITH ORDINALITY AS x(id, role, recipient, kind, dedupe, title, body, demand, product, rank, score, reasons, data, n)
			ORDER BY n
			ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING
			RETURNING id, recipient_role, recipient_id, created_at)
		SELECT id::text, created_at, recipient_role || ':' || recipient_id, `+wake+` FROM added`, args...)
	if err != nil {
		return nil, fmt.Errorf("recording notifications: %w", err)
	}
	created := make(map[string]time.Time, len(ns))
	var (
		id, recipient string
		at            time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &at, &recipient, nil}, func() error {
		created[id] = at
		if !slices.Contains(woken, recipient) {
			woken = append(woken, recipient)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("recording notifications: %w", err)
	}
	added := make([]Notification, 0, len(created))
	for i, n := range ns {
		at, ok := created[ids[i]]
		if !ok {
			continue
		}
		n.ID, n.CreatedAt = ids[i], at
		if n.Data == nil {
			n.Data = map[string]any{}
		}
		added = append(added, n)
	}
	return added, nil
}

// NotificationsChannel is the LISTEN channel woken when a recipient's
// notifications change; the payload is "role:id".
const NotificationsChannel = "matching_notifications"

// SetDemandStatus records that a demand is closed, awarded or expired,
// unless a newer state is stored.
func (r *Repository) SetDemandStatus(ctx context.Context, tx pgx.Tx, id, status string, version int64) error {
	_, err := tx.Exec(ctx, `UPDATE matching.demands SET status = $2, version = $3 WHERE id = $1 AND version < $3`, id, status, version)
	if err != nil {
		return fmt.Errorf("recording the status of demand %s: %w", id, err)
	}
	return nil
}

// Demand returns the stored demand.
func (r *Repository) Demand(ctx context.Context, id string) (Demand, error) {
	var (
		d   Demand
		raw []byte
	)
	err := r.pool.QueryRow(ctx, `SELECT buyer_id, version, status, demand, posted_at, matched_at FROM matching.demands WHERE id = $1`, id).
		Scan(&d.BuyerID, &d.Version, &d.Status, &raw, &d.PostedAt, &d.MatchedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.Errorf(errs.NotFound, "no demand %s has reached matching yet; if it was just posted, retry in a moment", id)
	}
	if err != nil {
		return d, fmt.Errorf("loading demand %s: %w", id, err)
	}
	d.Demand, err = decodeDemand(id, d.BuyerID, raw)
	return d, err
}

// StoredMatch is one product of a demand's ranked list.
type StoredMatch struct {
	Rank       int      `json:"rank"`
	Score      float64  `json:"score"`
	ProductID  string   `json:"product_id"`
	ProducerID string   `json:"producer_id"`
	Reasons    []string `json:"reasons"`
}

// Matches returns the demand's ranked list, best first; none before it is
// matched.
func (r *Repository) Matches(ctx context.Context, demandID string) ([]StoredMatch, error) {
	var ranked []StoredMatch
	err := r.pool.QueryRow(ctx, `SELECT ranked FROM matching.matches WHERE demand_id = $1`, demandID).Scan(&ranked)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("loading matches of %s: %w", demandID, err)
	}
	return ranked, nil
}

// NotificationCursor is the position after which a page of notifications starts.
type NotificationCursor struct {
	CreatedAt time.Time `json:"t"`
	ID        string    `json:"id"`
}

// Notifications returns a recipient's notifications, newest first, after the cursor.
func (r *Repository) Notifications(ctx context.Context, role, recipientID string, unreadOnly bool, after *NotificationCursor, limit int) ([]Notification, error) {
	args := []any{role, recipientID, limit}
	where := ""
	if unreadOnly {
		where = ` AND n.read_at IS NULL`
	}
	if after != nil {
		where += ` AND (n.created_at, n.id) < ($4, $5)`
		args = append(args, after.CreatedAt, after.ID)
	}
	rows, err := r.pool.Query(ctx, `SELECT n.id::text, n.recipient_role, n.recipient_id, n.kind, n.dedupe_key, n.title, n.body,
			coalesce(n.demand_id, ''), coalesce(n.product_id, ''), coalesce(n.rank, 0), coalesce(n.score, 0), n.reasons, n.data,
			n.created_at, n.read_at, d.buyer_id, d.demand
		FROM matching.notifications n LEFT JOIN matching.demands d ON d.id = n.demand_id
		WHERE n.recipient_role = $1 AND n.recipient_id = $2`+where+`
		ORDER BY n.created_at DESC, n.id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("loading notifications of %s %s: %w", role, recipientID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Notification, error) {
		var (
			n       Notification
			buyerID *string
			raw     []byte
		)
		if err := row.Scan(&n.ID, &n.RecipientRole, &n.RecipientID, &n.Kind, &n.DedupeKey, &n.Title, &n.Body, &n.DemandID,
			&n.ProductID, &n.Rank, &n.Score, &n.Reasons, &n.Data, &n.CreatedAt, &n.ReadAt, &buyerID, &raw); err != nil {
			return n, err
		}
		if buyerID == nil {
			return n, nil
		}
		d, err := decodeDemand(n.DemandID, *buyerID, raw)
		n.Demand = &d
		return n, err
	})
}
