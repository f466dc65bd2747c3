package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ocopvn/ocop/pkg/errs"
	pgplatform "github.com/ocopvn/ocop/pkg/postgres"
	"github.com/ocopvn/ocop/services/catalogue/app"
	"github.com/ocopvn/ocop/services/catalogue/domain"
)

const productColumns = `id, producer_id, name, description, "group", category, ocop_stars, ocop_year,
	ocop_certified_on, ocop_expires_on, ocop_certificate_number, ocop_issued_by, certifications, certification_codes,
	unit, price_vnd, monthly_capacity, min_order, seasonal_months, shelf_life_days, tags, withdrawn_at, version,
	created_at, updated_at`

// scanProduct reads productColumns, then any extra columns into extra.
func scanProduct(row pgx.Row, extra ...any) (domain.Product, error) {
	var p domain.Product
	var months []int16
	dest := []any{&p.ID, &p.ProducerID, &p.Name, &p.Description, &p.Group, &p.Category, &p.OCOPStars, &p.OCOPYear,
		&p.OCOPCertifiedOn, &p.OCOPExpiresOn, &p.OCOPCertificateNumber, &p.OCOPIssuedBy, &p.Certifications,
		&p.CertificationCodes, &p.Unit, &p.PriceVND, &p.MonthlyCapacity, &p.MinOrder, &months, &p.ShelfLifeDays,
		&p.Tags, &p.WithdrawnAt, &p.Version, &p.CreatedAt, &p.UpdatedAt}
	err := row.Scan(append(dest, extra...)...)
	p.SeasonalMonths = make([]int, len(months))
	for i, m := range months {
		p.SeasonalMonths[i] = int(m)
	}
	return p, err
}

func productArgs(p domain.Product) []any {
	months := make([]int16, len(p.SeasonalMonths))
	for i, m := range p.SeasonalMonths {
		months[i] = int16(m)
	}
	codes := p.CertificationCodes
	if codes == nil {
		codes = map[string]string{}
	}
	return []any{p.ID, p.ProducerID, p.Name, p.Description, p.Group, p.Category, p.OCOPStars, p.OCOPYear,
		p.OCOPCertifiedOn, p.OCOPExpiresOn, p.OCOPCertificateNumber, p.OCOPIssuedBy, p.Certifications, codes,
		p.Unit, p.PriceVND, p.MonthlyCapacity, p.MinOrder, months, p.ShelfLifeDays, p.Tags, p.WithdrawnAt, p.Version,
		p.CreatedAt, p.UpdatedAt}
}

func insertProduct(ctx context.Context, tx execer, p domain.Product) error {
	_, err := tx.Exec(ctx, `INSERT INTO catalogue.products (`+productColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`,
		productArgs(p)...)
	switch {
	case pgplatform.IsUniqueViolation(err, "products_pkey"):
		return errs.Errorf(errs.Conflict, "product %s already exists", p.ID)
	case pgplatform.IsUniqueViolation(err, "products_producer_name"):
		return errs.Errorf(errs.Conflict, "producer %s already lists a product named %q", p.ProducerID, p.Name)
	case err != nil:
		return fmt.Errorf("inserting product %s: %w", p.ID, err)
	}
	return nil
}

func updateProduct(ctx context.Context, tx execer, p domain.Product) error {
	_, err := tx.Exec(ctx, `UPDATE catalogue.products SET producer_id = $2, name = $3, description = $4, "group" = $5,
		category = $6, ocop_stars = $7, ocop_year = $8, ocop_certified_on = $9, ocop_expires_on = $10,
		ocop_certificate_number = $11, ocop_issued_by = $12, certifications = $13, certification_codes = $14,
		unit = $15, price_vnd = $16, monthly_capacity = $17, min_order = $18, seasonal_months = $19,
		shelf_life_days = $20, tags = $21, withdrawn_at = $22, version = $23, created_at = $24, updated_at = $25
		WHERE id = $1`, productArgs(p)...)
	if pgplatform.IsUniqueViolation(err, "products_producer_name") {
		return errs.Errorf(errs.Conflict, "producer %s already lists a product named %q", p.ProducerID, p.Name)
	}
	if err != nil {
		return fmt.Errorf("updating product %s: %w", p.ID, err)
	}
	return nil
}

func (r *Repository) producerInTx(ctx context.Context, tx pgx.Tx, id, lock string) (domain.Producer, error) {
	p, err := scanProducer(tx.QueryRow(ctx, `SELECT `+producerColumns+` FROM catalogue.producers WHERE id = $1 `+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		var v errs.Validation
		v.Add("producer_id", "no producer %s: register the producer first", id)
		return p, v.Err()
	}
	if err != nil {
		return p, fmt.Errorf("loading producer %s: %w", id, err)
	}
	return p, nil
}

// CreateProduct implements app.Repository.
func (r *Repository) CreateProduct(ctx context.Context, p domain.Product, emit app.Emit) (domain.Product, error) {
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		producer, err := r.producerInTx(ctx, tx, p.ProducerID, "FOR SHARE")
		if err != nil {
			return err
		}
		if err := insertProduct(ctx, tx, p); err != nil {
			return err
		}
		evs, err := emit(ctx, p, producer)
		if err != nil {
			return err
		}
		return r.outbox.Add(ctx, tx, evs...)
	})
	return p, err
}

// Product implements app.Repository.
func (r *Repository) Product(ctx context.Context, id string) (domain.Product, error) {
	p, err := scanProduct(r.pool.QueryRow(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, errs.Errorf(errs.NotFound, "no product %s", id)
	}
	if err != nil {
		return p, fmt.Errorf("loading product %s: %w", id, err)
	}
	return p, nil
}

// UpdateProduct implements app.Repository: the product is locked, changed by
// fn and written with its events in one transaction.
func (r *Repository) UpdateProduct(ctx context.Context, id string, fn func(*domain.Product) error, emit app.Emit) (domain.Product, error) {
	var out domain.Product
	err := pgplatform.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		p, err := scanProduct(tx.QueryRow(ctx, `SELECT `+productColumns+` FROM catalogue.products WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.NotFound, "no product %s", id)
		}
		if err != nil {
			return fmt.Errorf("loading product %s: %w", id, err)
		}
		if err := fn(&p); err != nil {
			if errors.Is(err, app.ErrUnchanged) {
				out = p
				return nil
			}
			return err
		}
		if err := updateProduct(ctx, tx, p); err != nil {
			return err
		}
		producer, err := r.producerInTx(ctx, tx, p.ProducerID, "")
		if err != nil {
			return err
		}
		evs, err := emit(ctx, p, producer)
		if err != nil {
			return err
		}
		out = p
		return r.outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

// sortColumns maps a listing's sort to its SQL key and the SQL type its
// cursor value is cast to.
var sortColumns = map[string]struct {
	expr, cast string
	desc       bool
}{
	"name":        {"lower(p.name)", "text", false},
	"-ocop_stars": {"p.ocop_stars", "integer", true},
	"price_vnd":   {"p.price_vnd", "bigint", false},
	"-price_vnd":  {"p.price_vnd", "bigint", true},
	"-updated_at": {"p.updated_at", "timestamptz", true},
}

// SortKeys lists the sorts a listing accepts.
func SortKeys() []string {
	return []string{"name", "-ocop_stars", "price_vnd", "-price_vnd", "-updated_at"}
}

type query struct {
	where []string
	args  []any
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) sql() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

func filtered(f app.ProductFilter) *query {
	q := &query{}
	if !f.IncludeWithdrawn {
		q.where = append(q.where, "p.withdrawn_at IS NULL")
	}
	if f.Group != "" {
		q.where = append(q.where, `p."group" = `+q.arg(f.Group))
	}
	if f.Category != "" {
		q.where = append(q.where, "p.category = "+q.arg(f.Category))
	}
	if f.Province != "" {
		q.where = append(q.where, "pr.province = "+q.arg(f.Province))
	}
	if f.ProducerID != "" {
		q.where = append(q.where, "p.producer_id = "+q.arg(f.ProducerID))
	}
	if f.MinStars > 0 {
		q.where = append(q.where, "p.ocop_stars >= "+q.arg(f.MinStars))
	}
	if len(f.Certifications) > 0 {
		q.where = append(q.where, "p.certifications @> "+q.arg(f.Certifications)+"::text[]")
	}
	if f.InSeason > 0 {
		q.where = append(q.where, "(cardinality(p.seasonal_months) = 0 OR "+q.arg(f.InSeason)+"::smallint = ANY (p.seasonal_months))")
	}
	if !f.ValidOn.IsZero() {
		q.where = append(q.where, "p.ocop_expires_on > "+q.arg(f.ValidOn))
	}
	return q
}

// ListProducts implements app.Repository: one page in the chosen order,
// and facet counts over every product the filters keep.
func (r *Repository) ListProducts(ctx context.Context, f app.ProductFilter) ([]app.ListedProduct, app.Facets, error) {
	sort, ok := sortColumns[f.Sort]
	if !ok {
		sort = sortColumns["name"]
	}
	q := filtered(f)
	facets, err := r.facets(ctx, q)
	if err != nil {
		return nil, facets, err
	}
	if f.After != nil {
		op := ">"
		if sort.desc {
			op = "<"
		}
		q.where = append(q.where, "("+sort.expr+", p.id) "+op+" ("+q.arg(f.After.Value)+"::"+sort.cast+", "+q.arg(f.After.ID)+")")
	}
	dir := "ASC"
	if sort.desc {
		dir = "DESC"
	}
	sqlText := `SELECT ` + qualified(productColumns, "p") + `, ` + sort.expr + `::text, pr.name, pr.province
		FROM catalogue.products p JOIN catalogue.producers pr ON pr.id = p.producer_id` + q.sql() +
		` ORDER BY ` + sort.expr + ` ` + dir + `, p.id ` + dir + ` LIMIT ` + q.arg(f.Limit)
	rows, err := r.pool.Query(ctx, sqlText, q.args...)
	if err != nil {
		return nil, facets, fmt.Errorf("listing products: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.ListedProduct, error) {
		var lp app.ListedProduct
		var err error
		lp.Product, err = scanProduct(row, &lp.SortValue, &lp.ProducerName, &lp.Province)
		return lp, err
	})
	return items, facets, err
}

func (r *Repository) facets(ctx context.Context, q *query) (app.Facets, error) {
	f := app.Facets{Groups: map[string]int{}, Categories: map[string]int{}, Provinces: map[string]int{},
		Stars: map[string]int{}, Certifications: map[string]int{}}
	from := ` FROM catalogue.products p JOIN catalogue.producers pr ON pr.id = p.producer_id` + q.sql()
	rows, err := r.pool.Query(ctx, `SELECT p."group", p.category, pr.province, p.ocop_stars::text, count(*)`+from+`
		GROUP BY GROUPING SETS ((p."group"), (p.category), (pr.province), (p.ocop_stars))`, q.args...)
	if err != nil {
		return f, fmt.Errorf("counting facets: %w", err)
	}
	for rows.Next() {
		var (
			group, category, province, stars *string
			n                                int
		)
		if err := rows.Scan(&group, &category, &province, &stars, &n); err != nil {
			return f, err
		}
		switch {
		case group != nil:
			f.Groups[*group] = n
		case category != nil:
			f.Categories[*category] = n
		case province != nil:
			f.Provinces[*province] = n
		case stars != nil:
			f.Stars[*stars] = n
		}
	}
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = r.pool.Query(ctx, `SELECT c, count(*) FROM (SELECT unnest(p.certifications) AS c`+from+`) certs GROUP BY c`, q.args...)
	if err != nil {
		return f, fmt.Errorf("counting certification facets: %w", err)
	}
	for rows.Next() {
		var (
			c string
			n int
		)
		if err := rows.Scan(&c, &n); err != nil {
			return f, err
		}
		f.Certifications[c] = n
	}
	return f, rows.Err()
}

// EachProduct implements app.Repository: every product with its producer, in
// the order of the producers' registration codes, for exports.
func (r *Repository) EachProduct(ctx context.Context, fn func(domain.Product, domain.Producer) error) error {
	rows, err := r.pool.Query(ctx, `SELECT `+qualified(productColumns, "p")+`, `+qualified(producerColumns, "pr")+`
		FROM catalogue.products p JOIN catalogue.producers pr ON pr.id = p.producer_id
		ORDER BY pr.registration_code, pr.id, p.id`)
	if err != nil {
		return fmt.Errorf("exporting products: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pr domain.Producer
		p, err := scanProduct(rows, &pr.ID, &pr.Name, &pr.Kind, &pr.Province, &pr.LegacyProvince, &pr.LegacyDistrict,
			&pr.Commune, &pr.Lat, &pr.Lon, &pr.Email, &pr.RegistrationCode, &pr.Address, &pr.Version, &pr.CreatedAt, &pr.UpdatedAt)
		if err != nil {
			return err
		}
		if err := fn(p, pr); err != nil {
			return err
		}
	}
	return rows.Err()
}

// qualified prefixes each column of a list with a table alias.
func qualified(columns, alias string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
