package httpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ocopvn/ocop/pkg/errs"
)

// maxJSONDepth bounds nesting: no request of this API nests deeper than a few
// levels, and deep nesting is only ever an attack on the parser.
const maxJSONDepth = 32

// DecodeJSON reads the request body into v strictly: JSON content type,
// valid UTF-8, no unknown fields, no trailing data, bounded nesting. Every
// failure is an errs.Invalid that names the offending field where it can.
func DecodeJSON(c echo.Context, v any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errs.Errorf(errs.Invalid, "send the body as JSON with Content-Type: application/json (got %q)", ct)
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return errs.Errorf(errs.Invalid, "the request body could not be read")
	}
	return DecodeJSONBytes(body, v)
}

// DecodeJSONBytes applies DecodeJSON's rules to a body already read.
func DecodeJSONBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.Errorf(errs.Invalid, "the request body is empty: send a JSON object")
	}
	if !utf8.Valid(body) {
		return errs.Errorf(errs.Invalid, "the request body is not valid UTF-8")
	}
	if depth(body) > maxJSONDepth {
		return errs.Errorf(errs.Invalid, "the request body nests deeper than %d levels", maxJSONDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errs.Errorf(errs.Invalid, "the request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.Errorf(errs.Invalid, "the request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errs.Errorf(errs.Invalid, "the request body must be a JSON object")
		}
		var v errs.Validation
		if typeErr.Value == "number" || strings.HasPrefix(typeErr.Value, "number ") {
			v.Add(field, "must be a %s within range", typeName(typeErr.Type.String()))
		} else {
			v.Add(field, "must be a %s, not a %s", typeName(typeErr.Type.String()), typeErr.Value)
		}
		return v.Err()
	case errors.As(err, &syntaxErr):
		return errs.Errorf(errs.Invalid, "the request body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Errorf(errs.Invalid, "the request body is cut short: it is not complete JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		var v errs.Validation
		v.Add(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		return v.Err()
	default:
		return errs.Errorf(errs.Invalid, "the request body could not be decoded: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func typeName(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "whole number"
	case strings.HasPrefix(goType, "float"):
		return "number"
	case goType == "string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.HasPrefix(goType, "map"):
		return "object"
	}
	return fmt.Sprintf("value of the right kind (%s)", goType)
}

// depth returns the deepest nesting of objects and arrays, ignoring brackets
// inside strings.
func depth(body []byte) int {
	maxDepth, cur := 0, 0
	inString, escaped := false, false
	for _, b := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			cur++
			if cur > maxDepth {
				maxDepth = cur
			}
		case '}', ']':
			cur--
		}
	}
	return maxDepth
}
