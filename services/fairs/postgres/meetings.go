package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/errs"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

const meetingColumns = `id, fair_id, buyer_id, producer_id, requested_by, table_no, starts_at, ends_at, status, requested_at, decided_at, held`

func scanMeeting(row pgx.Row) (domain.Meeting, error) {
	var m domain.Meeting
	err := row.Scan(&m.ID, &m.FairID, &m.BuyerID, &m.ProducerID, &m.RequestedBy, &m.Table, &m.StartsAt, &m.EndsAt, &m.Status,
		&m.RequestedAt, &m.DecidedAt, &m.Held)
	return m, err
}

func (t *tx) LockSlot(ctx context.Context, fairID string, at time.Time) error {
	_, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ocop.fairs.slot.' || $1 || '.' || $2))`, fairID, at.UTC().Format(time.RFC3339))
	return err
}

func (t *tx) ExpireRequests(ctx context.Context, fairID string, at, cutoff time.Time) ([]domain.Meeting, error) {
	rows, err := t.tx.Query(ctx, `UPDATE fairs.meetings SET status = 'expired', decided_at = now()
		WHERE fair_id = $1 AND starts_at = $2 AND status = 'requested' AND requested_at < $3
		RETURNING `+meetingColumns, fairID, at, cutoff)
	if err != nil {
		return nil, fmt.Errorf("expiring stale requests: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Meeting, error) { return scanMeeting(row) })
}

func (t *tx) ExpireStaleRequests(ctx context.Context, cutoff time.Time) ([]domain.Meeting, error) {
	rows, err := t.tx.Query(ctx, `UPDATE fairs.meetings SET status = 'expired', decided_at = now()
		WHERE status = 'requested' AND requested_at < $1 RETURNING `+meetingColumns, cutoff)
	if err != nil {
		return nil, fmt.Errorf("expiring stale requests: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Meeting, error) { return scanMeeting(row) })
}

func (t *tx) Busy(ctx context.Context, fairID string, at time.Time) ([]int, []string, []string, error) {
	rows, err := t.tx.Query(ctx, `SELECT table_no, buyer_id, producer_id FROM fairs.meetings
		WHERE fair_id = $1 AND starts_at = $2 AND status IN ('requested', 'accepted')`, fairID, at)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading the slot: %w", err)
	}
	defer rows.Close()
	var (
		tables            []int
		buyers, producers []string
	)
	for rows.Next() {
		var (
			table int
			b, p  string
		)
		if err := rows.Scan(&table, &b, &p); err != nil {
			return nil, nil, nil, err
		}
		tables, buyers, producers = append(tables, table), append(buyers, b), append(producers, p)
	}
	return tables, buyers, producers, rows.Err()
}

func (t *tx) InsertMeeting(ctx context.Context, m domain.Meeting) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.meetings (`+meetingColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		m.ID, m.FairID, m.BuyerID, m.ProducerID, m.RequestedBy, m.Table, m.StartsAt, m.EndsAt, m.Status, m.RequestedAt, m.DecidedAt, m.Held)
	switch {
	case pgplatform.IsUniqueViolation(err, "meetings_table_once"):
		return errs.Errorf(errs.Conflict, "table %d is taken at that time: choose another table or slot", m.Table)
	case pgplatform.IsUniqueViolation(err, "meetings_buyer_once"):
		return errs.Errorf(errs.Conflict, "buyer %s already has a meeting at that time", m.BuyerID)
	case pgplatform.IsUniqueViolation(err, "meetings_producer_once"):
		return errs.Errorf(errs.Conflict, "exhibitor %s already has a meeting at that time", m.ProducerID)
	case err != nil:
		return fmt.Errorf("inserting meeting: %w", err)
	}
	return nil
}

func (t *tx) Meeting(ctx context.Context, id string) (domain.Meeting, error) {
	m, err := scanMeeting(t.tx.QueryRow(ctx, `SELECT `+meetingColumns+` FROM fairs.meetings WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, errs.Errorf(errs.NotFound, "no meeting %s", id)
	}
	if err != nil {
		return m, fmt.Errorf("loading meeting %s: %w", id, err)
	}
	return m, nil
}

func (t *tx) UpdateMeeting(ctx context.Context, m domain.Meeting) error {
	_, err := t.tx.Exec(ctx, `UPDATE fairs.meetings SET status = $2, decided_at = $3, held = $4 WHERE id = $1`, m.ID, m.Status, m.DecidedAt, m.Held)
	if err != nil {
		return fmt.Errorf("updating meeting %s: %w", m.ID, err)
	}
	return nil
}
