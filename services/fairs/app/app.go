// Package app holds the fairs service's use cases: organisers running fairs
// from draft to the last meeting, producers applying and booking, buyers
// attending and meeting exhibitors; who may do what, and the events each
// change tells the others.
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

// Source is the CloudEvents source of the fairs service's events.
const Source = "/ocop/fairs"

// Fairs is the fairs service's use cases.
type Fairs struct {
	repo Repository
	now  func() time.Time
	// requestTTL is how long an unanswered meeting request holds its slot.
	requestTTL time.Duration
}

// New returns the use cases over repo; requestTTL 0 takes the default 48 hours.
func New(repo Repository, requestTTL time.Duration) *Fairs {
	if requestTTL <= 0 {
		requestTTL = domain.DefaultRequestTTL
	}
	return &Fairs{repo: repo, now: time.Now, requestTTL: requestTTL}
}

func (s *Fairs) today() time.Time { return ocop.Today(s.now()) }

func subject(kind, id string) string { return events.Subject("ocop", "fairs", kind, id) }

// CreateFair writes a draft fair run by the calling organiser (or, for an
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
	f.Normalise(s.today())
	if err := f.Validate(); err != nil {
		return domain.Fair{}, err
	}
	now := s.now().UTC()
	f.Status, f.Version, f.CreatedAt, f.UpdatedAt = domain.FairDraft, 1, now, now
	err := s.repo.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertFair(ctx, f); err != nil {
			return err
		}
		ev, err := events.New(ctx, Source, subject("fair", f.ID), &fairsv1.FairCreated{Fair: fairMessage(f)})
		tx.Emit(ev)
		return err
	})
	return f, err
}

// organised loads a fair, locked, that the caller organises (or any, for an admin).
func organised(ctx context.Context, tx Tx, who auth.Principal, fairID string) (domain.Fair, error) {
	f, err := tx.Fair(ctx, fairID, true)
	if err != nil {
		return f, err
	}
	if !who.Is(auth.RoleAdmin) && !(who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)) {
		return f, errs.Errorf(errs.Forbidden, "only the organiser of fair %s may do this", fairID)
	}
	return f, nil
}

// Publish announces a draft fair: producers whose products fit its themes
// are told applications open.
func (s *Fairs) Publish(ctx context.Context, who auth.Principal, fairID string) (domain.Fair, error) {
	var out domain.Fair
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := organised(ctx, tx, who, fairID)
		if err != nil {
			return err
		}
		out = f
		switch f.Status {
		case domain.FairPublished:
			return nil
		case domain.FairCancelled:
			return errs.Errorf(errs.Conflict, "fair %s is cancelled", fairID)
		}
		if f.EndsOn.Before(s.today()) {
			return errs.Errorf(errs.Conflict, "fair %s ended on %s", fairID, f.EndsOn.Format(ocop.DateLayout))
		}
		f.Status, f.UpdatedAt = domain.FairPublished, s.now().UTC()
		f.Version++
		out = f
		if err := tx.UpdateFair(ctx, f); err != nil {
			return err
		}
		ev, err := events.New(ctx, Source, subject("fair", f.ID), &fairsv1.FairPublished{Fair: fairMessage(f)})
		tx.Emit(ev)
		return err
	})
	return out, err
}

// Fair returns a fair with its floor. A draft is seen by its organiser and
// admins only.
func (s *Fairs) Fair(ctx context.Context, who auth.Principal, fairID string) (Floor, error) {
	var out Floor
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		if f.Status == domain.FairDraft && !who.Is(auth.RoleAdmin) && !(who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)) {
			return errs.Errorf(errs.NotFound, "no fair %s", fairID)
		}
		out.Fair, out.Phase = f, f.Phase(s.today())
		if out.Halls, err = tx.Halls(ctx, fairID); err != nil {
			return err
		}
		if out.BoothTypes, err = tx.BoothTypes(ctx, fairID); err != nil {
			return err
		}
		out.Booths, err = tx.Booths(ctx, fairID)
		return err
	})
	return out, err
}

// Floor is a fair with its halls, booth types and booths.
type Floor struct {
	Fair       domain.Fair
	Phase      domain.Phase
	Halls      []domain.Hall
	BoothTypes []domain.BoothType
	Booths     []domain.Booth
}

// ListFairs lists published fairs not yet over, soonest first.
func (s *Fairs) ListFairs(ctx context.Context, limit int) ([]domain.Fair, error) {
	return s.repo.Fairs(ctx, FairFilter{Published: true, EndsFrom: s.today(), Limit: limit})
}

// AddHall adds an exhibition hall to a fair the caller organises.
func (s *Fairs) AddHall(ctx context.Context, who auth.Principal, fairID string, h domain.Hall) (domain.Hall, error) {
	if err := h.Validate(); err != nil {
		return h, err
	}
	h.ID, h.FairID = ocop.NewID("hall"), fairID
	return h, s.repo.InTx(ctx, func(tx Tx) error {
		if _, err := organised(ctx, tx, who, fairID); err != nil {
			return err
		}
		return tx.InsertHall(ctx, h)
	})
}

// SetBoothType sets the price and rules of a kind of booth at a fair.
func (s *Fairs) SetBoothType(ctx context.Context, who auth.Principal, t domain.BoothType) (domain.BoothType, error) {
	t.Groups = append([]string{}, t.Groups...)
	if err := t.Validate(); err != nil {
		return t, err
	}
	return t, s.repo.InTx(ctx, func(tx Tx) error {
		if _, err := organised(ctx, tx, who, t.FairID); err != nil {
			return err
		}
		return tx.SaveBoothType(ctx, t)
	})
}

// AddBooth lays out a booth in a fair the caller organises. Placed on a
// hall, it must lie inside it and overlap no other booth; without a price
// it takes its type's.
func (s *Fairs) AddBooth(ctx context.Context, who auth.Principal, fairID string, b domain.Booth) (domain.Booth, error) {
	b.Normalise()
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.ID, b.FairID, b.CreatedAt = ocop.NewID("booth"), fairID, s.now().UTC()
	err := s.repo.InTx(ctx, func(tx Tx) error {
		if _, err := organised(ctx, tx, who, fairID); err != nil {
			return err
		}
		if b.PriceVND == 0 {
			types, err := tx.BoothTypes(ctx, fairID)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(types, func(t domain.BoothType) bool { return t.Type == b.Type })
			if i < 0 {
				var v errs.Validation
				v.Add("price_vnd", "give a price, or set the price of %s booths first (PUT /v1/fairs/%s/booth-types/%s)", b.Type, fairID, b.Type)
				return v.Err()
			}
			b.PriceVND = types[i].PriceVND
		}
		if b.HallID != "" {
			hall, err := tx.Hall(ctx, fairID, b.HallID)
			if err != nil {
				return err
			}
			var v errs.Validation
			v.Check(b.Fits(hall), "x", "the booth must lie inside hall %s (%d×%d cells)", hall.Name, hall.Width, hall.Height)
			booths, err := tx.Booths(ctx, fairID)
			if err != nil {
				return err
			}
			for _, o := range booths {
				if b.Overlaps(o) {
					return errs.Errorf(errs.Conflict, "the booth would overlap booth %s", o.Code)
				}
			}
			if err := v.Err(); err != nil {
				return err
			}
		}
		if err := tx.InsertBooth(ctx, b); err != nil {
			return err
		}
		ev, err := events.New(ctx, Source, subject("booth", b.ID), &fairsv1.BoothAdded{Booth: &fairsv1.Booth{
			Id: b.ID, FairId: b.FairID, Code: b.Code, Type: b.Type, PriceVnd: b.PriceVND,
		}})
		tx.Emit(ev)
		return err
	})
	return b, err
}

func fairMessage(f domain.Fair) *fairsv1.Fair {
	return &fairsv1.Fair{
		Id: f.ID, OrganiserId: f.OrganiserID, Name: f.Name, Venue: f.Venue, Province: f.Province, Lat: f.Lat, Lon: f.Lon,
		StartsOn: f.StartsOn.Format(ocop.DateLayout), EndsOn: f.EndsOn.Format(ocop.DateLayout), Groups: f.Groups,
		Categories: f.Categories, Status: string(f.Status),
		ApplicationsOpenOn: f.ApplicationsOpenOn.Format(ocop.DateLayout), ApplicationsCloseOn: f.ApplicationsCloseOn.Format(ocop.DateLayout),
		MeetingSlotMinutes: int32(f.Meetings.SlotMinutes), MeetingDayStart: domain.Clock(f.Meetings.DayStart),
		MeetingDayEnd: domain.Clock(f.Meetings.DayEnd), MeetingTables: int32(f.Meetings.Tables),
	}
}
