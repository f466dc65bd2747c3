package httpserver

import "encoding/json"

// Optional is a PATCH field that tells "absent" (leave as is) from "null"
// (clear) and from a value.
type Optional[T any] struct {
	Set   bool // the field was present in the body
	Null  bool // it was present as null
	Value T
}

// UnmarshalJSON implements json.Unmarshaler; it only runs for present fields.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}
