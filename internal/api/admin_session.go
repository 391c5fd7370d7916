package api

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/store"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"
)

// Login throttling: after maxFailures failed attempts within failWindow for
// one account or one client address, further attempts are refused until the
// oldest failure ages out. Per account stops guessing one password from many
// addresses; per address stops one client trying many accounts.
const (
	maxFailures   = 5
	maxIPFailures = 20
	failWindow    = 15 * time.Minute
)

type throttle struct {
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newThrottle() *throttle { return &throttle{fails: map[string][]time.Time{}} }

// wait returns how long key must wait before its next attempt, 0 if none.
func (t *throttle) wait(key string, limit int, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.recent(key, now)
	if len(f) < limit {
		return 0
	}
	return f[len(f)-limit].Add(failWindow).Sub(now)
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[key] = append(t.recent(key, now), now)
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
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
// invalid_request, unauthorized (wrong name or password, deliberately not
// saying which), rate_limited.
func (s *Server) login(t *throttle) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req loginRequest
		if err := c.Bind(&req); err != nil || req.Username == "" || req.Password == "" {
			return consent.Errorf(consent.ECodeInvalid, "username and password are required")
		}
		now := s.Now()
		userKey, ipKey := "u:"+strings.ToLower(req.Username), "ip:"+c.RealIP()
		if d := max(t.wait(userKey, maxFailures, now), t.wait(ipKey, maxIPFailures, now)); d > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())+1))
			return consent.Errorf(consent.ECodeRateLimited, "too many failed sign-ins; try again in %d minutes", int(d.Minutes())+1)
		}
		u, err := s.Store.User(req.Username)
		hash := dummyHash
		if err == nil {
			hash = u.PasswordHash
		}
		if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil {
			t.fail(userKey, now)
			t.fail(ipKey, now)
			return consent.Errorf(consent.ECodeUnauthorized, "wrong username or password")
		}
		t.reset(userKey)
		secret := newSecret()
		sess := &store.Session{User: u.Name, CSRF: newSecret(), CreatedAt: now.UTC(), ExpiresAt: now.Add(sessionTTL).UTC()}
		if err := s.Store.PutSession(hashSecret(secret), sess, now); err != nil {
			return err
		}
		c.SetCookie(s.sessionCookie(c, secret, int(sessionTTL.Seconds())))
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
