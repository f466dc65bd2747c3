package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/demand/domain"
)

const quoteColumns = `id, demand_id, producer_id, product_id, price_vnd, quantity, unit, delivery_date, message, status,
	submitted_at, decided_at`

func scanQuote(row pgx.Row) (domain.Quote, error) {
	var q domain.Quote
	err := row.Scan(&q.ID, &q.DemandID, &q.ProducerID, &q.ProductID, &q.PriceVND, &q.Quantity, &q.Unit, &q.DeliveryDate,
		&q.Message, &q.Status, &q.SubmittedAt, &q.DecidedAt)
	return q, err
}

// CreateQuote implements app.Repository. The demand is locked while the
// quote is checked and written, so no quote slips in after an award.
func (r *Repository) CreateQuote(ctx context.Context, q domain.Quote, check func(domain.Demand, []string) ([]events.Event, error)) error {
	return pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		d, err := lockDemand(ctx, tx, q.DemandID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT m.product FROM demand.matches,
				unnest(product_ids, producer_ids) WITH ORDINALITY AS m(product, producer, rank)
			WHERE demand_id = $1 AND m.producer = $2 ORDER BY m.rank`,
			q.DemandID, q.ProducerID)
		if err != nil {
			return fmt.Errorf("loading matches of %s: %w", q.DemandID, err)
		}
		matched, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		evs, err := check(d, matched)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO demand.quotes (`+quoteColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			q.ID, q.DemandID, q.ProducerID, q.ProductID, q.PriceVND, q.Quantity, q.Unit, q.DeliveryDate, q.Message, q.Status,
			q.SubmittedAt, q.DecidedAt)
		if pgplatform.IsUniqueViolation(err, "quotes_once") {
			return errs.Errorf(errs.Conflict, "you have already quoted on demand %s", q.DemandID)
		}
		if err != nil {
			return fmt.Errorf("inserting quote: %w", err)
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
}

// DecideQuote implements app.Repository. The demand is locked first, so two
// acceptances of a demand's quotes run one after the other and the second
// finds the demand awarded.
func (r *Repository) DecideQuote(ctx context.Context, id string, fn func(*domain.Demand, *domain.Quote) (*domain.Deal, []events.Event, error)) (domain.Quote, error) {
	var out domain.Quote
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		var demandID string
		err := tx.QueryRow(ctx, `SELECT demand_id FROM demand.quotes WHERE id = $1`, id).Scan(&demandID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no quote %s", id)
		}
		if err != nil {
			return fmt.Errorf("loading quote %s: %w", id, err)
		}
		d, err := lockDemand(ctx, tx, demandID)
		if err != nil {
			return err
		}
		q, err := scanQuote(tx.QueryRow(ctx, `SELECT `+quoteColumns+` FROM demand.quotes WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return fmt.Errorf("loading quote %s: %w", id, err)
		}
		version, status := d.Version, q.Status
		deal, evs, err := fn(&d, &q)
		if err != nil {
			return err
		}
		out = q
		if q.Status == status {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE demand.quotes SET status = $2, decided_at = $3 WHERE id = $1`, q.ID, q.Status, q.DecidedAt); err != nil {
			return fmt.Errorf("updating quote %s: %w", q.ID, err)
		}
		if d.Version != version {
			if err := writeDemand(ctx, tx, d); err != nil {
				return err
			}
		}
		if deal != nil {
			if err := insertDeal(ctx, tx, *deal); err != nil {
				return err
			}
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

func insertDeal(ctx context.Context, tx pgx.Tx, d domain.Deal) error {
	_, err := tx.Exec(ctx, `INSERT INTO demand.deals (id, demand_id, quote_id, buyer_id, producer_id, value_vnd, awarded_at, stage, stage_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.ID, d.DemandID, d.QuoteID, d.BuyerID, d.ProducerID, d.ValueVND, d.AwardedAt, d.Stage, d.StageAt)
	if pgplatform.IsUniqueViolation(err, "deals_demand_id_key") {
		return errs.Errorf(errs.Conflict, "demand %s is already awarded", d.DemandID)
	}
	if err != nil {
		return fmt.Errorf("inserting deal: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO demand.deal_stages (deal_id, stage, recorded_by, recorded_at) VALUES ($1, 'awarded', 'buyer', $2)`, d.ID, d.AwardedAt)
	return err
}

// Quote implements app.Repository.
func (r *Repository) Quote(ctx context.Context, id string) (domain.Quote, domain.Demand, error) {
	q, err := scanQuote(r.pool.QueryRow(ctx, `SELECT `+quoteColumns+` FROM demand.quotes WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return q, domain.Demand{}, errs.Errorf(errs.NotFound, "no quote %s", id)
	}
	if err != nil {
		return q, domain.Demand{}, fmt.Errorf("loading quote %s: %w", id, err)
	}
	d, err := r.Demand(ctx, q.DemandID)
	return q, d, err
}

// Quotes implements app.Repository: oldest first; one producer's when producerID is set.
func (r *Repository) Quotes(ctx context.Context, demandID, producerID string) ([]domain.Quote, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+quoteColumns+` FROM demand.quotes
		WHERE demand_id = $1 AND ($2 = '' OR producer_id = $2) ORDER BY submitted_at, id`, demandID, producerID)
	if err != nil {
		return nil, fmt.Errorf("listing quotes of %s: %w", demandID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Quote, error) { return scanQuote(row) })
}

const dealColumns = `id, demand_id, quote_id, buyer_id, producer_id, value_vnd, awarded_at, stage, stage_at`

func scanDeal(row pgx.Row) (domain.Deal, error) {
	var d domain.Deal
	err := row.Scan(&d.ID, &d.DemandID, &d.QuoteID, &d.BuyerID, &d.ProducerID, &d.ValueVND, &d.AwardedAt, &d.Stage, &d.StageAt)
	return d, err
}

func (r *Repository) stages(ctx context.Context, q pgxQuerier, d *domain.Deal) error {
	rows, err := q.Query(ctx, `SELECT stage, recorded_by, note, recorded_at FROM demand.deal_stages WHERE deal_id = $1 ORDER BY recorded_at, stage`, d.ID)
	if err != nil {
		return fmt.Errorf("loading stages of %s: %w", d.ID, err)
	}
	d.Stages, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.DealStage, error) {
		var s domain.DealStage
		err := row.Scan(&s.Stage, &s.RecordedBy, &s.Note, &s.RecordedAt)
		return s, err
	})
	return err
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Deal implements app.Repository.
func (r *Repository) Deal(ctx context.Context, id string) (domain.Deal, error) {
	d, err := scanDeal(r.pool.QueryRow(ctx, `SELECT `+dealColumns+` FROM demand.deals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, errs.Errorf(errs.NotFound, "no deal %s", id)
	}
	if err != nil {
		return d, fmt.Errorf("loading deal %s: %w", id, err)
	}
	return d, r.stages(ctx, r.pool, &d)
}

// Deals implements app.Repository: newest first.
func (r *Repository) Deals(ctx context.Context, buyerID, producerID string) ([]domain.Deal, error) {
	rows, err := r.pool.Query(ctx, `SELECT `+dealColumns+` FROM demand.deals
		WHERE ($1 = '' OR buyer_id = $1) AND ($2 = '' OR producer_id = $2) ORDER BY awarded_at DESC, id LIMIT 500`, buyerID, producerID)
	if err != nil {
		return nil, fmt.Errorf("listing deals: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Deal, error) { return scanDeal(row) })
}

// RecordStage implements app.Repository. A stage recorded twice keeps its
// first record.
func (r *Repository) RecordStage(ctx context.Context, dealID string, fn func(*domain.Deal) (domain.DealStage, []events.Event, error)) (domain.Deal, error) {
	var out domain.Deal
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		d, err := scanDeal(tx.QueryRow(ctx, `SELECT `+dealColumns+` FROM demand.deals WHERE id = $1 FOR UPDATE`, dealID))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no deal %s", dealID)
		}
		if err != nil {
			return fmt.Errorf("loading deal %s: %w", dealID, err)
		}
		stage, evs, err := fn(&d)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO demand.deal_stages (deal_id, stage, recorded_by, note, recorded_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, d.ID, stage.Stage, stage.RecordedBy, stage.Note, stage.RecordedAt)
		if err != nil {
			return fmt.Errorf("recording stage of %s: %w", d.ID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE demand.deals SET stage = $2, stage_at = $3 WHERE id = $1`, d.ID, d.Stage, d.StageAt); err != nil {
			return fmt.Errorf("updating deal %s: %w", d.ID, err)
		}
		if err := r.stages(ctx, tx, &d); err != nil {
			return err
		}
		out = d
		if tag.RowsAffected() == 0 {
			return nil
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

// DueFollowUps implements app.Repository: the furthest milestone reached
// prompts, once; a deal first seen at four months prompts for three only.
func (r *Repository) DueFollowUps(ctx context.Context, now time.Time, months []int, fn func(domain.Deal, string, int) (events.Event, error)) (int, error) {
	n := 0
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+qualifiedDeal+`, d2.title, m.months
			FROM demand.deals d JOIN demand.demands d2 ON d2.id = d.demand_id
			CROSS JOIN LATERAL (SELECT max(x) AS months FROM unnest($2::int[]) x
				WHERE d.awarded_at + make_interval(months => x) <= $1) m
			WHERE m.months IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM demand.deal_followups f WHERE f.deal_id = d.id AND f.months >= m.months)
			ORDER BY d.id FOR UPDATE OF d SKIP LOCKED`, now, months)
		if err != nil {
			return fmt.Errorf("finding deals to follow up: %w", err)
		}
		type due struct {
			deal   domain.Deal
			title  string
			months int
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (due, error) {
			var x due
			d := &x.deal
			err := row.Scan(&d.ID, &d.DemandID, &d.QuoteID, &d.BuyerID, &d.ProducerID, &d.ValueVND, &d.AwardedAt, &d.Stage, &d.StageAt, &x.title, &x.months)
			return x, err
		})
		if err != nil {
			return err
		}
		evs := make([]events.Event, 0, len(list))
		for _, x := range list {
			if _, err := tx.Exec(ctx, `INSERT INTO demand.deal_followups (deal_id, months) VALUES ($1, $2) ON CONFLICT DO NOTHING`, x.deal.ID, x.months); err != nil {
				return fmt.Errorf("recording follow-up of %s: %w", x.deal.ID, err)
			}
			ev, err := fn(x.deal, x.title, x.months)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		n = len(evs)
		return r.outbox.Add(ctx, tx, evs...)
	})
	return n, err
}

const qualifiedDeal = `d.id, d.demand_id, d.quote_id, d.buyer_id, d.producer_id, d.value_vnd, d.awarded_at, d.stage, d.stage_at`
