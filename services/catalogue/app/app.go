// Package app holds the catalogue's use cases: who may change what, and which
// events each change tells the other services.
package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// Source is the CloudEvents source of the catalogue's events.
const Source = "/ocop/catalogue"

// Emit builds the events of a product change from the state written; the
// repository calls it inside the change's transaction.
type Emit func(ctx context.Context, product domain.Product, producer domain.Producer) ([]events.Event, error)

// EmitProducer builds the events of a producer change: the producer's own
// and one per product, since product events carry the producer's place.
type EmitProducer func(ctx context.Context, producer domain.Producer, products []domain.Product) ([]events.Event, error)

// Repository stores producers and products. Every method that changes state
// writes the events of the change in the same transaction.
type Repository interface {
	CreateProducer(ctx context.Context, p domain.Producer, emit EmitProducer) error
	UpdateProducer(ctx context.Context, id string, fn func(*domain.Producer) error, emit EmitProducer) (domain.Producer, error)
	Producer(ctx context.Context, id string) (domain.Producer, error)
	CreateProduct(ctx context.Context, p domain.Product, emit Emit) (domain.Product, error)
	Product(ctx context.Context, id string) (domain.Product, error)
	// UpdateProduct loads the product for update, applies fn and writes the result.
	UpdateProduct(ctx context.Context, id string, fn func(*domain.Product) error, emit Emit) (domain.Product, error)
	ListProducts(ctx context.Context, f ProductFilter) ([]ListedProduct, Facets, error)
	EachProduct(ctx context.Context, fn func(domain.Product, domain.Producer) error) error
	Import(ctx context.Context, dryRun bool, fn func(ImportTx) error) error
	RemindExpiringRatings(ctx context.Context, today time.Time, daysLeft []int, emit func(context.Context, domain.Product, int) (events.Event, error)) (int, error)
}

// ErrUnchanged, returned by an update function, leaves the record as it was
// and emits no event; the repository returns the record without error.
var ErrUnchanged = errs.Errorf(errs.Conflict, "unchanged")

// Catalogue is the catalogue's use cases.
type Catalogue struct {
	repo Repository
	now  func() time.Time
}

// New returns the use cases over repo.
func New(repo Repository) *Catalogue {
	return &Catalogue{repo: repo, now: time.Now}
}

// CreateProducer registers a producer; officials and admins do this.
func (c *Catalogue) CreateProducer(ctx context.Context, who auth.Principal, p domain.Producer) (domain.Producer, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) {
		return domain.Producer{}, errs.Errorf(errs.Forbidden, "only officials and admins register producers")
	}
	if p.ID == "" {
		p.ID = ocop.NewID("prd")
	}
	domain.NormaliseProducer(&p)
	if err := p.Validate(); err != nil {
		return domain.Producer{}, err
	}
	now := c.now().UTC()
	p.Version, p.CreatedAt, p.UpdatedAt = 1, now, now
	return p, c.repo.CreateProducer(ctx, p, producerChanged)
}

// UpdateProducer changes a producer's record: officials and admins, or the
// producer itself.
func (c *Catalogue) UpdateProducer(ctx context.Context, who auth.Principal, id string, change func(*domain.Producer)) (domain.Producer, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) && !(who.Is(auth.RoleProducer) && who.ActsFor(id)) {
		return domain.Producer{}, errs.Errorf(errs.Forbidden, "only officials, admins and the producer itself change a producer")
	}
	return c.repo.UpdateProducer(ctx, id, func(p *domain.Producer) error {
		before := *p
		change(p)
		domain.NormaliseProducer(p)
		if err := p.Validate(); err != nil {
			return err
		}
		if domain.SameProducer(before, *p) {
			return ErrUnchanged
		}
		p.Version++
		p.UpdatedAt = c.now().UTC()
		return nil
	}, producerChanged)
}

// Producer returns a producer; producer records are public.
func (c *Catalogue) Producer(ctx context.Context, id string) (domain.Producer, error) {
	return c.repo.Producer(ctx, id)
}

// CreateProduct lists a product: a producer for itself, or an admin for any producer.
func (c *Catalogue) CreateProduct(ctx context.Context, who auth.Principal, p domain.Product) (domain.Product, error) {
	switch {
	case who.Is(auth.RoleAdmin):
	case who.Is(auth.RoleProducer):
		if p.ProducerID == "" {
			p.ProducerID = who.OrgID
		}
		if !who.ActsFor(p.ProducerID) {
			return domain.Product{}, errs.Errorf(errs.Forbidden, "a producer lists products only for itself (%s), not for %s", who.OrgID, p.ProducerID)
		}
	default:
		return domain.Product{}, errs.Errorf(errs.Forbidden, "only producers (for themselves) and admins list products")
	}
	if p.ID == "" {
		p.ID = ocop.NewID("p")
	}
	p.Normalise()
	if err := p.Validate(); err != nil {
		return domain.Product{}, err
	}
	now := c.now().UTC()
	p.Version, p.CreatedAt, p.UpdatedAt = 1, now, now
	return c.repo.CreateProduct(ctx, p, productChanged)
}

// Product returns a product, withdrawn ones included; products are public.
func (c *Catalogue) Product(ctx context.Context, id string) (domain.Product, error) {
	return c.repo.Product(ctx, id)
}

// UpdateProduct applies a change to a product the caller may edit: its
// producer's or, for an admin, any.
func (c *Catalogue) UpdateProduct(ctx context.Context, who auth.Principal, id string, change func(*domain.Product)) (domain.Product, error) {
	return c.repo.UpdateProduct(ctx, id, func(p *domain.Product) error {
		if err := mayEdit(who, *p); err != nil {
			return err
		}
		if p.Withdrawn() {
			return errs.Errorf(errs.Conflict, "product %s is withdrawn; list it again as a new product", p.ID)
		}
		before := *p
		change(p)
		p.Normalise()
		if err := p.Validate(); err != nil {
			return err
		}
		if domain.SameProduct(before, *p) {
			return ErrUnchanged
		}
		p.Version++
		p.UpdatedAt = c.now().UTC()
		return nil
	}, productChanged)
}

// WithdrawProduct takes a product off the catalogue; withdrawing twice is a no-op.
func (c *Catalogue) WithdrawProduct(ctx context.Context, who auth.Principal, id string) (domain.Product, error) {
	return c.repo.UpdateProduct(ctx, id, func(p *domain.Product) error {
		if err := mayEdit(who, *p); err != nil {
			return err
		}
		if p.Withdrawn() {
			return ErrUnchanged
		}
		now := c.now().UTC()
		p.WithdrawnAt = &now
		p.Version++
		p.UpdatedAt = now
		return nil
	}, productChanged)
}

func mayEdit(who auth.Principal, p domain.Product) error {
	switch {
	case who.Is(auth.RoleAdmin):
		return nil
	case who.Is(auth.RoleProducer) && who.ActsFor(p.ProducerID):
		return nil
	case who.Is(auth.RoleProducer):
		return errs.Errorf(errs.Forbidden, "product %s belongs to another producer", p.ID)
	default:
		return errs.Errorf(errs.Forbidden, "only the product's producer or an admin may change it")
	}
}

// ReminderDays are how many days before a rating lapses its producer is warned.
var ReminderDays = []int{60, 30, 7}

// RemindExpiringRatings warns producers whose ratings lapse within a
// reminder threshold, each threshold once; it returns how many it warned.
func (c *Catalogue) RemindExpiringRatings(ctx context.Context) (int, error) {
	return c.repo.RemindExpiringRatings(ctx, ocop.Today(c.now()), ReminderDays, ratingExpiring)
}
