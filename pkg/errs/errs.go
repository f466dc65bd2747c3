// Package errs is the error vocabulary shared by every service: a small set of
// codes that the HTTP layer maps to statuses, so domain code never thinks in HTTP.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Code classifies an error by what the caller can do about it.
type Code string

const (
	Invalid      Code = "invalid"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	TooMany      Code = "too_many_requests"
	Unavailable  Code = "unavailable"
	Internal     Code = "internal"
)

// FieldError names one bad input field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an application error with a code, a message safe to show to users
// and, for validation failures, every bad field.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Validation collects every bad field of one input before failing, so a user
// fixes a form in one round trip instead of one field at a time.
type Validation struct {
	fields []FieldError
}

// Add records a bad field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records a bad field when ok is false.
func (v *Validation) Check(ok bool, field, format string, args ...any) {
	if !ok {
		v.Add(field, format, args...)
	}
}

// Merge adds the fields of another validation under a prefix such as
// "items[2]". A field already recorded keeps its first message.
func (v *Validation) Merge(prefix string, other error) {
	var e *Error
	if !errors.As(other, &e) {
		return
	}
	for _, f := range e.Fields {
		name := f.Field
		if prefix != "" {
			name = prefix + "." + f.Field
		}
		if !v.Has(name) {
			v.fields = append(v.fields, FieldError{Field: name, Message: f.Message})
		}
	}
}

// Has reports whether a field is already recorded.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, else an Invalid error listing
// every bad field in a stable order.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), v.fields...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: fields}
}
