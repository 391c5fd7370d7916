package consent

import (
	"net/url"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Origin is a parsed web origin; Host may start with "*." in an allowed-origin
// pattern, matching any subdomain (not the apex).
type Origin struct {
	Scheme string
	Host   string // lower-case, with port when not the scheme's default
}

// ParseOrigin parses "scheme://host[:port]" (no path, query or user info).
// It returns *Error invalid_request on anything else.
func ParseOrigin(s string) (Origin, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return Origin{}, Errorf(ECodeInvalid, "origin %q must look like https://example.com", s)
	}
	host := strings.ToLower(u.Host)
	if !ascii(host) {
		// Browsers send an internationalised host in its ASCII (punycode)
		// form, so that is the form compared: "bücher.example" as typed
		// would never match a request.
		name, wild := strings.CutPrefix(u.Hostname(), "*.")
		a, err := idna.Lookup.ToASCII(name)
		if err != nil {
			return Origin{}, Errorf(ECodeInvalid, "origin %q: %q is not a valid domain name", s, name)
		}
		if wild {
			a = "*." + a
		}
		if host = a; u.Port() != "" {
			host += ":" + u.Port()
		}
	}
	if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	if strings.Contains(strings.TrimPrefix(host, "*."), "*") {
		return Origin{}, Errorf(ECodeInvalid, "origin %q: a wildcard may only lead the host, as https://*.example.com", s)
	}
	// A name ending in a dot is the same site to DNS but another origin to
	// the browser; "*." would match every one of them.
	if strings.HasSuffix(u.Hostname(), ".") {
		return Origin{}, Errorf(ECodeInvalid, "origin %q: the host must not end with a dot", s)
	}
	name := strings.ToLower(u.Hostname())
	// A wildcard over a public suffix (*.com, *.co.uk, *.github.io) would
	// let every site under it record decisions and read visitors' consent.
	if rest, wild := strings.CutPrefix(name, "*."); wild {
		if a, err := idna.Lookup.ToASCII(rest); err == nil {
			rest = a
		}
		if ps, _ := publicsuffix.PublicSuffix(rest); rest == "" || ps == rest {
			return Origin{}, Errorf(ECodeInvalid, "origin %q: a wildcard must stand for subdomains of one site, as https://*.example.com, not of %q", s, "."+rest)
		}
	}
	return Origin{Scheme: u.Scheme, Host: host}, nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (o Origin) String() string { return o.Scheme + "://" + o.Host }

// Matches reports whether the concrete origin o is allowed by pattern p.
func (p Origin) Matches(o Origin) bool {
	if p.Scheme != o.Scheme {
		return false
	}
	if rest, ok := strings.CutPrefix(p.Host, "*."); ok {
		return strings.HasSuffix(o.Host, "."+rest) && !strings.HasPrefix(o.Host, "*")
	}
	return p.Host == o.Host
}

// OriginAllowed reports whether the Origin header value origin is allowed by
// any of the patterns. Malformed values are never allowed.
func OriginAllowed(patterns []string, origin string) bool {
	o, err := ParseOrigin(origin)
	if err != nil || strings.HasPrefix(o.Host, "*") {
		return false
	}
	for _, s := range patterns {
		if p, err := ParseOrigin(s); err == nil && p.Matches(o) {
			return true
		}
	}
	return false
}
