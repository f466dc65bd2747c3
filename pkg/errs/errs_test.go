package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOfFollowsWrapping(t *testing.T) {
	base := Errorf(NotFound, "product %s not found", "p-1")
	wrapped := fmt.Errorf("loading: %w", base)
	if got := CodeOf(wrapped); got != NotFound {
		t.Fatalf("CodeOf(wrapped) = %q, want %q", got, NotFound)
	}
	if got := CodeOf(errors.New("boom")); got != Internal {
		t.Fatalf("CodeOf(plain) = %q, want internal", got)
	}
	if got := CodeOf(nil); got != "" {
		t.Fatalf("CodeOf(nil) = %q, want empty", got)
	}
}

func TestValidationListsEveryFieldSorted(t *testing.T) {
	var v Validation
	v.Check(false, "ocop_stars", "must be 3, 4 or 5")
	v.Check(true, "name", "is required")
	v.Add("group", "unknown group %q", "x")
	err := v.Err()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Err() = %v, want *Error", err)
	}
	if e.Code != Invalid || len(e.Fields) != 2 || e.Fields[0].Field != "group" || e.Fields[1].Field != "ocop_stars" {
		t.Fatalf("unexpected validation error: %+v", e)
	}
	var empty Validation
	if empty.Err() != nil {
		t.Fatal("empty validation must not fail")
	}
}

func TestMergePrefixesFields(t *testing.T) {
	var inner Validation
	inner.Add("price_vnd", "must be positive")
	var outer Validation
	outer.Merge("products[3]", inner.Err())
	outer.Merge("products[3]", inner.Err())
	e := outer.Err().(*Error)
	if len(e.Fields) != 1 || e.Fields[0].Field != "products[3].price_vnd" {
		t.Fatalf("fields = %+v", e.Fields)
	}
}
