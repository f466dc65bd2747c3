package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// Exhibitors is a published fair's public directory: each exhibitor with its
// booth and the products it shows.
func (s *Fairs) Exhibitors(ctx context.Context, fairID string) ([]Exhibitor, error) {
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err == nil && f.Status == domain.FairDraft {
			err = errs.Errorf(errs.NotFound, "no fair %s", fairID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.repo.Exhibitors(ctx, fairID)
}

// Stats returns a fair's own figures to its organiser, officials and admins.
func (s *Fairs) Stats(ctx context.Context, who auth.Principal, fairID string) (FairStats, error) {
	err := s.repo.InTx(ctx, func(tx Tx) error {
		f, err := tx.Fair(ctx, fairID, false)
		if err != nil {
			return err
		}
		if !who.Is(auth.RoleAdmin, auth.RoleOfficial) && !(who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID)) {
			return errs.Errorf(errs.Forbidden, "a fair's figures are for its organiser and officials")
		}
		return nil
	})
	if err != nil {
		return FairStats{}, err
	}
	return s.repo.Stats(ctx, fairID)
}

// KeepProduct keeps a catalogue product in the fairs service's read model.
func (s *Fairs) KeepProduct(ctx context.Context, tx pgx.Tx, p domain.Product) error {
	return s.repo.UpsertProduct(ctx, tx, p)
}

// KeepQuote keeps a quote's parties, to count the business a fair led to.
func (s *Fairs) KeepQuote(ctx context.Context, tx pgx.Tx, id, buyerID, producerID string, at time.Time) error {
	return s.repo.RecordQuote(ctx, tx, id, buyerID, producerID, at)
}
