package sheet

import (
	"bytes"
	"testing"
)

// FuzzReadAndConvert: any uploaded CSV is read into rows or refused with
// an error, and every row converts into an item or issues; nothing panics.
func FuzzReadAndConvert(f *testing.F) {
	f.Add([]byte("Tên sản phẩm,Nhóm sản phẩm\nVải thiều sấy,thuc_pham\n"))
	f.Add([]byte("\xef\xbb\xbfMã số thuế/ĐKKD,Số sao OCOP,Giá bán (đồng),Tháng mùa vụ\n123,4,\"150.000\",12-2\n"))
	f.Add([]byte("a,b\n\"unterminated\n"))
	f.Add([]byte{0xff, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := Read(bytes.NewReader(data), CSV)
		if err != nil {
			return
		}
		for _, row := range table.Rows {
			_, _ = Convert(row)
		}
	})
}
