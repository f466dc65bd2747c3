package domain

import (
	"encoding/json"
	"testing"
)

// FuzzValidate: any JSON a client sends, decoded into the domain's values
// and validated, is accepted or refused with errors; nothing panics.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{`{}`, `{"name":"Vải thiều","quantity":-1,"lat":1e308,"lon":-1e308}`, `{"id":"\u0000","unit":"tấn"}`,
		`{"quantity":1e400}`, `{"seasonal_months":[0,13,-1]}`, `{"starts_on":"2026-02-30","ends_on":"x"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		{
			var v Demand
			if json.Unmarshal(body, &v) == nil {
				_ = v.Validate()
			}
		}
		{
			var v Quote
			if json.Unmarshal(body, &v) == nil {
				_ = v.Validate()
			}
		}
		{
			var v Buyer
			if json.Unmarshal(body, &v) == nil {
				_ = v.Validate()
			}
		}
	})
}
