package app

import (
	"context"
	"slices"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// MeetingRequest is one side asking the other to meet.
type MeetingRequest struct {
	// With is the other side: an exhibiting producer for a buyer, a
	// registered buyer for an exhibitor.
	With     string
	StartsAt time.Time
	// Table, when zero, is the first free table.
	Table int
}

// RequestMeeting asks for a B2B meeting in a slot. Both sides must take part
// in the fair (a registered buyer, an exhibitor holding a booth); neither
// side and no table may be held in that slot. A request unanswered past the
// request time stops holding the slot.
func (s *Fairs) RequestMeeting(ctx context.Context, who auth.Principal, fairID string, r MeetingRequest) (domain.Meeting, error) {
	var m domain.Meeting
	switch {
	case who.Is(auth.RoleBuyer):
		m = domain.Meeting{BuyerID: who.OrgID, ProducerID: r.With, RequestedBy: "buyer"}
	case who.Is(auth.RoleProducer):
		m = domain.Meeting{BuyerID: r.With, ProducerID: who.OrgID, RequestedBy: "producer"}
	default:
		return m, errs.Errorf(errs.Forbidden, "buyers and exhibitors request meetings")
	}
	var v errs.Validation
	v.Check(ocop.ValidID(r.With), "with", "give the id of the exhibitor (for a buyer) or of the buyer (for an exhibitor)")
	v.Check(r.Table >= 0, "table", "must be a table number, or 0 for any free table")
	if err := v.Err(); err != nil {
		return m, err
	}
	m.ID, m.FairID, m.Status, m.RequestedAt = ocop.NewID("mtg"), fairID, domain.MeetingRequested, s.now().UTC()
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		if phase := f.Phase(s.today()); phase == domain.PhaseDraft || phase == domain.PhaseFinished || phase == domain.PhaseCancelled {
			return errs.Errorf(errs.Conflict, "fair %s is %s: no meetings", fairID, phase)
		}
		if !f.IsSlot(r.StartsAt) {
			var v errs.Validation
			v.Add("starts_at", "is not a meeting slot of the fair: %d-minute slots from %s to %s each day, Vietnam time",
				f.Meetings.SlotMinutes, domain.Clock(f.Meetings.DayStart), domain.Clock(f.Meetings.DayEnd))
			return v.Err()
		}
		if !r.StartsAt.After(s.now()) {
			return errs.Errorf(errs.Conflict, "the slot has already begun")
		}
		if r.Table > f.Meetings.Tables {
			var v errs.Validation
			v.Add("table", "the fair has tables 1 to %d", f.Meetings.Tables)
			return v.Err()
		}
		if err := s.takingPart(ctx, tx, fairID, m.BuyerID, m.ProducerID); err != nil {
			return err
		}
		if err := tx.LockSlot(ctx, fairID, r.StartsAt); err != nil {
			return err
		}
		expired, err := tx.ExpireRequests(ctx, fairID, r.StartsAt, s.now().Add(-s.requestTTL))
		if err != nil {
			return err
		}
		for _, e := range expired {
			if err := emitMeeting(ctx, tx, f, e, false); err != nil {
				return err
			}
		}
		tables, buyers, producers, err := tx.Busy(ctx, fairID, r.StartsAt)
		if err != nil {
			return err
		}
		switch {
		case slices.Contains(buyers, m.BuyerID):
			return errs.Errorf(errs.Conflict, "buyer %s already has a meeting at that time", m.BuyerID)
		case slices.Contains(producers, m.ProducerID):
			return errs.Errorf(errs.Conflict, "exhibitor %s already has a meeting at that time", m.ProducerID)
		case r.Table > 0 && slices.Contains(tables, r.Table):
			return errs.Errorf(errs.Conflict, "table %d is taken at that time", r.Table)
		}
		m.Table = r.Table
		for t := 1; m.Table == 0 && t <= f.Meetings.Tables; t++ {
			if !slices.Contains(tables, t) {
				m.Table = t
			}
		}
		if m.Table == 0 {
			return errs.Errorf(errs.Conflict, "every table is taken at that time: choose another slot")
		}
		m.StartsAt, m.EndsAt = r.StartsAt, r.StartsAt.Add(time.Duration(f.Meetings.SlotMinutes)*time.Minute)
		if err := tx.InsertMeeting(ctx, m); err != nil {
			return err
		}
		return emitMeeting(ctx, tx, f, m, true)
	})
	return m, err
}

// takingPart checks that the buyer attends and the producer exhibits.
func (s *Fairs) takingPart(ctx context.Context, tx Tx, fairID, buyerID, producerID string) error {
	attends, err := tx.IsParticipant(ctx, fairID, buyerID)
	if err != nil {
		return err
	}
	booking, err := tx.BookingOf(ctx, fairID, producerID)
	if err != nil {
		return err
	}
	switch {
	case !attends:
		return errs.Errorf(errs.Forbidden, "buyer %s has not registered for fair %s", buyerID, fairID)
	case booking == nil:
		return errs.Errorf(errs.Forbidden, "producer %s holds no booth at fair %s", producerID, fairID)
	}
	return nil
}

func emitMeeting(ctx context.Context, tx Tx, f domain.Fair, m domain.Meeting, requested bool) error {
	msg := &fairsv1.Meeting{
		Id: m.ID, FairId: f.ID, FairName: f.Name, BuyerId: m.BuyerID, ProducerId: m.ProducerID, RequestedBy: m.RequestedBy,
		Table: int32(m.Table), StartsAt: m.StartsAt.Format(time.RFC3339), EndsAt: m.EndsAt.Format(time.RFC3339), Status: string(m.Status),
	}
	var (
		ev  events.Event
		err error
	)
	if requested {
		ev, err = events.New(ctx, Source, subject("meeting", m.ID), &fairsv1.MeetingRequested{Meeting: msg})
	} else {
		ev, err = events.New(ctx, Source, subject("meeting", m.ID), &fairsv1.MeetingDecided{Meeting: msg})
	}
	tx.Emit(ev)
	return err
}

// MeetingAction is what a side does with a meeting.
type MeetingAction string

const (
	AcceptMeeting  MeetingAction = "accept"
	DeclineMeeting MeetingAction = "decline"
	CancelMeeting  MeetingAction = "cancel"
)

// ActOnMeeting lets the asked side accept or decline a request, and either
// side cancel a live meeting.
func (s *Fairs) ActOnMeeting(ctx context.Context, who auth.Principal, meetingID string, action MeetingAction) (domain.Meeting, error) {
	var out domain.Meeting
	err := s.repo.InTx(ctx, func(tx Tx) error {
		m, err := tx.Meeting(ctx, meetingID)
		if err != nil {
			return err
		}
		side := sideOf(who, m)
		if side == "" {
			return errs.Errorf(errs.Forbidden, "meeting %s is between buyer %s and exhibitor %s", m.ID, m.BuyerID, m.ProducerID)
		}
		now := s.now().UTC()
		if m.Status == domain.MeetingRequested && now.Sub(m.RequestedAt) > s.requestTTL {
			m.Status, m.DecidedAt = domain.MeetingExpired, &now
		}
		switch action {
		case AcceptMeeting, DeclineMeeting:
			if side == m.RequestedBy && m.Status == domain.MeetingRequested {
				return errs.Errorf(errs.Forbidden, "the other side answers a request")
			}
			err = m.Answer(action == AcceptMeeting, now)
		case CancelMeeting:
			if !m.Status.Holds() {
				err = errs.Errorf(errs.Conflict, "meeting %s is %s", m.ID, m.Status)
			} else {
				m.Status, m.DecidedAt = domain.MeetingCancelled, &now
			}
		}
		if err != nil {
			return err
		}
		out = m
		if err := tx.UpdateMeeting(ctx, m); err != nil {
			return err
		}
		f, err := tx.Fair(ctx, m.FairID, false)
		if err != nil {
			return err
		}
		return emitMeeting(ctx, tx, f, m, false)
	})
	return out, err
}

// RecordOutcome records, from the meeting's start on, whether it took place.
func (s *Fairs) RecordOutcome(ctx context.Context, who auth.Principal, meetingID string, held bool) (domain.Meeting, error) {
	var out domain.Meeting
	err := s.repo.InTx(ctx, func(tx Tx) error {
		m, err := tx.Meeting(ctx, meetingID)
		if err != nil {
			return err
		}
		if sideOf(who, m) == "" {
			return errs.Errorf(errs.Forbidden, "only the two sides of meeting %s record whether it took place", m.ID)
		}
		if err := m.RecordOutcome(held, s.now()); err != nil {
			return err
		}
		out = m
		return tx.UpdateMeeting(ctx, m)
	})
	return out, err
}

func sideOf(who auth.Principal, m domain.Meeting) string {
	switch {
	case who.Is(auth.RoleBuyer) && who.ActsFor(m.BuyerID):
		return "buyer"
	case who.Is(auth.RoleProducer) && who.ActsFor(m.ProducerID):
		return "producer"
	}
	return ""
}

// ExpireMeetingRequests expires every request left unanswered past the
// request time and tells both sides; it returns how many it expired.
func (s *Fairs) ExpireMeetingRequests(ctx context.Context) (int, error) {
	n := 0
	err := s.repo.InTx(ctx, func(tx Tx) error {
		expired, err := tx.ExpireStaleRequests(ctx, s.now().Add(-s.requestTTL))
		if err != nil {
			return err
		}
		for _, m := range expired {
			f, err := tx.Fair(ctx, m.FairID, false)
			if err != nil {
				return err
			}
			if err := emitMeeting(ctx, tx, f, m, false); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// Agenda returns the caller's live meetings at a fair, in time order: a
// buyer's or an exhibitor's own, every one to the organiser.
func (s *Fairs) Agenda(ctx context.Context, who auth.Principal, fairID string) (domain.Fair, []domain.Meeting, error) {
	var f domain.Fair
	err := s.repo.InTx(ctx, func(tx Tx) error {
		var err error
		f, err = tx.Fair(ctx, fairID, false)
		return err
	})
	if err != nil {
		return f, nil, err
	}
	filter := MeetingFilter{FairID: fairID, Live: true}
	switch {
	case who.Is(auth.RoleBuyer):
		filter.BuyerID = who.OrgID
	case who.Is(auth.RoleProducer):
		filter.ProducerID = who.OrgID
	case who.Is(auth.RoleAdmin, auth.RoleOfficial) || (who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)):
	default:
		return f, nil, errs.Errorf(errs.Forbidden, "an agenda belongs to a buyer, an exhibitor or the fair's organiser")
	}
	ms, err := s.repo.Meetings(ctx, filter)
	return f, ms, err
}

// FreeSlot is a meeting slot with its free tables.
type FreeSlot struct {
	StartsAt   time.Time
	FreeTables int
}

// FreeSlots returns the fair's coming slots with a free table where neither
// the caller nor, when given, the other side is busy.
func (s *Fairs) FreeSlots(ctx context.Context, who auth.Principal, fairID, with string) ([]FreeSlot, error) {
	var buyer, producer string
	switch {
	case who.Is(auth.RoleBuyer):
		buyer, producer = who.OrgID, with
	case who.Is(auth.RoleProducer):
		buyer, producer = with, who.OrgID
	default:
		return nil, errs.Errorf(errs.Forbidden, "free slots are looked up by buyers and exhibitors")
	}
	var out []FreeSlot
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		for _, at := range f.Slots() {
			if !at.After(s.now()) {
				continue
			}
			tables, buyers, producers, err := tx.Busy(ctx, fairID, at)
			if err != nil {
				return err
			}
			if (buyer != "" && slices.Contains(buyers, buyer)) || (producer != "" && slices.Contains(producers, producer)) {
				continue
			}
			if free := f.Meetings.Tables - len(tables); free > 0 {
				out = append(out, FreeSlot{StartsAt: at, FreeTables: free})
			}
		}
		return nil
	})
	return out, err
}
