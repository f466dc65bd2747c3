package httpserver

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/errs"
)

// Page is the shape of every list response: items and, when there are more,
// the cursor that fetches the next page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// PageRequest is a decoded ?cursor=&limit= pair.
type PageRequest struct {
	Limit  int
	Cursor string // opaque to clients; decode with DecodeCursor
}

// ParsePage reads limit (1..max, default def) and cursor from the query.
func ParsePage(c echo.Context, def, max int) (PageRequest, error) {
	var v errs.Validation
	pr := PageRequest{Limit: def, Cursor: c.QueryParam("cursor")}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > max {
			v.Add("limit", "must be a whole number from 1 to %d", max)
		} else {
			pr.Limit = n
		}
	}
	return pr, v.Err()
}

// EncodeCursor turns a position (usually the sort key of the last item) into
// an opaque cursor.
func EncodeCursor(position any) string {
	b, _ := json.Marshal(position)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into position.
func DecodeCursor(cursor string, position any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, position)
	}
	if err != nil {
		var v errs.Validation
		v.Add("cursor", "is not a cursor this API issued: use next_cursor from the previous page")
		return v.Err()
	}
	return nil
}

// QueryBool reads a true/false query parameter, false when absent.
func QueryBool(c echo.Context, name string) (bool, error) {
	s := c.QueryParam(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		var v errs.Validation
		v.Add(name, "must be true or false")
		return false, v.Err()
	}
	return b, nil
}
