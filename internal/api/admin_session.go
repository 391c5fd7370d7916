package api

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// Login throttling: an account gets maxFailures failed attempts within
// failWindow from one client address, and maxAccountFailures from all
// addresses together; one address gets maxIPFailures over all accounts.
// The account-wide backstop caps guessing spread over many addresses, and
// would let anyone lock the owner out with it: so a browser that has signed
// in to the account before (its device cookie, see device.go) is counted
// by itself, maxFailures per cookie, and by nothing else.
const (
	maxFailures        = 5
	maxAccountFailures = 100
	maxIPFailures      = 20
	failWindow         = 15 * time.Minute
	// maxTracked bounds the keys held. Past it expired keys are swept, and if
	// that is not enough (an attack from that many addresses), attempts under
	// new keys are refused until old ones expire: memory stays bounded.
	maxTracked = 100_000
)

type throttle struct {
	mu    sync.Mutex
	fails map[string][]time.Time
	swept time.Time // when a full throttle was last swept: at most once a minute
}

func newThrottle() *throttle { return &throttle{fails: map[string][]time.Time{}} }

// limited is a throttle key with its limit.
type limited struct {
	key   string
	limit int
}

// begin counts an attempt against every key at once, before the password
// is checked, so concurrent attempts cannot all slip through while the
// first ones are still being hashed. It returns how long to wait when any
// key is over its limit (then nothing is counted).
func (t *throttle) begin(now time.Time, keys ...limited) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if f := t.recent(k.key, now); len(f) >= k.limit {
			wait = max(wait, f[len(f)-k.limit].Add(failWindow).Sub(now))
		}
	}
	if wait == 0 && len(t.fails) >= maxTracked {
		if now.Sub(t.swept) >= time.Minute {
			t.sweep(now)
			t.swept = now
		}
		for _, k := range keys {
			if _, known := t.fails[k.key]; !known && len(t.fails) >= maxTracked {
				wait = failWindow
			}
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		t.fails[k.key] = append(t.recent(k.key, now), now)
	}
	return 0
}

// succeeded takes back an attempt that signed in: the account's failures
// from that address are forgotten, and the other keys are charged nothing
// for it.
func (t *throttle) succeeded(userAtIP string, others []string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, userAtIP)
	for _, k := range others {
		f := t.fails[k]
		for i := len(f) - 1; i >= 0; i-- {
			if f[i].Equal(at) {
				t.fails[k] = append(f[:i:i], f[i+1:]...)
				break
			}
		}
		if len(t.fails[k]) == 0 {
			delete(t.fails, k)
		}
	}
}

func (t *throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	for len(f) > 0 && !now.Before(f[0].Add(failWindow)) {
		f = f[1:]
	}
	if len(f) == 0 {
		delete(t.fails, key)
	}
	return f
}

func (t *throttle) sweep(now time.Time) {
	for k := range t.fails {
		t.recent(k, now)
	}
}

// clientKey is the throttle key of a client address: IPv6 clients get a
// /64 each, so one host cannot rotate through its addresses.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	if a.Is4() || a.Is4In6() {
		return "ip:" + a.Unmap().String()
	}
	p, _ := a.Prefix(64)
	return "ip:" + p.String()
}

// dummyHash is compared against when the account does not exist, so a
// failed login takes as long for an unknown name as for a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type sessionView struct {
	Name string `json:"name"`
	Role string `json:"role"`
	CSRF string `json:"csrf,omitempty"`
}

// login checks a username and password and starts a session. Errors:
// unsupported_media_type (not JSON), invalid_request, unauthorized (wrong name or password, deliberately not
// saying which), rate_limited.
func (s *Server) login(t *throttle) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Only JSON signs in. A form on another site can post urlencoded,
		// multipart or text/plain bodies, but not JSON (that needs a CORS
		// preflight this API refuses), so no page can sign a visitor's
		// browser into an account of its choosing (login CSRF).
		if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType)
		}
		var req loginRequest
		if err := c.Bind(&req); err != nil || req.Username == "" || req.Password == "" {
			return consent.Errorf(consent.ECodeInvalid, "username and password are required")
		}
		now := s.Now()
		ipKey := clientKey(c.RealIP())
		// A name no account can have is refused before it is remembered
		// anywhere, so made-up names cannot fill the throttle.
		name := strings.ToLower(req.Username)
		valid := userName.MatchString(name)
		keys := []limited{{ipKey, maxIPFailures}}
		device := ""
		if valid {
			device = s.device(c, name)
			keys = append(keys, limited{"u:" + name + "|" + ipKey, maxFailures}, limited{"u:" + name, maxAccountFailures})
		}
		if device != "" {
			keys = []limited{{"d:" + device, maxFailures}}
		}
		if d := t.begin(now, keys...); d > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())+1))
			return consent.Errorf(consent.ECodeRateLimited, "too many failed sign-ins; try again in %d minutes", int(d.Minutes())+1)
		}
		u, err := &store.User{}, store.ErrNotFound
		if valid {
			u, err = s.Store.User(name) // names are kept in lower case
		}
		hash := dummyHash // the same bcrypt work whether or not the account exists
		if err == nil {
			hash = u.PasswordHash
		}
		if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil {
			return consent.Errorf(consent.ECodeUnauthorized, "wrong username or password")
		}
		if device != "" {
			t.succeeded("d:"+device, nil, now)
		} else {
			t.succeeded("u:"+name+"|"+ipKey, []string{ipKey, "u:" + name}, now)
		}
		secret := newSecret()
		sess := &store.Session{User: u.Name, CSRF: newSecret(), CreatedAt: now.UTC(), ExpiresAt: now.Add(sessionTTL).UTC()}
		if err := s.Store.PutSession(hashSecret(secret), sess, now, hash); errors.Is(err, store.ErrNotFound) {
			return consent.Errorf(consent.ECodeUnauthorized, "wrong username or password") // changed meanwhile
		} else if err != nil {
			return err
		}
		c.SetCookie(s.sessionCookie(c, secret, int(sessionTTL.Seconds())))
		s.setDevice(c, u.Name)
		return c.JSON(http.StatusOK, sessionView{Name: u.Name, Role: u.Role, CSRF: sess.CSRF})
	}
}

// sessionCookie is Secure whenever the dashboard is reached over https,
// directly or (per the public URL) behind a TLS-terminating proxy.
// A maxAge of -1 deletes the cookie.
func (s *Server) sessionCookie(c echo.Context, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request().TLS != nil || strings.HasPrefix(s.PublicURL, "https://")}
}

// me tells the dashboard who is signed in and the CSRF token to send.
func (s *Server) me(c echo.Context) error {
	p := c.Get(principalKey).(*principal)
	return c.JSON(http.StatusOK, sessionView{Name: p.Name, Role: p.Role, CSRF: p.CSRF})
}

// logout ends the caller's session and clears the cookie.
func (s *Server) logout(c echo.Context) error {
	p := c.Get(principalKey).(*principal)
	if p.Session != nil {
		if err := s.Store.DeleteSession(p.Session); err != nil {
			return err
		}
	}
	c.SetCookie(s.sessionCookie(c, "", -1))
	return c.NoContent(http.StatusNoContent)
}
