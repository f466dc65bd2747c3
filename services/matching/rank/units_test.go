package rank

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocopvn/ocop/services/matching/search"
)

func TestPackOfReadsThePackSizeOfTheProductsUnit(t *testing.T) {
	for _, c := range []struct {
		name, unit string
		want       pack
		ok         bool
	}{
		{"Trà xanh Tân Cương thùng 50 gói", "thùng", pack{50, "gói"}, true},
		{"Mật ong hộp 2 kg", "hộp", pack{2, "kg"}, true},
		{"Rượu nếp chai 500 ml", "chai", pack{0.5, "lít"}, true},
		{"Miến dong túi 500g", "túi", pack{0.5, "kg"}, true},
		{"Nước mắm chai\t750 ml", "chai", pack{0.75, "lít"}, true},
		{"Bánh đa loại 1", "hộp", pack{}, false},
		{"Vải thiều sấy hộp quà 2026", "hộp", pack{}, false},
		{"Chè shop 5 gói", "hộp", pack{}, false},
		{"Hộp quà thùng 10 hộp", "hộp", pack{}, false},
		{"Gạo túi 5 kg", "kg", pack{}, false},
	} {
		got, ok := packOf(search.Document{Name: c.name, Unit: c.unit})
		require.Equal(t, c.ok, ok, c.name)
		require.InDelta(t, c.want.size, got.size, 1e-9, c.name)
		require.Equal(t, c.want.inner, got.inner, c.name)
	}
}

func TestSpacedWord(t *testing.T) {
	require.True(t, spacedWord("hop 2 kg", "hop"))
	require.True(t, spacedWord("shop hop\t2", "hop"))
	require.False(t, spacedWord("shop2 hop", "hop"))
	require.False(t, spacedWord("banh da loai 1", "hop"))
}
