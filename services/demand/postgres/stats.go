package postgres

import (
	"context"
	"fmt"

	"github.com/ocopvn/ocop/services/demand/app"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Stats implements app.Repository in one pass: per demand its matches,
// quotes, first-quote delay and deal, then summed over the whole period, per
// group and per delivery province.
func (r *Repository) Stats(ctx context.Context, f app.StatsFilter) (app.Stats, error) {
	out := app.Stats{From: f.From.Format("2006-01-02"), To: f.To.Format("2006-01-02"),
		ByGroup: map[string]app.Figures{}, ByProvince: map[string]app.Figures{}}
	rows, err := r.pool.Query(ctx, `
		WITH d AS (
			SELECT id, "group", delivery_province, posted_at FROM demand.demands
			WHERE status <> 'draft' AND posted_at >= $1 AND posted_at < $2
			  AND ($3 = '' OR "group" = $3) AND ($4 = '' OR delivery_province = $4)),
		per AS (
			SELECT d."group", d.delivery_province,
				(SELECT cardinality(m.product_ids) FROM demand.matches m WHERE m.demand_id = d.id) AS matched,
				(SELECT count(DISTINCT producer) FROM demand.matches m, unnest(m.producer_ids) AS producer
					WHERE m.demand_id = d.id) AS matched_producers,
				(SELECT count(*) FROM demand.quotes q WHERE q.demand_id = d.id) AS quotes,
				(SELECT count(DISTINCT q.producer_id) FROM demand.quotes q
					WHERE q.demand_id = d.id AND EXISTS (SELECT 1 FROM demand.matches m
						WHERE m.demand_id = q.demand_id AND q.producer_id = ANY (m.producer_ids))) AS responded,
				(SELECT extract(epoch FROM min(q.submitted_at) - d.posted_at) / 3600 FROM demand.quotes q
					WHERE q.demand_id = d.id) AS first_quote_hours,
				deal.value_vnd, array_position($5::text[], deal.stage) AS stage_rank
			FROM d LEFT JOIN demand.deals deal ON deal.demand_id = d.id)
		SELECT GROUPING("group", delivery_province), coalesce("group", ''), coalesce(delivery_province, ''),
			count(*), coalesce(sum(matched), 0), coalesce(sum(quotes), 0), coalesce(sum(matched_producers), 0),
			coalesce(sum(responded), 0), percentile_cont(0.5) WITHIN GROUP (ORDER BY first_quote_hours),
			count(value_vnd), coalesce(sum(value_vnd), 0)::bigint,
			array_agg(stage_rank) FILTER (WHERE stage_rank IS NOT NULL)
		FROM per GROUP BY GROUPING SETS ((), ("group"), (delivery_province))`,
		f.From, f.To, f.Group, f.Province, domain.DealStages)
	if err != nil {
		return out, fmt.Errorf("computing the figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			grouping                    int
			group, province             string
			fig                         app.Figures
			matchedProducers, responded int
			ranks                       []int32
		)
		if err := rows.Scan(&grouping, &group, &province, &fig.DemandsPosted, &fig.MatchedProducts, &fig.Quotes,
			&matchedProducers, &responded, &fig.MedianHoursToFirstQuote, &fig.Awards, &fig.AwardValueVND, &ranks); err != nil {
			return out, err
		}
		if matchedProducers > 0 {
			fig.ResponseRate = float64(responded) / float64(matchedProducers)
		}
		fig.DealStages = map[string]int{}
		for i, stage := range domain.DealStages {
			fig.DealStages[stage] = 0
			for _, rank := range ranks {
				if int(rank) >= i+1 {
					fig.DealStages[stage]++
				}
			}
		}
		switch grouping {
		case 3:
			out.Total = fig
		case 1:
			if group == "" {
				group = "none"
			}
			out.ByGroup[group] = fig
		case 2:
			out.ByProvince[province] = fig
		}
	}
	return out, rows.Err()
}
