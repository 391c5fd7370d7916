// Package api is Assent's HTTP interface: the public API used by the snippet
// and site tags, the well-known keys, and the demo page. It is the only
// package that imports Echo.
package api

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/snippet"
	"github.com/labstack/echo/v4"
)

// Server holds the API's dependencies. Fill the exported fields, then call
// Handler once.
type Server struct {
	Store         *store.Store
	Signer        *receipt.Signer
	Ledger        *ledger.Log
	Remover       *retention.Remover
	Now           func() time.Time
	Log           *slog.Logger
	PublicURL     string  // issuer of receipts, e.g. https://consent.example.com
	RateLimit     float64 // decision POSTs per second per client IP; 0 = off
	SiteRateLimit float64 // decisions per second per site; 0 = off
	TrustXFF      bool    // take the client IP from X-Forwarded-For (behind a proxy)
	// TrustedProxies are public proxy ranges whose X-Forwarded-For is
	// trusted besides private, loopback and link-local ones.
	TrustedProxies []netip.Prefix
	Bundle         snippet.Bundles // the minified snippet, per layout
	Dashboard      Dashboard       // the built dashboard front end (admin_dashboard.go)
	// Rebuild, in development only (--dev), returns the snippet bundle and
	// the dashboard as built from the sources on disk, with a number that
	// changes when they were rebuilt; then Bundle and Dashboard are unused.
	Rebuild func() (gen uint64, bundle snippet.Bundles, dash Dashboard, err error)

	AdminToken string   // ASSENT_ADMIN_TOKEN: a bearer token with the owner role
	Metrics    *Metrics // optional

	admit         chan struct{}            // decisions being decoded and signed, a few per core
	front         atomic.Pointer[frontEnd] // what /s/ and /dashboard/ serve
	snippets      sync.Map                 // snippetKey → *snippetEntry
	snippetBuilds sync.Map                 // snippetKey → *sync.Mutex: one build of each at a time
	inflight      sync.Map                 // site|visitor → decision being recorded
	verifying     sync.Mutex               // held while an uploaded pack is checked: one at a time
	siteLimits    siteLimits
	devices       deviceKeys // signs device cookies (device.go)
}

// Handler builds the Echo instance serving every route.
func (s *Server) Handler() http.Handler {
	s.admit = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	if s.Rebuild == nil {
		s.front.Store(newFrontEnd(0, s.Bundle, s.Dashboard))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if s.TrustXFF {
		// Echo trusts proxies on private, loopback and link-local
		// addresses; a public one (a CDN) only when listed.
		var opts []echo.TrustOption
		for _, p := range s.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.routes(e)
	return e
}
