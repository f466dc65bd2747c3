package consumers

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/events"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/matching/app"
)

// FairsSpec is the durable consumer of the fairs stream; never renamed. One
// worker keeps a fair's events in order (created, published, booked...).
var FairsSpec = events.ConsumerSpec{
	Stream:   events.StreamFairs,
	Durable:  "matching-fairs",
	Subjects: []string{"ocop.fairs.>"},
}

// FairsHandler keeps what matching needs of fairs and notifies the sides.
func FairsHandler(m *app.Matching) events.Handler {
	return func(ctx context.Context, tx pgx.Tx, msg events.Message) error {
		switch msg.Type {
		case events.TypeOf(&fairsv1.FairPublished{}):
			var ev fairsv1.FairPublished
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.FairPublished(ctx, tx, ev.GetFair())
		case events.TypeOf(&fairsv1.ApplicationSubmitted{}):
			var ev fairsv1.ApplicationSubmitted
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.ApplicationSubmitted(ctx, tx, &ev)
		case events.TypeOf(&fairsv1.ApplicationDecided{}):
			var ev fairsv1.ApplicationDecided
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.ApplicationDecided(ctx, tx, &ev)
		case events.TypeOf(&fairsv1.BoothBooked{}):
			var ev fairsv1.BoothBooked
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.BoothBooked(ctx, tx, &ev)
		case events.TypeOf(&fairsv1.BookingCancelled{}):
			var ev fairsv1.BookingCancelled
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.BookingCancelled(ctx, tx, &ev)
		case events.TypeOf(&fairsv1.ParticipantRegistered{}):
			var ev fairsv1.ParticipantRegistered
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.ParticipantRegistered(ctx, tx, &ev)
		case events.TypeOf(&fairsv1.MeetingRequested{}):
			var ev fairsv1.MeetingRequested
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.MeetingChanged(ctx, tx, ev.GetMeeting())
		case events.TypeOf(&fairsv1.MeetingDecided{}):
			var ev fairsv1.MeetingDecided
			if err := msg.Decode(&ev); err != nil {
				return err
			}
			return m.MeetingChanged(ctx, tx, ev.GetMeeting())
		default:
			// Drafts and booths need nothing of matching.
			return nil
		}
	}
}
