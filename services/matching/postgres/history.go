package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/services/matching/rank"
)

// answerWindow is how long a match notification is given to be answered
// before an unanswered one counts against the producer.
const answerWindow = 7 * 24 * time.Hour

// historyYears is how far back a producer's record reaches.
const historyYears = 1

// MarkAnswered records that the producer quoted for a demand it was told of.
func (r *Repository) MarkAnswered(ctx context.Context, tx pgx.Tx, producerID, demandID string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE matching.notifications SET answered_at = $3
		WHERE kind = 'match' AND recipient_role = 'producer' AND recipient_id = $1 AND demand_id = $2 AND answered_at IS NULL`,
		producerID, demandID, at)
	if err != nil {
		return fmt.Errorf("recording that %s answered demand %s: %w", producerID, demandID, err)
	}
	return nil
}

// History returns the producers' answering records over the past year; a
// notification counts once answered or once its week to answer has passed.
func (r *Repository) History(ctx context.Context, producerIDs []string) (map[string]rank.Response, error) {
	rows, err := r.pool.Query(ctx, `SELECT recipient_id, count(*), count(answered_at),
			coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - created_at) / 3600), 0)
		FROM matching.notifications
		WHERE kind = 'match' AND recipient_role = 'producer' AND recipient_id = ANY($1)
		  AND created_at > now() - make_interval(years => $2)
		  AND (answered_at IS NOT NULL OR created_at < now() - make_interval(hours => $3))
		GROUP BY recipient_id`, producerIDs, historyYears, int(answerWindow.Hours()))
	if err != nil {
		return nil, fmt.Errorf("loading producers' answering records: %w", err)
	}
	out := map[string]rank.Response{}
	var (
		id string
		h  rank.Response
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &h.Notified, &h.Answered, &h.MedianHours}, func() error {
		out[id] = h
		return nil
	})
	return out, err
}

// RecentMatchCounts returns how many match notifications each producer
// received since the given time.
func (r *Repository) RecentMatchCounts(ctx context.Context, producerIDs []string, since time.Time) (map[string]int, error) {
	rows, err := r.pool.Query(ctx, `SELECT recipient_id, count(*) FROM matching.notifications
		WHERE kind = 'match' AND recipient_role = 'producer' AND recipient_id = ANY($1) AND created_at >= $2
		GROUP BY recipient_id`, producerIDs, since)
	if err != nil {
		return nil, fmt.Errorf("counting producers' recent notifications: %w", err)
	}
	out := map[string]int{}
	var (
		id string
		n  int
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		out[id] = n
		return nil
	})
	return out, err
}

// SupplyMember is one producer of a stored combined supply.
type SupplyMember struct {
	ProducerID string   `json:"producer_id"`
	ProductID  string   `json:"product_id"`
	Capacity   float64  `json:"capacity"`
	DistanceKm float64  `json:"distance_km"`
	Score      float64  `json:"score"`
	Reasons    []string `json:"reasons"`
}

// SupplyGroup is the combined supply stored for a demand.
type SupplyGroup struct {
	Capacity float64
	Members  []SupplyMember
}

// SupplyGroup returns the demand's combined supply, or nil when it has none.
func (r *Repository) SupplyGroup(ctx context.Context, demandID string) (*SupplyGroup, error) {
	var (
		g   SupplyGroup
		raw []byte
	)
	err := r.pool.QueryRow(ctx, `SELECT capacity, members FROM matching.supply_groups WHERE demand_id = $1`, demandID).Scan(&g.Capacity, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the combined supply of %s: %w", demandID, err)
	}
	if err := json.Unmarshal(raw, &g.Members); err != nil {
		return nil, fmt.Errorf("reading the combined supply of %s: %w", demandID, err)
	}
	return &g, nil
}

// OpenDemands returns the demands still taking quotes that were posted
// before the given time.
func (r *Repository) OpenDemands(ctx context.Context, postedBefore time.Time) ([]Demand, error) {
	rows, err := r.pool.Query(ctx, `SELECT id, buyer_id, version, status, demand, posted_at, matched_at
		FROM matching.demands WHERE status = 'open' AND posted_at < $1 ORDER BY posted_at`, postedBefore)
	if err != nil {
		return nil, fmt.Errorf("loading open demands: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Demand, error) {
		var (
			d   Demand
			raw []byte
		)
		if err := row.Scan(&d.ID, &d.BuyerID, &d.Version, &d.Status, &raw, &d.PostedAt, &d.MatchedAt); err != nil {
			return d, err
		}
		id, buyer := d.ID, d.BuyerID
		var err error
		d.Demand, err = decodeDemand(id, buyer, raw)
		return d, err
	})
}
