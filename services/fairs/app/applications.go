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

// Apply asks for a booth at a fair whose applications are open, to show the
// producer's own products; they must fit the fair's themes, carry a valid
// OCOP rating and meet the rules of the booth type asked for.
func (s *Fairs) Apply(ctx context.Context, who auth.Principal, fairID string, a domain.Application) (domain.Application, error) {
	if !who.Is(auth.RoleProducer) {
		return a, errs.Errorf(errs.Forbidden, "only producers apply for booths: use a producer token")
	}
	a.ProductIDs = slices.Compact(slices.Sorted(slices.Values(a.ProductIDs)))
	if err := a.Validate(); err != nil {
		return a, err
	}
	a.ID, a.FairID, a.ProducerID = ocop.NewID("app"), fairID, who.OrgID
	a.Status, a.SubmittedAt = domain.ApplicationSubmitted, s.now().UTC()
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		if phase := f.Phase(s.today()); phase != domain.PhaseApplicationsOpen {
			return errs.Errorf(errs.Conflict, "fair %s takes applications from %s to %s; it is %s",
				fairID, f.ApplicationsOpenOn.Format(ocop.DateLayout), f.ApplicationsCloseOn.Format(ocop.DateLayout), phase)
		}
		products, err := s.showable(ctx, tx, f, who.OrgID, a.ProductIDs)
		if err != nil {
			return err
		}
		if a.BoothType != "" {
			types, err := tx.BoothTypes(ctx, fairID)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(types, func(t domain.BoothType) bool { return t.Type == a.BoothType })
			var v errs.Validation
			if i < 0 {
				v.Add("booth_type", "fair %s offers no %s booths", fairID, a.BoothType)
			} else if ok, why := types[i].Admits(products, s.today()); !ok {
				v.Add("booth_type", "%s", why)
			}
			if err := v.Err(); err != nil {
				return err
			}
		}
		if err := tx.InsertApplication(ctx, a); err != nil {
			return err
		}
		ev, err := events.New(ctx, Source, subject("application", a.ID), &fairsv1.ApplicationSubmitted{
			ApplicationId: a.ID, FairId: f.ID, FairName: f.Name, OrganiserId: f.OrganiserID, ProducerId: a.ProducerID, ProductIds: a.ProductIDs,
		})
		tx.Emit(ev)
		return err
	})
	return a, err
}

// showable loads the products an exhibitor will show: each the producer's
// own, listed, with a valid rating and fitting the fair's themes.
func (s *Fairs) showable(ctx context.Context, tx Tx, f domain.Fair, producerID string, ids []string) ([]domain.Product, error) {
	products, err := tx.Products(ctx, ids)
	if err != nil {
		return nil, err
	}
	var v errs.Validation
	for _, id := range ids {
		i := slices.IndexFunc(products, func(p domain.Product) bool { return p.ID == id })
		switch {
		case i < 0 || products[i].Withdrawn:
			v.Add("product_ids", "%s is not a listed product (it may not have reached the fairs service yet: retry in a moment)", id)
		case products[i].ProducerID != producerID:
			v.Add("product_ids", "%s is another producer's product", id)
		case !ocop.RatingValidOn(products[i].ExpiresOn, s.today()):
			v.Add("product_ids", "%s has no valid OCOP rating", id)
		case !f.Features(products[i].Group, products[i].Category):
			v.Add("product_ids", "%s does not fit the fair's themes", id)
		default:
			continue
		}
		break
	}
	return products, v.Err()
}

// Decision is what an organiser does with an application.
type Decision string

const (
	Approve  Decision = "approve"
	Reject   Decision = "reject"
	Waitlist Decision = "waitlist"
)

// DecideApplication approves, rejects or waitlists an application. An
// approval may allocate a booth at once; otherwise the producer books one.
func (s *Fairs) DecideApplication(ctx context.Context, who auth.Principal, fairID, applicationID string, d Decision, boothID string) (domain.Application, *domain.Booking, error) {
	to := map[Decision]domain.ApplicationStatus{Approve: domain.ApplicationApproved, Reject: domain.ApplicationRejected, Waitlist: domain.ApplicationWaitlisted}[d]
	var (
		out     domain.Application
		booking *domain.Booking
	)
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := organised(ctx, tx, who, fairID)
		if err != nil {
			return err
		}
		a, err := tx.Application(ctx, fairID, applicationID)
		if err != nil {
			return err
		}
		if boothID != "" && to != domain.ApplicationApproved {
			var v errs.Validation
			v.Add("booth_id", "a booth is allocated only on approval")
			return v.Err()
		}
		if err := s.decide(ctx, tx, f, &a, to); err != nil {
			return err
		}
		out = a
		if boothID == "" {
			return nil
		}
		bk, err := s.book(ctx, tx, f, a, boothID)
		booking = &bk
		return err
	})
	return out, booking, err
}

func (s *Fairs) decide(ctx context.Context, tx Tx, f domain.Fair, a *domain.Application, to domain.ApplicationStatus) error {
	if a.Status == to {
		return nil
	}
	if err := a.Decide(to, s.now().UTC()); err != nil {
		return err
	}
	if err := tx.UpdateApplication(ctx, *a); err != nil {
		return err
	}
	ev, err := events.New(ctx, Source, subject("application", a.ID), &fairsv1.ApplicationDecided{
		ApplicationId: a.ID, FairId: f.ID, FairName: f.Name, ProducerId: a.ProducerID, Status: string(a.Status),
	})
	tx.Emit(ev)
	return err
}

// Book gives the calling producer, approved to exhibit, a free booth whose
// type admits the products it will show.
func (s *Fairs) Book(ctx context.Context, who auth.Principal, fairID, boothID string) (domain.Booking, error) {
	if !who.Is(auth.RoleProducer) {
		return domain.Booking{}, errs.Errorf(errs.Forbidden, "only producers book booths: use a producer token")
	}
	var out domain.Booking
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		apps, err := tx.Applications(ctx, fairID, who.OrgID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(apps, func(a domain.Application) bool { return a.Status == domain.ApplicationApproved })
		if i < 0 {
			return errs.Errorf(errs.Forbidden, "apply to fair %s and be approved before booking a booth", fairID)
		}
		out, err = s.book(ctx, tx, f, apps[i], boothID)
		return err
	})
	return out, err
}

// book allocates a booth to an approved application.
func (s *Fairs) book(ctx context.Context, tx Tx, f domain.Fair, a domain.Application, boothID string) (domain.Booking, error) {
	if phase := f.Phase(s.today()); phase == domain.PhaseFinished || phase == domain.PhaseCancelled {
		return domain.Booking{}, errs.Errorf(errs.Conflict, "fair %s is %s", f.ID, phase)
	}
	booths, err := tx.Booths(ctx, f.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	i := slices.IndexFunc(booths, func(b domain.Booth) bool { return b.ID == boothID })
	if i < 0 {
		return domain.Booking{}, errs.Errorf(errs.NotFound, "fair %s has no booth %s", f.ID, boothID)
	}
	booth := booths[i]
	types, err := tx.BoothTypes(ctx, f.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	if t := slices.IndexFunc(types, func(t domain.BoothType) bool { return t.Type == booth.Type }); t >= 0 {
		products, err := tx.Products(ctx, a.ProductIDs)
		if err != nil {
			return domain.Booking{}, err
		}
		if ok, why := types[t].Admits(products, s.today()); !ok {
			return domain.Booking{}, errs.Errorf(errs.Forbidden, "booth %s is a %s booth: %s", booth.Code, booth.Type, why)
		}
	}
	bk := domain.Booking{ID: ocop.NewID("bk"), FairID: f.ID, BoothID: booth.ID, BoothCode: booth.Code, ProducerID: a.ProducerID,
		ApplicationID: a.ID, BookedAt: s.now().UTC()}
	if err := tx.InsertBooking(ctx, bk); err != nil {
		return bk, err
	}
	ev, err := events.New(ctx, Source, subject("booking", bk.ID), &fairsv1.BoothBooked{
		BookingId: bk.ID, FairId: f.ID, BoothId: bk.BoothID, BoothCode: bk.BoothCode, ProducerId: bk.ProducerID,
		BookedAt: bk.BookedAt.Format(time.RFC3339Nano), ProductIds: a.ProductIDs, FairName: f.Name, OrganiserId: f.OrganiserID,
	})
	tx.Emit(ev)
	return bk, err
}

// CancelBooking frees a booth (its producer or the organiser) and promotes
// the first waitlisted application the booth's type admits.
func (s *Fairs) CancelBooking(ctx context.Context, who auth.Principal, fairID, bookingID, reason string) (*domain.Booking, error) {
	var promoted *domain.Booking
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, true)
		if err != nil {
			return err
		}
		bk, err := tx.Booking(ctx, fairID, bookingID)
		if err != nil {
			return err
		}
		organiser := who.Is(auth.RoleAdmin) || (who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID))
		if !organiser && !(who.Is(auth.RoleProducer) && who.ActsFor(bk.ProducerID)) {
			return errs.Errorf(errs.Forbidden, "only the booking's producer or the fair's organiser cancel it")
		}
		if err := tx.CancelBooking(ctx, bk.ID); err != nil {
			return err
		}
		ev, err := events.New(ctx, Source, subject("booking", bk.ID), &fairsv1.BookingCancelled{
			BookingId: bk.ID, FairId: f.ID, BoothId: bk.BoothID, BoothCode: bk.BoothCode, ProducerId: bk.ProducerID, Reason: reason,
		})
		if err != nil {
			return err
		}
		tx.Emit(ev)
		promoted, err = s.promote(ctx, tx, f, bk.BoothID)
		return err
	})
	return promoted, err
}

// promote approves the first waitlisted application that the freed booth
// admits and gives it the booth.
func (s *Fairs) promote(ctx context.Context, tx Tx, f domain.Fair, boothID string) (*domain.Booking, error) {
	apps, err := tx.Applications(ctx, f.ID, "")
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if a.Status != domain.ApplicationWaitlisted {
			continue
		}
		bk, err := s.book(ctx, tx, f, a, boothID)
		if errs.Is(err, errs.Forbidden) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := s.decide(ctx, tx, f, &a, domain.ApplicationApproved); err != nil {
			return nil, err
		}
		return &bk, nil
	}
	return nil, nil
}

// Applications lists a fair's applications: all to its organiser, a
// producer's own to that producer.
func (s *Fairs) Applications(ctx context.Context, who auth.Principal, fairID string) ([]domain.Application, error) {
	var out []domain.Application
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		switch {
		case who.Is(auth.RoleAdmin, auth.RoleOfficial) || (who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)):
			out, err = tx.Applications(ctx, fairID, "")
		case who.Is(auth.RoleProducer):
			out, err = tx.Applications(ctx, fairID, who.OrgID)
		default:
			err = errs.Errorf(errs.Forbidden, "applications are seen by the fair's organiser and the applying producers")
		}
		return err
	})
	return out, err
}

// Attend registers the calling buyer at a published fair.
func (s *Fairs) Attend(ctx context.Context, who auth.Principal, fairID string) error {
	if !who.Is(auth.RoleBuyer) {
		return errs.Errorf(errs.Forbidden, "buyers register to attend: use a buyer token")
	}
	return s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		switch f.Phase(s.today()) {
		case domain.PhaseDraft:
			return errs.Errorf(errs.NotFound, "no fair %s", fairID)
		case domain.PhaseFinished, domain.PhaseCancelled:
			return errs.Errorf(errs.Conflict, "fair %s is over", fairID)
		}
		added, err := tx.InsertParticipant(ctx, fairID, who.OrgID, s.now().UTC())
		if err != nil || !added {
			return err
		}
		ev, err := events.New(ctx, Source, events.Subject("ocop", "fairs", "participant", fairID, who.OrgID), &fairsv1.ParticipantRegistered{
			FairId: fairID, BuyerId: who.OrgID,
		})
		tx.Emit(ev)
		return err
	})
}

// CheckIn records an exhibitor or buyer arriving at the fair; the organiser does it.
func (s *Fairs) CheckIn(ctx context.Context, who auth.Principal, fairID, role, orgID string) error {
	return s.repo.InTx(ctx, func(tx Tx) error {
		f, err := organised(ctx, tx, who, fairID)
		if err != nil {
			return err
		}
		if phase := f.Phase(s.today()); phase != domain.PhaseRunning {
			return errs.Errorf(errs.Conflict, "check-in is on the days of the fair; it is %s", phase)
		}
		var v errs.Validation
		switch role {
		case "producer":
			bk, err := tx.BookingOf(ctx, fairID, orgID)
			if err != nil {
				return err
			}
			v.Check(bk != nil, "producer_id", "%s holds no booth at this fair", orgID)
		case "buyer":
			ok, err := tx.IsParticipant(ctx, fairID, orgID)
			if err != nil {
				return err
			}
			v.Check(ok, "buyer_id", "%s has not registered for this fair", orgID)
		default:
			v.Add("producer_id", "give the producer_id of an exhibitor or the buyer_id of a registered buyer")
		}
		if err := v.Err(); err != nil {
			return err
		}
		return tx.Checkin(ctx, fairID, role, orgID, s.now().UTC())
	})
}
