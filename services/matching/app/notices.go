package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/ocop"
	cataloguev1 "github.com/ocopvn/ocop/proto/ocop/catalogue/v1"
	demandv1 "github.com/ocopvn/ocop/proto/ocop/demand/v1"
	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
)

// Notification kinds.
const (
	KindMatch          = "match"
	KindQuoteSubmitted = "quote_submitted"
	KindQuoteDecided   = "quote_decided"
	KindDealFollowUp   = "deal_follow_up"
	KindRatingExpiring = "rating_expiring"
	KindNewSupplier    = "new_supplier"
)

func matchNotifications(d postgres.Demand, picks []rank.Match) []postgres.Notification {
	ns := make([]postgres.Notification, 0, len(picks))
	for _, m := range picks {
		ns = append(ns, postgres.Notification{
			RecipientRole: "producer", RecipientID: m.ProducerID, Kind: KindMatch,
			DedupeKey: "match:" + d.ID + ":" + m.ProductID,
			Title:     "Nhu cầu mua phù hợp: " + d.Title,
			Body: fmt.Sprintf("Người mua cần %s %s, giao %s. Sản phẩm %s của bạn xếp hạng %d: %s.",
				number(d.Quantity), d.Unit, d.DeliveryProvince, m.Product.Name, m.Rank, strings.Join(m.Reasons, "; ")),
			DemandID: d.ID, ProductID: m.ProductID, Rank: m.Rank, Score: m.Score, Reasons: m.Reasons,
		})
	}
	return ns
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// DemandClosed records that a demand takes no more quotes.
func (m *Matching) DemandClosed(ctx context.Context, tx pgx.Tx, e *demandv1.DemandClosed) error {
	return m.repo.SetDemandStatus(ctx, tx, e.GetDemandId(), e.GetStatus(), e.GetVersion())
}

// QuoteSubmitted tells the buyer a producer answered its demand, and
// records the answer in the producer's record of responsiveness.
func (m *Matching) QuoteSubmitted(ctx context.Context, tx pgx.Tx, q *demandv1.Quote) error {
	at, err := time.Parse(time.RFC3339Nano, q.GetSubmittedAt())
	if err != nil {
		at = m.now()
	}
	if err := m.repo.MarkAnswered(ctx, tx, q.GetProducerId(), q.GetDemandId(), at); err != nil {
		return err
	}
	_, err = m.add(ctx, tx, []postgres.Notification{{
		RecipientRole: "buyer", RecipientID: q.GetBuyerId(), Kind: KindQuoteSubmitted, DedupeKey: "quote:" + q.GetId(),
		Title: "Báo giá mới cho: " + q.GetDemandTitle(),
		Body: fmt.Sprintf("Nhà sản xuất %s báo giá %s đồng/%s cho %s %s.", q.GetProducerId(), number(float64(q.GetPriceVnd())),
			q.GetUnit(), number(q.GetQuantity()), q.GetUnit()),
		DemandID: q.GetDemandId(), ProductID: q.GetProductId(),
		Data: map[string]any{"quote_id": q.GetId(), "producer_id": q.GetProducerId(), "price_vnd": q.GetPriceVnd()},
	}})
	return err
}

var decisions = map[string]string{
	"shortlisted": "được đưa vào danh sách chọn",
	"accepted":    "được chấp nhận",
	"rejected":    "không được chọn",
}

// QuoteDecided tells the producer what the buyer decided.
func (m *Matching) QuoteDecided(ctx context.Context, tx pgx.Tx, q *demandv1.Quote) error {
	_, err := m.add(ctx, tx, []postgres.Notification{{
		RecipientRole: "producer", RecipientID: q.GetProducerId(), Kind: KindQuoteDecided,
		DedupeKey: "quote:" + q.GetId() + ":" + q.GetStatus(),
		Title:     "Báo giá " + decisions[q.GetStatus()] + ": " + q.GetDemandTitle(),
		Body:      fmt.Sprintf("Người mua %s đã xem báo giá của bạn: %s.", q.GetBuyerId(), decisions[q.GetStatus()]),
		DemandID:  q.GetDemandId(), ProductID: q.GetProductId(),
		Data: map[string]any{"quote_id": q.GetId(), "status": q.GetStatus()},
	}})
	return err
}

// DealFollowUpDue asks both sides of a deal how it went.
func (m *Matching) DealFollowUpDue(ctx context.Context, tx pgx.Tx, e *demandv1.DealFollowUpDue) error {
	key := fmt.Sprintf("deal:%s:%dm", e.GetDealId(), e.GetMonths())
	title := fmt.Sprintf("Sau %d tháng: giao dịch %s tiến triển thế nào?", e.GetMonths(), e.GetDemandTitle())
	body := "Hãy ghi lại bước mới nhất (liên hệ, gửi mẫu, ký hợp đồng, giao hàng lần đầu, đặt hàng lại) để sở theo dõi kết quả kết nối cung cầu."
	data := map[string]any{"deal_id": e.GetDealId(), "months": e.GetMonths(), "last_stage": e.GetLastStage()}
	_, err := m.add(ctx, tx, []postgres.Notification{
		{RecipientRole: "buyer", RecipientID: e.GetBuyerId(), Kind: KindDealFollowUp, DedupeKey: key, Title: title, Body: body, DemandID: e.GetDemandId(), Data: data},
		{RecipientRole: "producer", RecipientID: e.GetProducerId(), Kind: KindDealFollowUp, DedupeKey: key, Title: title, Body: body, DemandID: e.GetDemandId(), Data: data},
	})
	return err
}

// RatingExpiring tells a producer its product's OCOP rating lapses soon.
func (m *Matching) RatingExpiring(ctx context.Context, tx pgx.Tx, e *cataloguev1.RatingExpiring) error {
	expires, err := ocop.ParseDate(e.GetOcopExpiresOn())
	if err != nil {
		return err
	}
	_, err = m.add(ctx, tx, []postgres.Notification{{
		RecipientRole: "producer", RecipientID: e.GetProducerId(), Kind: KindRatingExpiring,
		DedupeKey: fmt.Sprintf("rating:%s:%s:%d", e.GetProductId(), e.GetOcopExpiresOn(), e.GetDaysLeft()),
		Title:     "Chứng nhận OCOP sắp hết hiệu lực: " + e.GetProductName(),
		Body: fmt.Sprintf("Chứng nhận OCOP của sản phẩm %s hết hiệu lực ngày %s (còn %d ngày). Sau ngày này sản phẩm không còn được giới thiệu cho người mua; hãy đề nghị đánh giá lại.",
			e.GetProductName(), expires.Format("02/01/2006"), int(expires.Sub(ocop.Today(m.now())).Hours()/24)),
		ProductID: e.GetProductId(),
		Data:      map[string]any{"ocop_expires_on": e.GetOcopExpiresOn(), "days_left": e.GetDaysLeft()},
	}})
	return err
}
