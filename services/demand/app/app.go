// Package app holds the demand service's use cases: buyers' demands from draft
// to award, producers' quotes, the deals that follow, and the officials'
// figures; who may do what, and the events each change tells the others.
package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// Source is the CloudEvents source of the demand service's events.
const Source = "/ocop/demand"

// Cursor is the position after which a page of demands starts (newest first).
type Cursor struct {
	PostedAt time.Time `json:"t"`
	ID       string    `json:"id"`
}

// ListFilter narrows a listing.
type ListFilter struct {
	BuyerID string // empty: every buyer's
	Status  string // empty: any status
	After   *Cursor
	Limit   int
}

// Demands is the demand service's use cases.
type Demands struct {
	repo Repository
	now  func() time.Time
}

// New returns the use cases over repo, reading the time from now.
func New(repo Repository, now func() time.Time) *Demands {
	return &Demands{repo: repo, now: func() time.Time {
		// PostgreSQL keeps microseconds: an instant handed out in a response
		// or an event must be the one read back later.
		return now().UTC().Truncate(time.Microsecond)
	}}
}

// Post stores a buyer's demand, open unless asDraft; an open demand is
// announced to matching. A registered buyer's kind is filled in.
func (s *Demands) Post(ctx context.Context, who auth.Principal, d domain.Demand, asDraft bool) (domain.Demand, error) {
	if err := s.prepare(ctx, who, &d); err != nil {
		return domain.Demand{}, err
	}
	now := s.now()
	d.Status, d.Version, d.PostedAt, d.CreatedAt, d.UpdatedAt = domain.StatusOpen, 1, now, now, now
	if asDraft {
		d.Status = domain.StatusDraft
	}
	var evs []events.Event
	if !asDraft {
		ev, err := demandPosted(ctx, d)
		if err != nil {
			return domain.Demand{}, err
		}
		evs = append(evs, ev)
	}
	return d, s.repo.CreateDemand(ctx, d, evs)
}

// Check reports every problem Post would find with d and stores nothing: the
// API adds them to those it found reading the body, so one answer lists all.
func (s *Demands) Check(ctx context.Context, who auth.Principal, d domain.Demand) error {
	return s.prepare(ctx, who, &d)
}

// prepare makes d the caller's demand, with an id, and checks it.
func (s *Demands) prepare(ctx context.Context, who auth.Principal, d *domain.Demand) error {
	if !who.Is(auth.RoleBuyer) {
		return errs.Errorf(errs.Forbidden, "only buyers post demands: use a buyer token")
	}
	d.BuyerID = who.OrgID
	if d.BuyerKind == "" {
		if b, err := s.repo.Buyer(ctx, who.OrgID); err == nil {
			d.BuyerKind = b.Kind
		}
	}
	if d.ID == "" {
		d.ID = ocop.NewID("d")
	}
	return s.check(d)
}

// check normalises and validates what a buyer may set, with the date
// needed not in the past.
func (s *Demands) check(d *domain.Demand) error {
	d.Normalise()
	var v errs.Validation
	v.Merge("", d.Validate())
	if d.NeededBy != nil && d.NeededBy.Before(ocop.Today(s.now())) {
		v.Add("needed_by", "is in the past (%s); use today or a later date, or null", d.NeededBy.Format(ocop.DateLayout))
	}
	return v.Err()
}

// Edit changes a draft or open demand. An open demand's new state is
// announced, and matching ranks it again.
func (s *Demands) Edit(ctx context.Context, who auth.Principal, id string, change func(*domain.Demand)) (domain.Demand, error) {
	return s.repo.UpdateDemand(ctx, id, func(d *domain.Demand) ([]events.Event, error) {
		if err := ownDemand(who, *d); err != nil {
			return nil, err
		}
		if !d.Status.Editable() {
			return nil, errs.Errorf(errs.Conflict, "demand %s is %s and can no longer be changed", d.ID, d.Status)
		}
		change(d)
		if err := s.check(d); err != nil {
			return nil, err
		}
		d.UpdatedAt = s.now()
		if d.Status == domain.StatusDraft {
			return nil, nil
		}
		d.Version++
		ev, err := events.New(ctx, Source, Subject(d.ID), demandUpdated(*d))
		return []events.Event{ev}, err
	})
}

// Publish opens a draft: matching ranks it and producers are told.
func (s *Demands) Publish(ctx context.Context, who auth.Principal, id string) (domain.Demand, error) {
	return s.repo.UpdateDemand(ctx, id, func(d *domain.Demand) ([]events.Event, error) {
		if err := ownDemand(who, *d); err != nil {
			return nil, err
		}
		if d.Status == domain.StatusOpen {
			return nil, nil
		}
		if d.Status != domain.StatusDraft {
			return nil, errs.Errorf(errs.Conflict, "demand %s is %s; only a draft is published", d.ID, d.Status)
		}
		if err := s.check(d); err != nil {
			return nil, err
		}
		now := s.now()
		d.Status, d.PostedAt, d.UpdatedAt = domain.StatusOpen, now, now
		d.Version++
		ev, err := demandPosted(ctx, *d)
		return []events.Event{ev}, err
	})
}

// Close withdraws a demand; it takes no more quotes.
func (s *Demands) Close(ctx context.Context, who auth.Principal, id, reason string) (domain.Demand, error) {
	return s.repo.UpdateDemand(ctx, id, func(d *domain.Demand) ([]events.Event, error) {
		if err := ownDemand(who, *d); err != nil {
			return nil, err
		}
		if d.Status == domain.StatusClosed {
			return nil, nil
		}
		if !d.Status.Editable() {
			return nil, errs.Errorf(errs.Conflict, "demand %s is already %s", d.ID, d.Status)
		}
		wasOpen := d.Status == domain.StatusOpen
		d.Status, d.ClosedReason, d.UpdatedAt = domain.StatusClosed, reason, s.now()
		d.Version++
		if !wasOpen {
			return nil, nil
		}
		ev, err := demandClosed(ctx, *d)
		return []events.Event{ev}, err
	})
}

// ExpireDemands closes open demands whose date needed has passed; it returns
// how many it expired.
func (s *Demands) ExpireDemands(ctx context.Context) (int, error) {
	return s.repo.ExpireDemands(ctx, ocop.Today(s.now()), func(d *domain.Demand) (events.Event, error) {
		d.Status, d.ClosedReason, d.UpdatedAt = domain.StatusExpired, "the date needed has passed", s.now()
		d.Version++
		return demandClosed(ctx, *d)
	})
}

// Demand returns a demand to its buyer, officials and admins.
func (s *Demands) Demand(ctx context.Context, who auth.Principal, id string) (domain.Demand, error) {
	d, err := s.repo.Demand(ctx, id)
	if err != nil {
		return d, err
	}
	if who.Is(auth.RoleOfficial, auth.RoleAdmin) {
		return d, nil
	}
	return d, ownDemand(who, d)
}

// List returns a buyer's own demands, or every demand to officials and admins.
func (s *Demands) List(ctx context.Context, who auth.Principal, f ListFilter) ([]domain.Demand, error) {
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleBuyer):
		f.BuyerID = who.OrgID
	default:
		return nil, errs.Errorf(errs.Forbidden, "demands are listed for buyers (their own), officials and admins")
	}
	return s.repo.List(ctx, f)
}

func ownDemand(who auth.Principal, d domain.Demand) error {
	switch {
	case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
		return nil
	case who.Is(auth.RoleBuyer):
		return errs.Errorf(errs.Forbidden, "demand %s belongs to another buyer", d.ID)
	default:
		return errs.Errorf(errs.Forbidden, "only the buyer who posted demand %s may do this", d.ID)
	}
}
