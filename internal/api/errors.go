package api

import (
	"errors"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
)

var statusOf = map[string]int{
	consent.ECodeInvalid:          http.StatusBadRequest,
	consent.ECodeUnknownField:     http.StatusBadRequest,
	consent.ECodeUnknownPurp:      http.StatusBadRequest,
	consent.ECodeMissingPurp:      http.StatusBadRequest,
	consent.ECodeUnknownConfig:    http.StatusBadRequest,
	consent.ECodeConflict:         http.StatusBadRequest,
	consent.ECodeDecisionConflict: http.StatusConflict,
	ECodeEditConflict:             http.StatusConflict,
	consent.ECodeUnauthorized:     http.StatusUnauthorized,
	consent.ECodeForbidden:        http.StatusForbidden,
	consent.ECodeDenied:           http.StatusForbidden,
	consent.ECodeNotFound:         http.StatusNotFound,
	consent.ECodeTooLarge:         http.StatusRequestEntityTooLarge,
	consent.ECodeRateLimited:      http.StatusTooManyRequests,
	consent.ECodeUnavailable:      http.StatusServiceUnavailable,
	consent.ECodeInternal:         http.StatusInternalServerError,
}

// Echo's own errors (routing, bind, body limit) by status.
var echoCodes = map[int]*consent.Error{
	http.StatusNotFound:              {Code: consent.ECodeNotFound, Message: "no such resource"},
	http.StatusMethodNotAllowed:      {Code: "method_not_allowed", Message: "method not allowed on this resource"},
	http.StatusRequestEntityTooLarge: {Code: consent.ECodeTooLarge, Message: "request body is too large"},
	http.StatusBadRequest:            {Code: consent.ECodeInvalid, Message: "malformed request"},
	http.StatusTooManyRequests:       {Code: consent.ECodeRateLimited, Message: "too many requests; retry later"},
	http.StatusUnsupportedMediaType:  {Code: "unsupported_media_type", Message: "unsupported content type"},
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// handleError is the one place errors become responses. Internal causes are
// logged, never sent.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, ce := s.classify(err, c)
	var body errorBody
	body.Error.Code, body.Error.Message = ce.Code, ce.Message
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, body)
}

func (s *Server) classify(err error, c echo.Context) (int, *consent.Error) {
	var ce *consent.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ce):
		if st, ok := statusOf[ce.Code]; ok {
			return st, ce
		}
		return http.StatusBadRequest, ce
	case errors.As(err, &he):
		if known := echoCodes[he.Code]; known != nil {
			return he.Code, known
		}
		if he.Code < 500 {
			return he.Code, &consent.Error{Code: "http_error", Message: http.StatusText(he.Code)}
		}
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, &consent.Error{Code: consent.ECodeNotFound, Message: "not found"}
	case errors.Is(err, ledger.ErrRollback), errors.Is(err, ledger.ErrInconsistent):
		// Until an operator looks (see /readyz): not this request's fault.
		s.Log.Error("the log refuses to sign", "path", c.Path(), "err", err)
		return http.StatusServiceUnavailable, &consent.Error{Code: consent.ECodeUnavailable, Message: "the log cannot be signed now; see the server's log"}
	case errors.Is(err, store.ErrUnavailable):
		s.Log.Warn("write refused", "path", c.Path(), "err", err)
		c.Response().Header().Set("Retry-After", "1")
		return http.StatusServiceUnavailable, &consent.Error{Code: consent.ECodeUnavailable, Message: "the decision could not be stored; retry"}
	}
	s.Log.Error("internal error", "method", c.Request().Method, "path", c.Path(), "err", err)
	return http.StatusInternalServerError, &consent.Error{Code: consent.ECodeInternal, Message: "internal error"}
}

// notFound answers under /api/v1 what no route does. A path that routes
// serve with other methods is 405, with those in Allow, as Echo answers
// elsewhere: the catch-all that keeps unknown API paths JSON would
// otherwise hide that.
func notFound(c echo.Context) error {
	var allow []string
	path := c.Request().URL.RawPath // what Echo routes by, when set
	if path == "" {
		path = c.Request().URL.Path
	}
	self := runtime.FuncForPC(reflect.ValueOf(notFound).Pointer()).Name()
	for _, r := range c.Echo().Routes() {
		// Not this catch-all, nor another (Echo names a route by its handler).
		if r.Method != echo.RouteNotFound && r.Name != self && routeMatches(r.Path, path) && !slices.Contains(allow, r.Method) {
			allow = append(allow, r.Method)
		}
	}
	if len(allow) > 0 {
		slices.Sort(allow)
		c.Response().Header().Set("Allow", strings.Join(allow, ", "))
		return echo.NewHTTPError(http.StatusMethodNotAllowed)
	}
	return consent.Errorf(consent.ECodeNotFound, "no such API route")
}

// routeMatches reports whether path is one an Echo route pattern
// (":name" one segment, maybe empty unless it is the last; "*" the rest)
// serves.
func routeMatches(pattern, path string) bool {
	for {
		p, prest, pmore := strings.Cut(pattern, "/")
		s, srest, smore := strings.Cut(path, "/")
		switch {
		case p == "*":
			return true
		case strings.HasPrefix(p, ":"):
			if s == "" && !pmore { // Echo does not route "/consents/" to "/consents/:id"
				return false
			}
		case p != s:
			return false
		}
		if pmore != smore {
			return false
		}
		if !pmore {
			return true
		}
		pattern, path = prest, srest
	}
}
