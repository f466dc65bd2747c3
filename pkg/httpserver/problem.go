package httpserver

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/ocopvn/ocop/pkg/errs"
	"github.com/ocopvn/ocop/pkg/logging"
)

// ProblemContentType is the media type of RFC 9457 problem details.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details document. Type is stable per error
// code, so clients branch on it rather than on the human-readable title.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

var problemByCode = map[errs.Code]struct {
	status int
	title  string
}{
	errs.Invalid:      {http.StatusBadRequest, "Invalid request"},
	errs.Unauthorized: {http.StatusUnauthorized, "Authentication required"},
	errs.Forbidden:    {http.StatusForbidden, "Not allowed"},
	errs.NotFound:     {http.StatusNotFound, "Not found"},
	errs.Conflict:     {http.StatusConflict, "Conflict"},
	errs.TooMany:      {http.StatusTooManyRequests, "Too many requests"},
	errs.Unavailable:  {http.StatusServiceUnavailable, "Service unavailable"},
	errs.Internal:     {http.StatusInternalServerError, "Internal error"},
}

// ProblemType returns the stable type URI for an error code.
func ProblemType(code errs.Code) string { return "urn:ocop:problem:" + string(code) }

// problemFor translates any error into a problem document. Only errs.Error
// messages reach the user; anything else is an internal error whose cause is
// logged, never shown.
func problemFor(err error) (Problem, bool) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code := codeForStatus(he.Code)
		detail := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is larger than this endpoint accepts (1 MiB for JSON requests)"
		case http.StatusNotFound:
			detail = "no such endpoint: check the path against /v1/openapi.json"
		case http.StatusMethodNotAllowed:
			detail = "this endpoint does not accept that method"
		}
		return Problem{Type: ProblemType(code), Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}, false
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Code != errs.Internal {
		meta, ok := problemByCode[e.Code]
		if !ok {
			meta = problemByCode[errs.Internal]
		}
		return Problem{Type: ProblemType(e.Code), Title: meta.title, Status: meta.status, Detail: e.Message, Errors: e.Fields}, false
	}
	meta := problemByCode[errs.Internal]
	return Problem{Type: ProblemType(errs.Internal), Title: meta.title, Status: meta.status,
		Detail: "something went wrong on our side; try again, and quote the request_id if it keeps failing"}, true
}

func codeForStatus(status int) errs.Code {
	for code, meta := range problemByCode {
		if meta.status == status {
			return code
		}
	}
	if status == http.StatusRequestEntityTooLarge || status == http.StatusMethodNotAllowed || status == http.StatusUnsupportedMediaType {
		return errs.Invalid
	}
	return errs.Internal
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p, internal := problemFor(err)
	p.Instance = c.Request().URL.Path
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if internal {
		logging.From(c.Request().Context(), s.log).Error("request failed", zap.Error(err))
	}
	if p.Status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", "1")
	}
	c.Response().Header().Set(echo.HeaderContentType, ProblemContentType)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}
