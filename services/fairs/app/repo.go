package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/services/fairs/domain"
)

// Repository stores the fairs service's state. Changes run in InTx: the use
// case reads and writes through Tx, and the events it emits are written to
// the outbox in the same transaction.
type Repository interface {
	InTx(ctx context.Context, fn func(Tx) error) error

	Fairs(ctx context.Context, f FairFilter) ([]domain.Fair, error)
	Exhibitors(ctx context.Context, fairID string) ([]Exhibitor, error)
	Meetings(ctx context.Context, f MeetingFilter) ([]domain.Meeting, error)
	Stats(ctx context.Context, fairID string) (FairStats, error)

	// UpsertProduct keeps the catalogue's product in the read model, in a
	// consumer's transaction, unless a newer version is there.
	UpsertProduct(ctx context.Context, tx pgx.Tx, p domain.Product) error
	// RecordQuote keeps a quote's parties for the fair figures.
	RecordQuote(ctx context.Context, tx pgx.Tx, id, buyerID, producerID string, at time.Time) error
}

// Tx is one transaction of the fairs service.
type Tx interface {
	Fair(ctx context.Context, id string, lock bool) (domain.Fair, error)
	InsertFair(ctx context.Context, f domain.Fair) error
	UpdateFair(ctx context.Context, f domain.Fair) error

	Halls(ctx context.Context, fairID string) ([]domain.Hall, error)
	// Hall locks the hall, so booths are placed in it one at a time.
	Hall(ctx context.Context, fairID, id string) (domain.Hall, error)
	InsertHall(ctx context.Context, h domain.Hall) error
	BoothTypes(ctx context.Context, fairID string) ([]domain.BoothType, error)
	SaveBoothType(ctx context.Context, t domain.BoothType) error
	// Booths returns the fair's booths with the bookings holding them.
	Booths(ctx context.Context, fairID string) ([]domain.Booth, error)
	InsertBooth(ctx context.Context, b domain.Booth) error

	Products(ctx context.Context, ids []string) ([]domain.Product, error)

	Application(ctx context.Context, fairID, id string) (domain.Application, error)
	Applications(ctx context.Context, fairID, producerID string) ([]domain.Application, error)
	InsertApplication(ctx context.Context, a domain.Application) error
	UpdateApplication(ctx context.Context, a domain.Application) error

	InsertBooking(ctx context.Context, b domain.Booking) error
	Booking(ctx context.Context, fairID, id string) (domain.Booking, error)
	// BookingOf returns the producer's confirmed booking at the fair, if any.
	BookingOf(ctx context.Context, fairID, producerID string) (*domain.Booking, error)
	CancelBooking(ctx context.Context, id string) error

	IsParticipant(ctx context.Context, fairID, buyerID string) (bool, error)
	InsertParticipant(ctx context.Context, fairID, buyerID string, at time.Time) (bool, error)
	Checkin(ctx context.Context, fairID, role, orgID string, at time.Time) error

	// LockSlot serialises the requests for one slot of one fair.
	LockSlot(ctx context.Context, fairID string, at time.Time) error
	// ExpireRequests expires the fair's requests for the slot made before
	// cutoff, so a stale request stops holding the slot, and returns them.
	ExpireRequests(ctx context.Context, fairID string, at, cutoff time.Time) ([]domain.Meeting, error)
	// Busy returns the tables, buyers and producers held in a slot.
	Busy(ctx context.Context, fairID string, at time.Time) (tables []int, buyers, producers []string, err error)
	// ExpireStaleRequests expires every request made before cutoff.
	ExpireStaleRequests(ctx context.Context, cutoff time.Time) ([]domain.Meeting, error)
	InsertMeeting(ctx context.Context, m domain.Meeting) error
	Meeting(ctx context.Context, id string) (domain.Meeting, error)
	UpdateMeeting(ctx context.Context, m domain.Meeting) error

	Emit(evs ...events.Event)
}

// FairFilter narrows a listing of fairs.
type FairFilter struct {
	OrganiserID string
	// Published keeps published fairs only (what the public sees).
	Published bool
	// EndsFrom keeps fairs ending on or after the day.
	EndsFrom time.Time
	Limit    int
}

// MeetingFilter narrows a listing of meetings.
type MeetingFilter struct {
	FairID     string
	BuyerID    string
	ProducerID string
	// Live keeps requested and accepted meetings only.
	Live bool
}

// Exhibitor is a producer holding a booth at a fair, with what it shows.
type Exhibitor struct {
	ProducerID   string           `json:"producer_id"`
	ProducerName string           `json:"producer_name"`
	BoothCode    string           `json:"booth_code"`
	Hall         string           `json:"hall,omitempty"`
	Products     []domain.Product `json:"-"`
}

// FairStats are a fair's own figures, for its organiser and officials.
type FairStats struct {
	Applications      map[string]int `json:"applications"`
	Booths            int            `json:"booths"`
	BoothsFilled      int            `json:"booths_filled"`
	Exhibitors        int            `json:"exhibitors"`
	ExhibitorsChecked int            `json:"exhibitors_checked_in"`
	Buyers            int            `json:"buyers_registered"`
	BuyersChecked     int            `json:"buyers_checked_in"`
	Meetings          map[string]int `json:"meetings"`
	MeetingsHeld      int            `json:"meetings_held"`
	NoShows           int            `json:"meetings_no_show"`
	// QuotesAfter counts quotes between the fair's buyers and exhibitors
	// submitted from the fair's first day on: business that followed.
	QuotesAfter int `json:"quotes_after_fair"`
}
