package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/events"
	"github.com/ocopvn/ocop/pkg/ocop"
	fairsv1 "github.com/ocopvn/ocop/proto/ocop/fairs/v1"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
	"github.com/ocopvn/ocop/services/matching/search"
)

// FairRepository is what matching keeps of fairs.
type FairRepository interface {
	SaveFair(ctx context.Context, tx pgx.Tx, f postgres.Fair) error
	SaveExhibitor(ctx context.Context, tx pgx.Tx, fairID, bookingID string, e postgres.Exhibitor) error
	RemoveExhibitor(ctx context.Context, tx pgx.Tx, fairID, bookingID string) error
	SaveParticipant(ctx context.Context, tx pgx.Tx, fairID, buyerID string) error
	SaveMeeting(ctx context.Context, tx pgx.Tx, id, fairID, status string, m postgres.FairMeeting) error
	Fair(ctx context.Context, id string) (postgres.Fair, error)
	FairsAround(ctx context.Context, from, to time.Time) ([]postgres.Fair, error)
	Exhibitors(ctx context.Context, fairID string) ([]postgres.Exhibitor, error)
	Participants(ctx context.Context, fairID string) ([]string, error)
	LiveMeetings(ctx context.Context, fairID string) ([]postgres.FairMeeting, error)
	OpenDemandsOf(ctx context.Context, buyerIDs []string) ([]postgres.Demand, error)
}

// Notification kinds of fairs.
const (
	KindFairPublished       = "fair_published"
	KindApplicationReceived = "application_received"
	KindApplicationDecided  = "application_decided"
	KindBoothBooked         = "booth_booked"
	KindMeetingRequested    = "meeting_requested"
	KindMeetingDecided      = "meeting_decided"
)

// fairNotices bounds how many producers one fair announcement reaches.
const fairNotices = 5000

// FairPublished keeps the fair and tells every producer with a product that
// fits its themes, and a valid rating, that applications open.
func (m *Matching) FairPublished(ctx context.Context, tx pgx.Tx, f *fairsv1.Fair) error {
	fair, err := fairFromEvent(f)
	if err != nil {
		return err
	}
	if err := m.fairs.SaveFair(ctx, tx, fair); err != nil {
		return err
	}
	groups := fair.Groups
	if len(groups) == 0 {
		groups = []string{""}
	}
	producers := map[string]search.Document{}
	for _, g := range groups {
		hits, err := m.matcher.Index.Search(ctx, search.Query{Group: g, Categories: fair.Categories, ValidOn: ocop.Today(m.now()), Limit: fairNotices})
		if err != nil {
			return err
		}
		for _, h := range hits {
			if _, seen := producers[h.ProducerID]; !seen {
				producers[h.ProducerID] = *h.Document
			}
		}
	}
	ns := make([]postgres.Notification, 0, len(producers))
	for id, d := range producers {
		ns = append(ns, postgres.Notification{
			RecipientRole: "producer", RecipientID: id, Kind: KindFairPublished, DedupeKey: "fair:" + fair.ID,
			Title: "Hội chợ mở đăng ký: " + fair.Name,
			Body: fmt.Sprintf("%s, %s, từ %s đến %s. Nhận đăng ký gian hàng từ %s đến %s; sản phẩm %s của bạn phù hợp chủ đề hội chợ.",
				fair.Name, fair.Venue, viDate(fair.StartsOn), viDate(fair.EndsOn), f.GetApplicationsOpenOn(), f.GetApplicationsCloseOn(), d.Name),
			ProductID: d.ID, Data: map[string]any{"fair_id": fair.ID},
		})
	}
	_, err = m.add(ctx, tx, ns)
	return err
}

func viDate(t time.Time) string { return t.Format("02/01/2006") }

func fairFromEvent(f *fairsv1.Fair) (postgres.Fair, error) {
	starts, err1 := ocop.ParseDate(f.GetStartsOn())
	ends, err2 := ocop.ParseDate(f.GetEndsOn())
	dayStart, err3 := time.Parse("15:04", f.GetMeetingDayStart())
	dayEnd, err4 := time.Parse("15:04", f.GetMeetingDayEnd())
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return postgres.Fair{}, events.Permanent(fmt.Errorf("fair %s carries malformed dates or times", f.GetId()))
	}
	return postgres.Fair{
		ID: f.GetId(), OrganiserID: f.GetOrganiserId(), Name: f.GetName(), Venue: f.GetVenue(), Lat: f.GetLat(), Lon: f.GetLon(),
		StartsOn: starts, EndsOn: ends, Groups: f.GetGroups(), Categories: f.GetCategories(), Status: f.GetStatus(),
		SlotMinutes: int(f.GetMeetingSlotMinutes()), DayStart: dayStart.Hour()*60 + dayStart.Minute(),
		DayEnd: dayEnd.Hour()*60 + dayEnd.Minute(), Tables: int(f.GetMeetingTables()),
	}, nil
}

// ApplicationSubmitted tells the organiser a producer applied.
func (m *Matching) ApplicationSubmitted(ctx context.Context, tx pgx.Tx, e *fairsv1.ApplicationSubmitted) error {
	_, err := m.add(ctx, tx, []postgres.Notification{{
		RecipientRole: "organiser", RecipientID: e.GetOrganiserId(), Kind: KindApplicationReceived, DedupeKey: "application:" + e.GetApplicationId(),
		Title: "Đơn đăng ký gian hàng mới: " + e.GetFairName(),
		Body:  fmt.Sprintf("Nhà sản xuất %s đăng ký trưng bày %d sản phẩm.", e.GetProducerId(), len(e.GetProductIds())),
		Data:  map[string]any{"fair_id": e.GetFairId(), "application_id": e.GetApplicationId(), "producer_id": e.GetProducerId()},
	}})
	return err
}

var applicationDecisions = map[string]string{"approved": "được duyệt", "rejected": "không được duyệt", "waitlisted": "vào danh sách chờ"}

// ApplicationDecided tells the producer the organiser's decision.
func (m *Matching) ApplicationDecided(ctx context.Context, tx pgx.Tx, e *fairsv1.ApplicationDecided) error {
	_, err := m.add(ctx, tx, []postgres.Notification{{
		RecipientRole: "producer", RecipientID: e.GetProducerId(), Kind: KindApplicationDecided,
		DedupeKey: "application:" + e.GetApplicationId() + ":" + e.GetStatus(),
		Title:     "Đơn đăng ký " + applicationDecisions[e.GetStatus()] + ": " + e.GetFairName(),
		Body:      "Ban tổ chức " + e.GetFairName() + " đã xét đơn đăng ký gian hàng của bạn: " + applicationDecisions[e.GetStatus()] + ".",
		Data:      map[string]any{"fair_id": e.GetFairId(), "application_id": e.GetApplicationId(), "status": e.GetStatus()},
	}})
	return err
}

// BoothBooked keeps the exhibitor and tells the producer and the organiser.
func (m *Matching) BoothBooked(ctx context.Context, tx pgx.Tx, e *fairsv1.BoothBooked) error {
	if err := m.fairs.SaveExhibitor(ctx, tx, e.GetFairId(), e.GetBookingId(), postgres.Exhibitor{
		ProducerID: e.GetProducerId(), BoothCode: e.GetBoothCode(), ProductIDs: e.GetProductIds(),
	}); err != nil {
		return err
	}
	key := "booking:" + e.GetBookingId()
	data := map[string]any{"fair_id": e.GetFairId(), "booking_id": e.GetBookingId(), "booth_code": e.GetBoothCode(), "producer_id": e.GetProducerId()}
	_, err := m.add(ctx, tx, []postgres.Notification{
		{RecipientRole: "producer", RecipientID: e.GetProducerId(), Kind: KindBoothBooked, DedupeKey: key,
			Title: "Đã xác nhận gian hàng " + e.GetBoothCode() + ": " + e.GetFairName(),
			Body:  "Gian hàng " + e.GetBoothCode() + " tại " + e.GetFairName() + " đã được giữ cho bạn.", Data: data},
		{RecipientRole: "organiser", RecipientID: e.GetOrganiserId(), Kind: KindBoothBooked, DedupeKey: key,
			Title: "Gian hàng " + e.GetBoothCode() + " đã có đơn vị: " + e.GetFairName(),
			Body:  "Nhà sản xuất " + e.GetProducerId() + " giữ gian hàng " + e.GetBoothCode() + ".", Data: data},
	})
	return err
}

// BookingCancelled forgets the exhibitor.
func (m *Matching) BookingCancelled(ctx context.Context, tx pgx.Tx, e *fairsv1.BookingCancelled) error {
	return m.fairs.RemoveExhibitor(ctx, tx, e.GetFairId(), e.GetBookingId())
}

// ParticipantRegistered keeps a buyer attending.
func (m *Matching) ParticipantRegistered(ctx context.Context, tx pgx.Tx, e *fairsv1.ParticipantRegistered) error {
	return m.fairs.SaveParticipant(ctx, tx, e.GetFairId(), e.GetBuyerId())
}

// MeetingChanged keeps a meeting's state and tells the side that must know:
// the asked side of a request, both sides of an accepted meeting, the asking
// side of a declined or expired one, the other side of a cancelled one.
func (m *Matching) MeetingChanged(ctx context.Context, tx pgx.Tx, mt *fairsv1.Meeting) error {
	starts, err := time.Parse(time.RFC3339, mt.GetStartsAt())
	if err != nil {
		return events.Permanent(fmt.Errorf("meeting %s: starts_at %q is not RFC 3339", mt.GetId(), mt.GetStartsAt()))
	}
	if err := m.fairs.SaveMeeting(ctx, tx, mt.GetId(), mt.GetFairId(), mt.GetStatus(), postgres.FairMeeting{
		BuyerID: mt.GetBuyerId(), ProducerID: mt.GetProducerId(), Table: int(mt.GetTable()), StartsAt: starts,
	}); err != nil {
		return err
	}
	buyer := postgres.Notification{RecipientRole: "buyer", RecipientID: mt.GetBuyerId()}
	producer := postgres.Notification{RecipientRole: "producer", RecipientID: mt.GetProducerId()}
	asker, asked := buyer, producer
	if mt.GetRequestedBy() == "producer" {
		asker, asked = producer, buyer
	}
	when := starts.In(ocop.Vietnam).Format("15:04 02/01/2006")
	var to []postgres.Notification
	kind, title := KindMeetingDecided, ""
	switch mt.GetStatus() {
	case "requested":
		kind, title, to = KindMeetingRequested, "Đề nghị gặp gỡ B2B lúc "+when, []postgres.Notification{asked}
	case "accepted":
		title, to = "Lịch gặp gỡ B2B đã xác nhận: "+when, []postgres.Notification{buyer, producer}
	case "cancelled":
		title, to = "Cuộc gặp lúc "+when+" đã bị hủy", []postgres.Notification{buyer, producer}
	default:
		title, to = "Đề nghị gặp gỡ lúc "+when+" "+map[string]string{"declined": "bị từ chối", "expired": "đã hết hạn"}[mt.GetStatus()],
			[]postgres.Notification{asker}
	}
	ns := make([]postgres.Notification, 0, len(to))
	for _, n := range to {
		n.Kind, n.Title = kind, title
		n.DedupeKey = "meeting:" + mt.GetId() + ":" + mt.GetStatus()
		n.Body = fmt.Sprintf("%s, bàn %d: người mua %s và nhà sản xuất %s.", mt.GetFairName(), mt.GetTable(), mt.GetBuyerId(), mt.GetProducerId())
		n.Data = map[string]any{"fair_id": mt.GetFairId(), "meeting_id": mt.GetId(), "status": mt.GetStatus(), "starts_at": mt.GetStartsAt(), "table": mt.GetTable()}
		ns = append(ns, n)
	}
	_, err = m.add(ctx, tx, ns)
	return err
}

// Proposal is a B2B meeting matching proposes: an attending buyer's open
// demand and an exhibitor whose product fits it, with a slot both have free.
type Proposal struct {
	FairID     string
	BuyerID    string
	DemandID   string
	ProducerID string
	ProductID  string
	BoothCode  string
	Score      float64
	Reasons    []string
	// Slots are the first free slots both sides and a table have.
	Slots []time.Time
}

// proposalsPerDemand is how many exhibitors one demand is proposed to meet.
const proposalsPerDemand = 3

// Proposals ranks, for every attending buyer's open demand, the fair's
// exhibitors, and proposes meetings with the best. A buyer sees its own,
// an exhibitor its own, the organiser all.
func (m *Matching) Proposals(ctx context.Context, who auth.Principal, fairID string) ([]Proposal, error) {
	f, err := m.fairs.Fair(ctx, fairID)
	if err != nil {
		return nil, err
	}
	switch {
	case who.Is(auth.RoleBuyer, auth.RoleProducer, auth.RoleOfficial, auth.RoleAdmin):
	case who.Is(auth.RoleOrganiser) && who.ActsFor(f.OrganiserID):
	default:
		return nil, errs.Errorf(errs.Forbidden, "meeting proposals are for the fair's buyers, exhibitors and organiser")
	}
	buyers, err := m.fairs.Participants(ctx, fairID)
	if err != nil {
		return nil, err
	}
	if who.Is(auth.RoleBuyer) {
		buyers = slices.DeleteFunc(buyers, func(b string) bool { return b != who.OrgID })
	}
	demands, err := m.fairs.OpenDemandsOf(ctx, buyers)
	if err != nil {
		return nil, err
	}
	exhibitors, err := m.fairs.Exhibitors(ctx, fairID)
	if err != nil {
		return nil, err
	}
	meetings, err := m.fairs.LiveMeetings(ctx, fairID)
	if err != nil {
		return nil, err
	}
	var out []Proposal
	for _, d := range demands {
		ps, err := m.rankExhibitors(ctx, f, d.Demand, exhibitors, meetings, proposalsPerDemand, 3)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if who.Is(auth.RoleProducer) && !who.ActsFor(p.ProducerID) {
				continue
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// rankExhibitors ranks a demand against a fair's exhibits, best exhibitor
// first, each with up to slots free meeting slots.
func (m *Matching) rankExhibitors(ctx context.Context, f postgres.Fair, d rank.Demand, exhibitors []postgres.Exhibitor,
	meetings []postgres.FairMeeting, limit, slots int) ([]Proposal, error) {
	var ids []string
	booth := map[string]string{}
	for _, e := range exhibitors {
		ids = append(ids, e.ProductIDs...)
		booth[e.ProducerID] = e.BoothCode
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ranked, err := m.matcher.MatchAmong(ctx, d, ocop.Today(m.now()), ids)
	if err != nil {
		return nil, err
	}
	var out []Proposal
	for _, mt := range rank.OnePerProducer(ranked, limit) {
		out = append(out, Proposal{
			FairID: f.ID, BuyerID: d.BuyerID, DemandID: d.ID, ProducerID: mt.ProducerID, ProductID: mt.ProductID,
			BoothCode: booth[mt.ProducerID], Score: mt.Score, Reasons: mt.Reasons,
			Slots: freeSlots(f, meetings, d.BuyerID, mt.ProducerID, m.now(), slots),
		})
	}
	return out, nil
}

// freeSlots returns the next slots where the buyer and the producer are free
// and a table is.
func freeSlots(f postgres.Fair, meetings []postgres.FairMeeting, buyer, producer string, now time.Time, limit int) []time.Time {
	var out []time.Time
	for _, at := range ocop.MeetingSlots(f.StartsOn, f.EndsOn, f.SlotMinutes, f.DayStart, f.DayEnd) {
		if len(out) == limit {
			break
		}
		if !at.After(now) {
			continue
		}
		tables := 0
		busy := false
		for _, mt := range meetings {
			if !mt.StartsAt.Equal(at) {
				continue
			}
			tables++
			busy = busy || mt.BuyerID == buyer || mt.ProducerID == producer
		}
		if !busy && tables < f.Tables {
			out = append(out, at)
		}
	}
	return out
}

// fairWindow is how soon before a fair a demand counts as posted "shortly
// before" it: its buyer can still meet exhibitors there.
const fairWindow = 14 * 24 * time.Hour

// FairExhibitorsFor ranks a demand against the exhibitors of the fairs
// running when it was posted or starting within two weeks of it.
func (m *Matching) FairExhibitorsFor(ctx context.Context, d postgres.Demand) ([]Proposal, []postgres.Fair, error) {
	posted := ocop.Today(d.PostedAt)
	fairs, err := m.fairs.FairsAround(ctx, posted, posted.Add(fairWindow))
	if err != nil {
		return nil, nil, err
	}
	var out []Proposal
	for _, f := range fairs {
		exhibitors, err := m.fairs.Exhibitors(ctx, f.ID)
		if err != nil {
			return nil, nil, err
		}
		meetings, err := m.fairs.LiveMeetings(ctx, f.ID)
		if err != nil {
			return nil, nil, err
		}
		ps, err := m.rankExhibitors(ctx, f, d.Demand, exhibitors, meetings, 5, 3)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ps...)
	}
	return out, fairs, nil
}
