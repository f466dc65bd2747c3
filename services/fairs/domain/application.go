package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/ocop"
)

// ApplicationStatus is where a producer's application stands.
type ApplicationStatus string

const (
	ApplicationSubmitted  ApplicationStatus = "submitted"
	ApplicationApproved   ApplicationStatus = "approved"
	ApplicationRejected   ApplicationStatus = "rejected"
	ApplicationWaitlisted ApplicationStatus = "waitlisted"
	ApplicationWithdrawn  ApplicationStatus = "withdrawn"
)

// Application is a producer asking for a booth to show its products.
type Application struct {
	ID          string
	FairID      string
	ProducerID  string
	ProductIDs  []string
	BoothType   string // the kind of booth wanted
	Message     string
	Status      ApplicationStatus
	SubmittedAt time.Time
	DecidedAt   *time.Time
}

// Validate checks what a producer sets.
func (a Application) Validate() error {
	var v errs.Validation
	v.Check(len(a.ProductIDs) >= 1 && len(a.ProductIDs) <= 30, "product_ids", "list the 1 to 30 products you will show")
	for _, id := range a.ProductIDs {
		if !ocop.ValidID(id) {
			v.Add("product_ids", "%q is not a product id", id)
			break
		}
	}
	v.Check(a.BoothType == "" || slices.Contains(BoothTypes, a.BoothType), "booth_type", "must be one of %s", strings.Join(BoothTypes, ", "))
	v.Check(utf8.RuneCountInString(a.Message) <= 2000, "message", "must be at most 2000 characters")
	return v.Err()
}

// Decide moves the application to the organiser's decision. Waitlisted may
// still become approved or rejected; approved and rejected are final.
func (a *Application) Decide(to ApplicationStatus, at time.Time) error {
	switch {
	case a.Status == to:
		return nil
	case a.Status == ApplicationApproved || a.Status == ApplicationRejected || a.Status == ApplicationWithdrawn:
		return errs.Errorf(errs.Conflict, "application %s is already %s", a.ID, a.Status)
	case to == ApplicationApproved || to == ApplicationRejected || to == ApplicationWaitlisted:
		a.Status, a.DecidedAt = to, &at
		return nil
	}
	return errs.Errorf(errs.Invalid, "an application cannot become %s", to)
}
