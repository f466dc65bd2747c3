package httpserver

import (
	"testing"

	"github.com/ocopvn/ocop/pkg/errs"
)

// FuzzDecodeJSON: whatever a client sends, decoding answers with the value
// or a 4xx error naming what is wrong; it never panics or fails otherwise.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{`{"title":"Vải thiều","quantity":1500}`, `{"quantity":1e400}`, `{"a":` + string(make([]byte, 40)),
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, "{\"title\":\"\xff\"}", `{"unknown":1}`, `{} {}`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			Title    string   `json:"title"`
			Quantity float64  `json:"quantity"`
			Tags     []string `json:"tags"`
			Nested   *struct {
				Price *int64 `json:"price"`
			} `json:"nested"`
		}
		err := DecodeJSONBytes(body, &v)
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("%q: %v is not a 400", body, err)
		}
	})
}
