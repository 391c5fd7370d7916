package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/assent/assent/dashboard"
	"github.com/assent/assent/internal/api"
	"github.com/assent/assent/internal/consent"
	"github.com/assent/assent/internal/durable"
	"github.com/assent/assent/internal/ledger"
	"github.com/assent/assent/internal/receipt"
	"github.com/assent/assent/internal/retention"
	"github.com/assent/assent/internal/store"
	"github.com/assent/assent/snippet"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
)

// app is the wired server: its parts and the handler over them.
type app struct {
	store     *store.Store
	ledger    *ledger.Log
	handler   http.Handler
	stop      context.CancelFunc
	done      chan struct{}
	retention chan struct{}
}

// open prepares the data directory on first start (key, admin, demo site)
// and wires the API.
func open(cfg *Config, log *slog.Logger, now func() time.Time) (*app, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, err
	}
	bundle, err := snippet.Build(snippet.Files)
	if err != nil {
		return nil, err
	}
	dash, err := buildDashboard(dashboard.Files) // dashboard.go
	if err != nil {
		return nil, err
	}
	var lg *ledger.Log
	metrics := api.NewMetrics(func() float64 {
		if lg == nil || lg.Fresh().IsZero() {
			return 0
		}
		return time.Since(lg.Fresh()).Seconds()
	})
	st, err := store.OpenWith(filepath.Join(cfg.Data, "assent.db"), store.Options{OnCommit: metrics.ObserveCommit})
	if err != nil {
		return nil, err
	}
	signer, err := openSigner(cfg, st, log, now())
	if err == nil {
		err = bootstrap(cfg, st, log, now())
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	lg, err = openLedger(cfg, st, log)
	if err == nil {
		err = recordKeyActivation(cfg, st, signer, log, now())
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	remover := &retention.Remover{Store: st, Signer: signer, Issuer: cfg.PublicURL, Now: now, Log: log}
	srv := &api.Server{Store: st, Signer: signer, Ledger: lg, Remover: remover, Now: now, Log: log, PublicURL: cfg.PublicURL,
		RateLimit: cfg.RateLimit, SiteRateLimit: cfg.SiteRateLimit, TrustXFF: cfg.TrustProxy, TrustedProxies: cfg.TrustedProxies, Bundle: bundle, AdminToken: cfg.AdminToken,
		Dashboard: dash, Metrics: metrics}
	if cfg.Dev != "" {
		srv.Rebuild = (&devFrontEnd{dir: cfg.Dev}).Rebuild
		log.Warn("development mode: the snippet and dashboard are served from the sources on disk and rebuilt when they change", "dir", cfg.Dev)
	}
	a := &app{store: st, ledger: lg, handler: srv.Handler(), done: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	a.stop = stop
	go func() {
		defer close(a.done)
		lg.Run(ctx, checkpointEvery, func(err error) { log.Error("checkpoint not signed", "err", err) })
	}()
	a.retention = make(chan struct{})
	go func() {
		defer close(a.retention)
		remover.Run(ctx, retentionEvery)
	}()
	return a, nil
}

// openSigner opens the receipt signing keys, making one on first start.
// A database whose receipts were signed with a key that is not there (a
// restore without keys/, or with an older copy of it) is refused: a new
// key would sign on, and nothing signed before could be verified, looked
// up or erased.
func openSigner(cfg *Config, st *store.Store, log *slog.Logger, now time.Time) (*receipt.Signer, error) {
	dir := filepath.Join(cfg.Data, "keys")
	last, err := st.Meta("receipt_kid")
	if err != nil {
		return nil, err
	}
	if last != nil && !hasKey(dir, string(last)) { // checked before a new key is made
		return nil, fmt.Errorf("the receipts in %s were signed with key %s, which is not in %s: restore that folder from the same backup as the database (see README, Backup)",
			filepath.Join(cfg.Data, "assent.db"), last, dir)
	}
	signer, created, err := receipt.Open(dir, now)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("created receipt signing key", "kid", signer.KID())
	}
	return signer, nil
}

// retentionEvery is how often expired receipts are looked for.
const retentionEvery = time.Hour

// checkpointEvery is how often a new checkpoint is signed while the log grows.
const checkpointEvery = 2 * time.Second

// openLedger opens the log key (separate from the receipt key) and the last
// signed checkpoint, which lives outside the database so that restoring an
// old database cannot roll the signed log back unnoticed.
func openLedger(cfg *Config, st *store.Store, log *slog.Logger) (*ledger.Log, error) {
	u, _ := url.Parse(cfg.PublicURL)
	key, err := ledger.OpenKey(filepath.Join(cfg.Data, "keys", "log.key"), u.Host+"/assent-log")
	if err != nil {
		return nil, err
	}
	lg, err := ledger.Open(st, key, filepath.Join(cfg.Data, "log-checkpoint"))
	if err != nil {
		return nil, err
	}
	if err := lg.Broken(); err != nil {
		log.Error("the log will not be signed until this is resolved", "err", err)
	}
	return lg, nil
}

// recordKeyActivation appends a key_activated event to the log when the
// receipt signing key differs from the one last recorded (first start, or
// after `assent keys rotate`), so a key change is itself on the record.
func recordKeyActivation(cfg *Config, st *store.Store, signer *receipt.Signer, log *slog.Logger, now time.Time) error {
	prev, err := st.Meta("receipt_kid")
	if err != nil || string(prev) == signer.KID() {
		return err
	}
	ev, err := st.AppendEvent(func(i uint64) *store.Event {
		id := uuid.Must(uuid.NewV7())
		claims := map[string]any{"jti": id.String(), "iss": cfg.PublicURL, "iat": now.Unix(), "event": "key_activated",
			"kid": signer.KID(), "previous_kid": string(prev), "log": i}
		return &store.Event{ID: id, Kind: "key_activated", JWS: signer.SignEvent(claims)}
	})
	if err != nil {
		return err
	}
	log.Info("receipt signing key activated and recorded in the log", "kid", signer.KID(), "previous_kid", string(prev), "log", ev.Log)
	return st.PutMeta("receipt_kid", []byte(signer.KID()))
}

// close stops checkpointing after a last checkpoint, then closes the store.
func (a *app) close() error {
	a.stop()
	<-a.done
	<-a.retention
	a.ledger.Sign()
	return a.store.Close()
}

// bootstrap creates the first admin account and the demo site.
func bootstrap(cfg *Config, st *store.Store, log *slog.Logger, now time.Time) error {
	if st.UserCount() == 0 {
		if err := createAdmin(cfg, st, log, now); err != nil {
			return err
		}
	}
	return ensureDemo(cfg, st, now)
}

func createAdmin(cfg *Config, st *store.Store, log *slog.Logger, now time.Time) error {
	pw := cfg.AdminPassword
	if pw == "" {
		b := make([]byte, 18)
		rand.Read(b)
		pw = base64.RawURLEncoding.EncodeToString(b)
		path := filepath.Join(cfg.Data, "initial-admin-password")
		// Durable before the account it opens is: losing it would lock the
		// admin out.
		if err := durable.Write(path, []byte(pw+"\n")); err != nil {
			return err
		}
		log.Info("created admin account; its password is in a file readable only by you", "user", "admin", "password_file", path)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	return st.PutUser(&store.User{Name: "admin", Role: "owner", PasswordHash: hash, CreatedAt: now.UTC()})
}

// ensureDemo creates the demo site once, and makes sure it allows the
// server's current origin, so the demo page works on any port.
func ensureDemo(cfg *Config, st *store.Store, now time.Time) error {
	site, err := st.Site("demo")
	if errors.Is(err, store.ErrNotFound) {
		site = consent.NewSite("demo", "Demo site", nil, now)
		site.Draft.PrivacyPolicyURL = cfg.PublicURL + "/#privacy"
	} else if err != nil {
		return err
	}
	changed := site.Current == ""
	for _, o := range demoOrigins(cfg.PublicURL) {
		if !slices.Contains(site.Origins, o) {
			site.Origins, changed = append(site.Origins, o), true
		}
	}
	if !changed {
		return nil
	}
	if err := st.PutSite(site); err != nil {
		return fmt.Errorf("demo site: %w", err)
	}
	if site.Current == "" {
		_, err = st.Publish("demo", now)
	}
	return err
}

func demoOrigins(public string) []string {
	u, _ := url.Parse(public)
	out := []string{public}
	if u.Hostname() == "localhost" {
		out = append(out, u.Scheme+"://127.0.0.1:"+u.Port())
	}
	return out
}
