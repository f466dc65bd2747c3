package testkit

import (
	"encoding/json"
	"testing"
)

// Validator is a domain value that checks itself.
type Validator interface{ Validate() error }

// jsonSeeds are bodies clients send wrong in the ways that matter: wrong
// signs, huge and out-of-range numbers, control characters, impossible dates.
var jsonSeeds = []string{`{}`, `{"name":"Vải thiều","quantity":-1,"lat":1e308,"lon":-1e308}`, `{"id":"\u0000","unit":"tấn"}`,
	`{"quantity":1e400}`, `{"seasonal_months":[0,13,-1]}`, `{"starts_on":"2026-02-30","ends_on":"x"}`}

// FuzzValidate fuzzes JSON bodies decoded into each kind of value and
// validated: whatever a client sends is accepted or refused with errors,
// never a panic. Each kind returns a fresh pointer to decode into.
func FuzzValidate(f *testing.F, kinds ...func() Validator) {
	for _, seed := range jsonSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, kind := range kinds {
			v := kind()
			if json.Unmarshal(body, v) == nil {
				_ = v.Validate()
			}
		}
	})
}
