package app

import (
	"context"
	"time"

	"github.com/ocopvn/ocop/pkg/auth"
	"github.com/ocopvn/ocop/pkg/errs"
)

// StatsFilter chooses the period and slice of the officials' figures.
type StatsFilter struct {
	From, To time.Time // demands posted in [From, To)
	Group    string
	Province string // delivery province
}

// Figures are the results of supply–demand connection over a set of demands.
type Figures struct {
	DemandsPosted int `json:"demands_posted"`
	// MatchedProducts counts (demand, product) pairs matching ranked.
	MatchedProducts int `json:"matched_products"`
	Quotes          int `json:"quotes"`
	// ResponseRate is the share of matched producers that quoted.
	ResponseRate float64 `json:"response_rate"`
	// MedianHoursToFirstQuote is over demands that got a quote; null without one.
	MedianHoursToFirstQuote *float64 `json:"median_hours_to_first_quote"`
	Awards                  int      `json:"awards"`
	AwardValueVND           int64    `json:"award_value_vnd"`
	// DealStages counts the deals that reached each stage.
	DealStages map[string]int `json:"deal_stages"`
}

// Stats are the figures over the period, in all and per group and province.
type Stats struct {
	From       string             `json:"from"`
	To         string             `json:"to"`
	Total      Figures            `json:"total"`
	ByGroup    map[string]Figures `json:"by_group"`
	ByProvince map[string]Figures `json:"by_province"`
}

// Stats returns the officials' figures.
func (s *Demands) Stats(ctx context.Context, who auth.Principal, f StatsFilter) (Stats, error) {
	if !who.Is(auth.RoleOfficial, auth.RoleAdmin) {
		return Stats{}, errs.Errorf(errs.Forbidden, "the figures are for officials and admins")
	}
	return s.repo.Stats(ctx, f)
}
