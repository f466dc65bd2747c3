// Package app holds the fairs service's use cases: who runs a fair, who may
// lay out booths and book them, and the events each change tells the others.
package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// Source is the CloudEvents source of the fairs service's events.
const Source = "/ocop/fairs"

// Repository stores fairs, booths and bookings; each change is written with
// its events in one transaction.
type Repository interface {
	CreateFair(ctx context.Context, f domain.Fair, evs []events.Event) error
	Fair(ctx context.Context, id string) (domain.Fair, []domain.Booth, error)
	AddBooth(ctx context.Context, b domain.Booth, evs []events.Event) error
	// Book records the booking unless the booth is held or the producer
	// already holds a booth in the fair (errs.Conflict either way).
	Book(ctx context.Context, bk domain.Booking, emit func(domain.Booking) ([]events.Event, error)) (domain.Booking, error)
}

// Fairs is the fairs service's use cases.
type Fairs struct {
	repo Repository
	now  func() time.Time
}

// New returns the use cases over repo.
func New(repo Repository) *Fairs { return &Fairs{repo: repo, now: time.Now} }

// CreateFair publishes a fair run by the calling organiser (or, for an
// admin, by the organiser named).
func (s *Fairs) CreateFair(ctx context.Context, who auth.Principal, f domain.Fair) (domain.Fair, error) {
	switch {
	case who.Is(auth.RoleOrganiser):
		f.OrganiserID = who.OrgID
	case who.Is(auth.RoleAdmin):
		if f.OrganiserID == "" {
			var v errs.Validation
			v.Add("organiser_id", "is required when an admin creates a fair")
			return domain.Fair{}, v.Err()
		}
	default:
		return domain.Fair{}, errs.Errorf(errs.Forbidden, "only organisers create fairs")
	}
	if f.ID == "" {
		f.ID = ocop.NewID("fair")
	}
	f.Normalise()
	if err := f.Validate(); err != nil {
		return domain.Fair{}, err
	}
	now := s.now().UTC()
	f.Status, f.Version, f.CreatedAt, f.UpdatedAt = domain.FairPublished, 1, now, now
	ev, err := events.New(ctx, Source, events.Subject("ocop", "fairs", "fair", f.ID), &fairsv1.FairCreated{Fair: fairMessage(f)})
	if err != nil {
		return domain.Fair{}, err
	}
	return f, s.repo.CreateFair(ctx, f, []events.Event{ev})
}

// Fair returns a fair with its booths; fairs are public.
func (s *Fairs) Fair(ctx context.Context, id string) (domain.Fair, []domain.Booth, error) {
	return s.repo.Fair(ctx, id)
}

// AddBooth lays out a booth in a fair the caller organises.
func (s *Fairs) AddBooth(ctx context.Context, who auth.Principal, fairID string, b domain.Booth) (domain.Booth, error) {
	f, _, err := s.repo.Fair(ctx, fairID)
	if err != nil {
		return domain.Booth{}, err
	}
	if !who.Is(auth.RoleAdmin) && !(who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)) {
		return domain.Booth{}, errs.Errorf(errs.Forbidden, "only the organiser of fair %s lays out its booths", fairID)
	}
	b.FairID = f.ID
	b.ID = ocop.NewID("booth")
	b.Normalise()
	if err := b.Validate(); err != nil {
		return domain.Booth{}, err
	}
	b.CreatedAt = s.now().UTC()
	ev, err := events.New(ctx, Source, events.Subject("ocop", "fairs", "booth", b.ID), &fairsv1.BoothAdded{Booth: &fairsv1.Booth{
		Id: b.ID, FairId: b.FairID, Code: b.Code, Type: b.Type, PriceVnd: b.PriceVND,
	}})
	if err != nil {
		return domain.Booth{}, err
	}
	return b, s.repo.AddBooth(ctx, b, []events.Event{ev})
}

// Book gives the calling producer a booth of a fair, if it is free.
func (s *Fairs) Book(ctx context.Context, who auth.Principal, fairID, boothID string) (domain.Booking, error) {
	if !who.Is(auth.RoleProducer) {
		return domain.Booking{}, errs.Errorf(errs.Forbidden, "only producers book booths: use a producer token")
	}
	bk := domain.Booking{ID: ocop.NewID("bk"), FairID: fairID, BoothID: boothID, ProducerID: who.OrgID, BookedAt: s.now().UTC()}
	return s.repo.Book(ctx, bk, func(bk domain.Booking) ([]events.Event, error) {
		ev, err := events.New(ctx, Source, events.Subject("ocop", "fairs", "booking", bk.ID), &fairsv1.BoothBooked{
			BookingId: bk.ID, FairId: bk.FairID, BoothId: bk.BoothID, BoothCode: bk.BoothCode, ProducerId: bk.ProducerID,
			BookedAt: bk.BookedAt.Format(time.RFC3339Nano),
		})
		return []events.Event{ev}, err
	})
}

func fairMessage(f domain.Fair) *fairsv1.Fair {
	return &fairsv1.Fair{
		Id: f.ID, OrganiserId: f.OrganiserID, Name: f.Name, Venue: f.Venue, Province: f.Province, Lat: f.Lat, Lon: f.Lon,
		StartsOn: f.StartsOn.Format(ocop.DateLayout), EndsOn: f.EndsOn.Format(ocop.DateLayout), Groups: f.Groups,
		Status: string(f.Status),
	}
}
