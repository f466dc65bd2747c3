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

const applicationColumns = `id, fair_id, producer_id, product_ids, booth_type, message, status, submitted_at, decided_at`

func scanApplication(row pgx.Row) (domain.Application, error) {
	var a domain.Application
	err := row.Scan(&a.ID, &a.FairID, &a.ProducerID, &a.ProductIDs, &a.BoothType, &a.Message, &a.Status, &a.SubmittedAt, &a.DecidedAt)
	return a, err
}

func (t *tx) Application(ctx context.Context, fairID, id string) (domain.Application, error) {
	a, err := scanApplication(t.tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM fairs.applications
		WHERE id = $1 AND fair_id = $2 FOR UPDATE`, id, fairID))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, errs.Errorf(errs.NotFound, "fair %s has no application %s", fairID, id)
	}
	if err != nil {
		return a, fmt.Errorf("loading application %s: %w", id, err)
	}
	return a, nil
}

// Applications returns a fair's applications, oldest first, locked: the
// waitlist is read in this order to promote the first that fits.
func (t *tx) Applications(ctx context.Context, fairID, producerID string) ([]domain.Application, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+applicationColumns+` FROM fairs.applications
		WHERE fair_id = $1 AND ($2 = '' OR producer_id = $2) ORDER BY submitted_at, id FOR UPDATE`, fairID, producerID)
	if err != nil {
		return nil, fmt.Errorf("loading applications of %s: %w", fairID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Application, error) { return scanApplication(row) })
}

func (t *tx) InsertApplication(ctx context.Context, a domain.Application) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.applications (`+applicationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.FairID, a.ProducerID, a.ProductIDs, a.BoothType, a.Message, a.Status, a.SubmittedAt, a.DecidedAt)
	if pgplatform.IsUniqueViolation(err, "applications_live_once") {
		return errs.Errorf(errs.Conflict, "you have already applied to fair %s", a.FairID)
	}
	if err != nil {
		return fmt.Errorf("inserting application: %w", err)
	}
	return nil
}

func (t *tx) UpdateApplication(ctx context.Context, a domain.Application) error {
	_, err := t.tx.Exec(ctx, `UPDATE fairs.applications SET status = $2, decided_at = $3 WHERE id = $1`, a.ID, a.Status, a.DecidedAt)
	if err != nil {
		return fmt.Errorf("updating application %s: %w", a.ID, err)
	}
	return nil
}

// InsertBooking records a booking; the partial unique indexes refuse a booth
// held twice or a producer holding two, whatever runs at the same time.
func (t *tx) InsertBooking(ctx context.Context, b domain.Booking) error {
	var application *string
	if b.ApplicationID != "" {
		application = &b.ApplicationID
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.bookings (id, fair_id, booth_id, producer_id, status, booked_at, application_id)
		VALUES ($1, $2, $3, $4, 'confirmed', $5, $6)`, b.ID, b.FairID, b.BoothID, b.ProducerID, b.BookedAt, application)
	switch {
	case pgplatform.IsUniqueViolation(err, "bookings_booth_once"):
		return errs.Errorf(errs.Conflict, "booth %s is already booked: choose another booth", b.BoothCode)
	case pgplatform.IsUniqueViolation(err, "bookings_producer_once"):
		return errs.Errorf(errs.Conflict, "producer %s already holds a booth at fair %s", b.ProducerID, b.FairID)
	case err != nil:
		return fmt.Errorf("booking booth %s: %w", b.BoothID, err)
	}
	return nil
}

const bookingColumns = `k.id, k.fair_id, k.booth_id, b.code, k.producer_id, coalesce(k.application_id, ''), k.booked_at`

func scanBooking(row pgx.Row) (domain.Booking, error) {
	var b domain.Booking
	err := row.Scan(&b.ID, &b.FairID, &b.BoothID, &b.BoothCode, &b.ProducerID, &b.ApplicationID, &b.BookedAt)
	return b, err
}

func (t *tx) Booking(ctx context.Context, fairID, id string) (domain.Booking, error) {
	b, err := scanBooking(t.tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM fairs.bookings k JOIN fairs.booths b ON b.id = k.booth_id
		WHERE k.id = $1 AND k.fair_id = $2 AND k.status = 'confirmed' FOR UPDATE OF k`, id, fairID))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, errs.Errorf(errs.NotFound, "fair %s has no confirmed booking %s", fairID, id)
	}
	if err != nil {
		return b, fmt.Errorf("loading booking %s: %w", id, err)
	}
	return b, nil
}

func (t *tx) BookingOf(ctx context.Context, fairID, producerID string) (*domain.Booking, error) {
	b, err := scanBooking(t.tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM fairs.bookings k JOIN fairs.booths b ON b.id = k.booth_id
		WHERE k.fair_id = $1 AND k.producer_id = $2 AND k.status = 'confirmed'`, fairID, producerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the booking of %s: %w", producerID, err)
	}
	return &b, nil
}

func (t *tx) CancelBooking(ctx context.Context, id string) error {
	_, err := t.tx.Exec(ctx, `UPDATE fairs.bookings SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("cancelling booking %s: %w", id, err)
	}
	return nil
}

func (t *tx) IsParticipant(ctx context.Context, fairID, buyerID string) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fairs.participants WHERE fair_id = $1 AND buyer_id = $2)`, fairID, buyerID).Scan(&ok)
	return ok, err
}

func (t *tx) InsertParticipant(ctx context.Context, fairID, buyerID string, at time.Time) (bool, error) {
	tag, err := t.tx.Exec(ctx, `INSERT INTO fairs.participants (fair_id, buyer_id, registered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		fairID, buyerID, at)
	if err != nil {
		return false, fmt.Errorf("registering buyer %s: %w", buyerID, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (t *tx) Checkin(ctx context.Context, fairID, role, orgID string, at time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO fairs.checkins (fair_id, role, org_id, checked_in_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
		fairID, role, orgID, at)
	if err != nil {
		return fmt.Errorf("checking in %s %s: %w", role, orgID, err)
	}
	return nil
}
