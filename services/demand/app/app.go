// Package app holds the demand service's use cases: who may post and read
// demands, and the events posting tells the other services.
package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
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

// Repository stores demands; Create writes the demand and its events in one
// transaction.
type Repository interface {
	Create(ctx context.Context, d domain.Demand, evs []events.Event) error
	Demand(ctx context.Context, id string) (domain.Demand, error)
	List(ctx context.Context, f ListFilter) ([]domain.Demand, error)
}

// Demands is the demand service's use cases.
type Demands struct {
	repo Repository
	now  func() time.Time
}

// New returns the use cases over repo.
func New(repo Repository) *Demands {
	return &Demands{repo: repo, now: time.Now}
}

// Post publishes a buyer's demand: it is stored open and announced to matching.
func (s *Demands) Post(ctx context.Context, who auth.Principal, d domain.Demand) (domain.Demand, error) {
	if !who.Is(auth.RoleBuyer) {
		return domain.Demand{}, errs.Errorf(errs.Forbidden, "only buyers post demands: use a buyer token")
	}
	d.BuyerID = who.OrgID
	if d.ID == "" {
		d.ID = ocop.NewID("d")
	}
	d.Normalise()
	var v errs.Validation
	v.Merge("", d.Validate())
	today := ocop.Today(s.now())
	if d.NeededBy != nil && d.NeededBy.Before(today) {
		v.Add("needed_by", "is in the past (%s); use today or a later date, or null", d.NeededBy.Format(ocop.DateLayout))
	}
	if err := v.Err(); err != nil {
		return domain.Demand{}, err
	}
	now := s.now().UTC()
	d.Status, d.Version, d.PostedAt, d.UpdatedAt = domain.StatusOpen, 1, now, now
	ev, err := events.New(ctx, Source, Subject(d.ID), &demandv1.DemandPosted{Demand: Message(d)})
	if err != nil {
		return domain.Demand{}, err
	}
	return d, s.repo.Create(ctx, d, []events.Event{ev})
}

// Demand returns a demand to its buyer, officials and admins.
func (s *Demands) Demand(ctx context.Context, who auth.Principal, id string) (domain.Demand, error) {
	d, err := s.repo.Demand(ctx, id)
	if err != nil {
		return d, err
	}
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleBuyer) && who.ActsFor(d.BuyerID):
	case who.Is(auth.RoleBuyer):
		return domain.Demand{}, errs.Errorf(errs.Forbidden, "demand %s belongs to another buyer", id)
	default:
		return domain.Demand{}, errs.Errorf(errs.Forbidden, "only the buyer who posted demand %s, officials and admins read it", id)
	}
	return d, nil
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

// Subject is the subject of a demand's events.
func Subject(id string) string { return events.Subject("ocop", "demand", "demand", id) }

// Message is the event form of a demand.
func Message(d domain.Demand) *demandv1.Demand {
	m := &demandv1.Demand{
		Id: d.ID, BuyerId: d.BuyerID, BuyerKind: d.BuyerKind, Title: d.Title, Text: d.Text, Group: d.Group,
		Quantity: d.Quantity, Unit: d.Unit, MaxPriceVnd: d.MaxPriceVND, MinStars: int32(d.MinStars),
		RequiredCertifications: d.RequiredCertifications, DeliveryProvince: d.DeliveryProvince,
		DeliveryLat: d.DeliveryLat, DeliveryLon: d.DeliveryLon, Status: string(d.Status), Version: d.Version,
		PostedAt: d.PostedAt.Format(time.RFC3339Nano),
	}
	if d.NeededBy != nil {
		m.NeededBy = d.NeededBy.Format(ocop.DateLayout)
	}
	return m
}
