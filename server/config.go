package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/assent/assent/snippet"
)

// Config is everything the server reads from its flags and environment.
// Flags win over ASSENT_* variables, which win over defaults.
type Config struct {
	Addr          string
	Data          string
	PublicURL     string
	RateLimit     float64
	SiteRateLimit float64
	TrustProxy    bool
	// TrustedProxies are public proxies (a CDN's ranges, say) trusted
	// besides those on private, loopback and link-local addresses.
	TrustedProxies []netip.Prefix
	TLSCert        string
	TLSKey         string
	Dev            string // a checkout whose front-end sources are served, rebuilt on change
	AdminPassword  string // secret: never printed
	AdminToken     string // secret: never printed
}

// Load parses args (without the program name) and the environment.
func Load(args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("assent", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "ASSENT_ADDR", ":8080"), "listen address (ASSENT_ADDR)")
	fs.StringVar(&c.Data, "data", envOr(getenv, "ASSENT_DATA", "./data"), "data directory (ASSENT_DATA)")
	fs.StringVar(&c.PublicURL, "public-url", getenv("ASSENT_PUBLIC_URL"), "public base URL (ASSENT_PUBLIC_URL)")
	rl := fs.String("rate-limit", envOr(getenv, "ASSENT_RATE_LIMIT", "20"), "decision POSTs per second per client IP, 0 = off (ASSENT_RATE_LIMIT)")
	srl := fs.String("site-rate-limit", envOr(getenv, "ASSENT_SITE_RATE_LIMIT", "1000"), "decisions per second per site, 0 = off (ASSENT_SITE_RATE_LIMIT)")
	fs.StringVar(&c.TLSCert, "tls-cert", getenv("ASSENT_TLS_CERT"), "TLS certificate file (PEM) to serve HTTPS (ASSENT_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", getenv("ASSENT_TLS_KEY"), "TLS private key file (PEM) (ASSENT_TLS_KEY)")
	fs.StringVar(&c.Dev, "dev", getenv("ASSENT_DEV"), "development: serve the snippet and dashboard from the sources in this checkout, rebuilt when they change (ASSENT_DEV)")
	trust, err := envBool(getenv, "ASSENT_TRUST_PROXY")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&c.TrustProxy, "trust-proxy", trust, "take client IPs from X-Forwarded-For set by a proxy on a private, loopback or link-local address (ASSENT_TRUST_PROXY)")
	tp := fs.String("trusted-proxies", getenv("ASSENT_TRUSTED_PROXIES"), "comma-separated address ranges (CIDR) of public proxies whose X-Forwarded-For is trusted too, e.g. a CDN's; implies --trust-proxy (ASSENT_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w\nusage: assent [flags]\n"+
			"       assent verify [--jwks FILE --log-key FILE] PACK.zip\n"+
			"       assent backup FILE [flags] | assent restore FILE [--data DIR] [--accept-rollback]\n"+
			"       assent keys rotate [--data DIR] | assent healthcheck [flags]\n%s", err, usage(fs))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.RateLimit, err = strconv.ParseFloat(*rl, 64); err != nil {
		return nil, errors.New("--rate-limit / ASSENT_RATE_LIMIT must be a number of requests per second")
	}
	if c.SiteRateLimit, err = strconv.ParseFloat(*srl, 64); err != nil {
		return nil, errors.New("--site-rate-limit / ASSENT_SITE_RATE_LIMIT must be a number of decisions per second")
	}
	// Trusted proxies imply --trust-proxy, unless the flag says false: it
	// wins over the variables, and contradicts --trusted-proxies.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["trust-proxy"] && !c.TrustProxy {
		if set["trusted-proxies"] {
			return nil, errors.New("--trust-proxy=false contradicts --trusted-proxies")
		}
		*tp = ""
	}
	for _, r := range strings.Split(*tp, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		p, err := netip.ParsePrefix(r)
		if err != nil {
			a, aerr := netip.ParseAddr(r)
			if aerr != nil {
				return nil, fmt.Errorf("--trusted-proxies / ASSENT_TRUSTED_PROXIES: %q is not an address range like 203.0.113.0/24 or 2001:db8::/32", r)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		c.TrustProxy = true
	}
	c.AdminPassword, c.AdminToken = getenv("ASSENT_ADMIN_PASSWORD"), getenv("ASSENT_ADMIN_TOKEN")
	return c, c.Validate()
}

// Validate reports the first invalid setting, naming its flag and variable.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("--addr / ASSENT_ADDR must not be empty")
	case c.Data == "":
		return errors.New("--data / ASSENT_DATA must not be empty")
	// NaN compares false with everything: a limiter of NaN lets all
	// through, and one of +Inf is no limit either.
	case !(c.RateLimit >= 0) || math.IsInf(c.RateLimit, 0):
		return errors.New("--rate-limit / ASSENT_RATE_LIMIT must be 0 (off) or more")
	case !(c.SiteRateLimit >= 0) || math.IsInf(c.SiteRateLimit, 0):
		return errors.New("--site-rate-limit / ASSENT_SITE_RATE_LIMIT must be 0 (off) or more")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("--tls-cert / ASSENT_TLS_CERT and --tls-key / ASSENT_TLS_KEY go together")
	case c.Dev != "" && !isFile(filepath.Join(c.Dev, "snippet", snippet.Entry)):
		return errors.New("--dev / ASSENT_DEV must name a checkout of Assent (a folder holding snippet/ and dashboard/), e.g. --dev .")
	case c.AdminToken != "" && len(c.AdminToken) < 32:
		return errors.New("ASSENT_ADMIN_TOKEN must be at least 32 characters")
	case c.AdminPassword != "" && (len(c.AdminPassword) < 12 || len(c.AdminPassword) > 72):
		return errors.New("ASSENT_ADMIN_PASSWORD must be 12 to 72 bytes (bcrypt reads no more)")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		port, perr := strconv.Atoi(cmp.Or(u.Port(), "443"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") ||
			u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || perr != nil || port < 1 || port > 65535 {
			return errors.New("--public-url / ASSENT_PUBLIC_URL must be an origin like https://consent.example.com")
		}
		// As browsers write origins: receipts name it as their issuer, and
		// cookies are Secure when it starts with https://.
		c.PublicURL = u.Scheme + "://" + strings.ToLower(u.Host)
	}
	return nil
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// envBool reads a true/false variable as flags do (1, t, true, TRUE…);
// anything else is an error rather than a silent false.
func envBool(getenv func(string) string, key string) (bool, error) {
	v := getenv(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, not %q", key, v)
	}
	return b, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) { fmt.Fprintf(&b, "  --%s\t%s (default %q)\n", f.Name, f.Usage, f.DefValue) })
	return b.String()
}
