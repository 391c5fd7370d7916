package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Device cookies (after OWASP's "Slow Down Online Guessing Attacks with
// Device Cookies"): a browser that has signed in to an account gets a
// cookie naming that account, signed by the server. Sign-ins from it are
// counted per cookie only, so failures sent from elsewhere (which the
// account-wide backstop counts) cannot lock its owner out. Only a browser
// that has never signed in, or whose cookie expired, can be.
const (
	deviceCookie = "assent_device"
	deviceTTL    = 180 * 24 * time.Hour
	deviceMeta   = "device_key" // the signing key, in the store's meta bucket
)

type deviceKeys struct {
	once sync.Once
	key  []byte
	err  error
}

// deviceKey returns the key device cookies are signed with, made once per
// data directory, so cookies outlive a restart.
func (s *Server) deviceKey() ([]byte, error) {
	s.devices.once.Do(func() {
		k, err := s.Store.Meta(deviceMeta)
		if err == nil && len(k) != 32 {
			k = make([]byte, 32)
			rand.Read(k)
			err = s.Store.PutMeta(deviceMeta, k)
		}
		s.devices.key, s.devices.err = k, err
	})
	return s.devices.key, s.devices.err
}

func deviceMAC(key []byte, account, nonce string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(account + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// device returns the id of the request's device cookie when it is one
// this server signed for account, else "".
func (s *Server) device(c echo.Context, account string) string {
	ck, err := c.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	key, err := s.deviceKey()
	nonce, mac, ok := strings.Cut(ck.Value, ".")
	if err != nil || !ok || len(nonce) != 22 || !hmac.Equal([]byte(mac), []byte(deviceMAC(key, account, nonce))) {
		return ""
	}
	return nonce
}

// setDevice gives the browser that signed in to account a new device
// cookie, sent only with sign-ins. Without a key (the store failed) the
// sign-in still stands; the browser is only not remembered.
func (s *Server) setDevice(c echo.Context, account string) {
	key, err := s.deviceKey()
	if err != nil {
		s.Log.Warn("device cookie not set", "err", err)
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: deviceCookie, Value: nonce + "." + deviceMAC(key, account, nonce),
		Path: "/api/v1/admin/session", MaxAge: int(deviceTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Request().TLS != nil || strings.HasPrefix(s.PublicURL, "https://")})
}
