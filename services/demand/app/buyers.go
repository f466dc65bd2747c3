package app

import (
	"context"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/services/demand/domain"
)

// RegisterBuyer records a buyer organisation: a buyer registers itself (the
// id is its token's), officials and admins any.
func (s *Demands) RegisterBuyer(ctx context.Context, who auth.Principal, b domain.Buyer) (domain.Buyer, error) {
	switch {
	case who.Is(auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleBuyer):
		if b.ID == "" {
			b.ID = who.OrgID
		}
		if !who.ActsFor(b.ID) {
			return domain.Buyer{}, errs.Errorf(errs.Forbidden, "a buyer registers only itself (%s)", who.OrgID)
		}
	default:
		return domain.Buyer{}, errs.Errorf(errs.Forbidden, "buyers register themselves; officials and admins register any")
	}
	b.Normalise()
	if err := b.Validate(); err != nil {
		return domain.Buyer{}, err
	}
	now := s.now()
	b.CreatedAt, b.UpdatedAt = now, now
	return b, s.repo.CreateBuyer(ctx, b)
}

// UpdateBuyer changes a buyer organisation's record.
func (s *Demands) UpdateBuyer(ctx context.Context, who auth.Principal, id string, change func(*domain.Buyer)) (domain.Buyer, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) && !(who.Is(auth.RoleBuyer) && who.ActsFor(id)) {
		return domain.Buyer{}, errs.Errorf(errs.Forbidden, "only the buyer itself, officials and admins change buyer %s", id)
	}
	return s.repo.UpdateBuyer(ctx, id, func(b *domain.Buyer) error {
		change(b)
		b.Normalise()
		if err := b.Validate(); err != nil {
			return err
		}
		b.UpdatedAt = s.now()
		return nil
	})
}

// Buyer returns a buyer organisation to itself, officials and admins.
func (s *Demands) Buyer(ctx context.Context, who auth.Principal, id string) (domain.Buyer, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) && !(who.Is(auth.RoleBuyer) && who.ActsFor(id)) {
		return domain.Buyer{}, errs.Errorf(errs.Forbidden, "buyer %s is seen by itself, officials and admins", id)
	}
	return s.repo.Buyer(ctx, id)
}
