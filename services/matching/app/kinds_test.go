package app

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/postgres"
	"github.com/ocopvn/ocop/services/matching/rank"
)

// Each open demand version's words are read for kinds once; a version no
// longer among the open demands (closed, or edited into a new version) is
// forgotten once such versions outnumber the open ones.
func TestDemandKindsKeepOnlyTheOpenVersions(t *testing.T) {
	honey := postgres.Demand{Demand: rank.Demand{ID: "d-1", Text: "Cần mật ong rừng"}, Version: 1}
	tea := postgres.Demand{Demand: rank.Demand{ID: "d-2", Text: "Cần chè búp Tân Cương"}, Version: 1}
	var k demandKinds

	kinds := k.of([]postgres.Demand{honey, tea})
	require.Positive(t, kinds[0]["honey"])
	require.Positive(t, kinds[1]["tea"])
	require.Zero(t, kinds[0]["tea"])
	require.Len(t, k.kinds, 2)

	edited := tea
	edited.Version, edited.Text = 2, "Cần mật ong hoa nhãn"
	kinds = k.of([]postgres.Demand{edited})
	require.Positive(t, kinds[0]["honey"], "an edit is read again")
	require.Equal(t, []demandVersion{{"d-2", 2}}, slices.Collect(maps.Keys(k.kinds)), "the closed demand and the old version are forgotten")
}
