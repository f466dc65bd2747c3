package domain

import (
	"testing"

	"github.com/ocopvn/ocop/pkg/testkit"
)

// FuzzValidate: any JSON a client sends, decoded into the domain's values
// and validated, is accepted or refused with errors; nothing panics.
func FuzzValidate(f *testing.F) {
	testkit.FuzzValidate(f,
		func() testkit.Validator { return new(Application) },
		func() testkit.Validator { return new(Fair) },
		func() testkit.Validator { return new(Hall) },
		func() testkit.Validator { return new(BoothType) },
		func() testkit.Validator { return new(Booth) },
	)
}
