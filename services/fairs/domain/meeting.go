package domain

import (
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
)

// MeetingStatus is where a B2B meeting stands.
type MeetingStatus string

const (
	MeetingRequested MeetingStatus = "requested"
	MeetingAccepted  MeetingStatus = "accepted"
	MeetingDeclined  MeetingStatus = "declined"
	MeetingExpired   MeetingStatus = "expired"
	MeetingCancelled MeetingStatus = "cancelled"
)

// Holds reports whether a meeting in this status holds its slot and table.
func (s MeetingStatus) Holds() bool { return s == MeetingRequested || s == MeetingAccepted }

// DefaultRequestTTL is how long an unanswered request holds its slot.
const DefaultRequestTTL = 48 * time.Hour

// Meeting is a buyer and an exhibitor meeting at a table in a slot.
type Meeting struct {
	ID          string
	FairID      string
	BuyerID     string
	ProducerID  string
	RequestedBy string // buyer or producer
	Table       int
	StartsAt    time.Time
	EndsAt      time.Time
	Status      MeetingStatus
	RequestedAt time.Time
	DecidedAt   *time.Time
	// Held is what the two sides recorded on the day: nil until then.
	Held *bool
}

// Answer is the other side's answer to a request.
func (m *Meeting) Answer(accept bool, at time.Time) error {
	if m.Status != MeetingRequested {
		return errs.Errorf(errs.Conflict, "meeting %s is %s, not waiting for an answer", m.ID, m.Status)
	}
	m.Status, m.DecidedAt = MeetingDeclined, &at
	if accept {
		m.Status = MeetingAccepted
	}
	return nil
}

// RecordOutcome records whether an accepted meeting took place, from its start on.
func (m *Meeting) RecordOutcome(held bool, now time.Time) error {
	if m.Status != MeetingAccepted {
		return errs.Errorf(errs.Conflict, "meeting %s is %s; only an accepted meeting takes place", m.ID, m.Status)
	}
	if now.Before(m.StartsAt) {
		return errs.Errorf(errs.Conflict, "meeting %s has not started yet", m.ID)
	}
	m.Held = &held
	return nil
}
