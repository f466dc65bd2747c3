package rank

import (
	"math"
	"sort"

	"github.com/ocopvn/ocop/pkg/ocop"
)

// FairMargin is how close two producers' scores must be (out of 1) for the
// difference to be noise rather than fit. Within it the order is decided by
// who was told least lately and by the size of the business, not by
// decimals: the same few producers do not take every demand.
const FairMargin = 0.03

// smallProducers are the kinds of business a band of near-equal scores
// puts first: cooperatives, households and craft villages are what OCOP
// exists to lift, and a large enterprise a hair ahead must not push them out.
var smallProducers = map[string]bool{"cooperative": true, "household": true, "craft_village": true}

// Pick chooses which producers a demand notifies: each producer's best
// match, at most n producers, best first, with near-equal producers
// (within FairMargin of the best of their band) ordered by how many match
// notifications they received lately (fewest first, so the order rotates
// as notifications accumulate), then small producers before large ones,
// then score. recent maps a producer to its recent notification count.
func Pick(matches []Match, n int, recent map[string]int) []Match {
	best := OnePerProducer(matches, len(matches))
	out := make([]Match, 0, min(n, len(best)))
	for start := 0; start < len(best) && len(out) < n; {
		end := start + 1
		for end < len(best) && best[start].Score-best[end].Score <= FairMargin {
			end++
		}
		band := best[start:end]
		sort.SliceStable(band, func(i, j int) bool {
			a, b := band[i], band[j]
			if recent[a.ProducerID] != recent[b.ProducerID] {
				return recent[a.ProducerID] < recent[b.ProducerID]
			}
			if sa, sb := smallProducers[a.Product.ProducerKind], smallProducers[b.Product.ProducerKind]; sa != sb {
				return sa
			}
			return a.Score > b.Score
		})
		out = append(out, band[:min(len(band), n-len(out))]...)
		start = end
	}
	return out
}

// SupplyMember is one producer's part of a combined supply.
type SupplyMember struct {
	Match
	// Capacity is the producer's monthly capacity in the demand's unit.
	Capacity float64
	// DistanceKm is from the producer to the delivery point.
	DistanceKm float64
}

// CombinedSupply is a group of producers who together make the quantity
// asked when no single one does.
type CombinedSupply struct {
	Members []SupplyMember
	// Capacity is the members' monthly capacity together, in the demand's unit.
	Capacity float64
}

// suitableShare is the least share of the best score a product needs to be
// part of a combined supply: a group of poor fits is no answer. It is low
// because every member is short of the quantity, which ranking counts
// against it.
const suitableShare = 0.4

// Combine proposes a combined supply for d from its ranked matches, or
// false when one producer can supply the whole quantity, the units do not
// compare, or the suitable producers together fall short. Producers join
// closest to the delivery point first, the better rated first at the same
// distance, until their capacity covers the quantity.
func Combine(d Demand, matches []Match) (CombinedSupply, bool) {
	if d.Quantity <= 0 || len(matches) == 0 {
		return CombinedSupply{}, false
	}
	floor := matches[0].Score * suitableShare
	// Each producer offers its suitable product with the most capacity.
	largest := map[string]SupplyMember{}
	var order []string
	for _, m := range matches {
		capacity, ok := convert(m.Product.MonthlyCapacity, *m.Product, d.Unit)
		if !ok || capacity <= 0 || m.Score < floor {
			continue
		}
		if capacity >= d.Quantity {
			return CombinedSupply{}, false
		}
		prev, seen := largest[m.ProducerID]
		if !seen {
			order = append(order, m.ProducerID)
		}
		if !seen || capacity > prev.Capacity {
			km := 0.0
			if d.DeliveryLat != 0 || d.DeliveryLon != 0 {
				km = ocop.DistanceKm(m.Product.Lat, m.Product.Lon, d.DeliveryLat, d.DeliveryLon)
			}
			largest[m.ProducerID] = SupplyMember{Match: m, Capacity: capacity, DistanceKm: km}
		}
	}
	candidates := make([]SupplyMember, 0, len(order))
	for _, id := range order {
		candidates = append(candidates, largest[id])
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		// Distances are compared to the nearest 10 km: a few kilometres
		// matter less to a buyer than a star.
		da, db := math.Round(a.DistanceKm/10), math.Round(b.DistanceKm/10)
		if da != db {
			return da < db
		}
		if a.Product.Stars != b.Product.Stars {
			return a.Product.Stars > b.Product.Stars
		}
		return a.Score > b.Score
	})
	var group CombinedSupply
	for _, c := range candidates {
		group.Members = append(group.Members, c)
		group.Capacity += c.Capacity
		if group.Capacity >= d.Quantity {
			return group, true
		}
	}
	return CombinedSupply{}, false
}
