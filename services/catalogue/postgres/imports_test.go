package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/ocopvn/ocop/pkg/errs"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/pkg/testkit"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

// A batch is first written without a savepoint per row; a row that fails
// makes it written again row by row, and only that row is left out.
func TestImportLeavesOutOnlyTheRowThatFails(t *testing.T) {
	pool := testkit.Postgres(t, map[string][]pgplatform.Source{"catalogue": {Migrations}})
	repo := New(pool)
	ctx := context.Background()
	now := time.Now().UTC()
	producer := func(code string) domain.Producer {
		return domain.Producer{ID: "prd-" + code, Name: "HTX " + code, Kind: "cooperative", Province: "Bắc Ninh",
			RegistrationCode: code, Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	attempts := 0
	err := repo.Import(ctx, false, func(tx app.ImportTx) error {
		attempts++
		for _, code := range []string{"A1", "B2", "C3"} {
			err := tx.Row(ctx, func() error {
				if err := tx.InsertProducer(ctx, producer(code)); err != nil {
					return err
				}
				if code == "B2" {
					// The row's write is in, then the row fails.
					return errs.Errorf(errs.Conflict, "row B2 conflicts")
				}
				return nil
			})
			if err != nil && errs.CodeOf(err) != errs.Conflict {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("%d attempts, want the batch written twice", attempts)
	}
	var codes []string
	rows, err := pool.Query(ctx, `SELECT registration_code FROM catalogue.producers ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	if len(codes) != 2 || codes[0] != "A1" || codes[1] != "C3" {
		t.Fatalf("producers %v, want A1 and C3", codes)
	}

	// A write the database refuses shows only when the batch's writes are
	// sent: the batch is written again row by row all the same.
	attempts = 0
	var refused []string
	err = repo.Import(ctx, false, func(tx app.ImportTx) error {
		attempts++
		refused = nil
		for _, p := range []domain.Producer{producer("D4"), {ID: "prd-other", Name: "HTX khác", Kind: "cooperative",
			Province: "Bắc Ninh", RegistrationCode: "A1", Version: 1, CreatedAt: now, UpdatedAt: now}, producer("E5")} {
			err := tx.Row(ctx, func() error { return tx.InsertProducer(ctx, p) })
			if err != nil && errs.CodeOf(err) != errs.Conflict {
				return err
			}
			if err != nil {
				refused = append(refused, p.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 2 || len(refused) != 1 || refused[0] != "prd-other" {
		t.Fatalf("%d attempts, refused %v: want two attempts and only the taken code refused", attempts, refused)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM catalogue.producers`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d producers (%v), want A1, C3, D4 and E5", n, err)
	}
}
