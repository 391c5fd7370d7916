// Command assent runs the Assent consent server: the banner snippet, the
// consent API, signed receipts in an embedded bbolt database, and the demo.
//
//	go run ./server              serve on :8080 with data in ./data
//	go run ./server verify PACK  check an evidence pack offline (--jwks, --log-key: the keys to trust)
//	go run ./server keys rotate  start signing receipts with a new key
//	go run ./server backup FILE  consistent copy of the database, live or not
//	go run ./server restore FILE put a backup in place (server stopped)
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// gcPercent trades memory for CPU: a decision allocates many short-lived
// objects, and the live heap is small (tens of MiB), so collecting at 4× it
// rather than 2× costs little memory and gives the signing back ~10% CPU.
const gcPercent = 300

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if err := dispatch(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "assent:", err)
		os.Exit(1)
	}
}

// dispatch runs a subcommand, or the server when there is none. Commands
// that do not stop cleanly on a signal keep its default: it ends them.
func dispatch(args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "healthcheck":
			return healthcheck(args[1:], os.Getenv)
		case "verify":
			return verifyPack(args[1:], os.Stdout)
		case "keys":
			return keysCommand(args[1:], os.Getenv, os.Stdout)
		case "backup":
			return backupCommand(interruptible(), args[1:], os.Getenv, os.Stdout)
		case "restore":
			return restoreCommand(args[1:], os.Getenv, os.Stdout)
		}
	}
	return run(interruptible(), args, os.Getenv, os.Stdout, nil)
}

// interruptible is done at the first SIGINT or SIGTERM; a second one acts
// as it would without it, and ends the process (a shutdown stuck on
// something can still be stopped).
func interruptible() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}

// healthcheck asks a local server's /readyz; for container HEALTHCHECKs,
// where no curl is installed. Ready, not merely up: a server whose log
// cannot be signed, or whose database failed a commit, takes no decisions
// until someone looks or it is restarted, and must not pass for healthy.
//
// It asks the server that last started on this data directory, at the
// address and scheme it wrote there (see writeListening), so a server
// started with flags the check does not see (--addr, --tls-cert) is
// found all the same. Only /readyz is asked and nothing is sent, so its
// certificate is not checked.
func healthcheck(args []string, getenv func(string) string) error {
	cfg, err := Load(args, getenv)
	if err != nil {
		return err
	}
	var c *http.Client
	base := ""
	if b, err := os.ReadFile(filepath.Join(cfg.Data, listeningFile)); err == nil {
		base = strings.TrimSpace(string(b))
		c = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	} else if c, base, err = localClient(cfg); err != nil {
		return err
	}
	c.Timeout = 3 * time.Second
	res, err := c.Get(base + "/readyz")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var body struct{ Reason string }
		json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&body)
		return fmt.Errorf("readyz answered %d: %s", res.StatusCode, cmp.Or(body.Reason, "not ready"))
	}
	return nil
}

// listeningFile, in the data directory, holds the base URL of the server
// running on it, as reached from the same machine.
const listeningFile = "listening"

func writeListening(cfg *Config, addr *net.TCPAddr) error {
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	host := "127.0.0.1"
	if !addr.IP.IsUnspecified() {
		host = addr.IP.String() // bound to one address only
	}
	return os.WriteFile(filepath.Join(cfg.Data, listeningFile), []byte(scheme+"://"+net.JoinHostPort(host, strconv.Itoa(addr.Port))+"\n"), 0o600)
}

// localClient reaches the server this config runs, on 127.0.0.1, for the
// commands that talk to it. Over TLS it checks the server's certificate
// for the name in the configured certificate, against the system's roots
// and the certificates in that file (so a self-signed one works too): the
// admin token a backup sends goes only to a server with a valid certificate
// for this server's own name, never unchecked.
func localClient(cfg *Config) (*http.Client, string, error) {
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, "", err
	}
	if cfg.TLSCert == "" {
		return &http.Client{}, "http://127.0.0.1:" + port, nil
	}
	b, err := os.ReadFile(cfg.TLSCert)
	if err != nil {
		return nil, "", err
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	var leaf *x509.Certificate
	for rest := b; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			break
		}
		if c, err := x509.ParseCertificate(blk.Bytes); blk.Type == "CERTIFICATE" && err == nil {
			roots.AddCert(c)
			leaf = cmp.Or(leaf, c)
		}
	}
	if leaf == nil {
		return nil, "", fmt.Errorf("%s holds no certificate", cfg.TLSCert)
	}
	name := ""
	if len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	} else if len(leaf.IPAddresses) > 0 {
		name = leaf.IPAddresses[0].String()
	} else {
		return nil, "", fmt.Errorf("%s names no host (no subject alternative name)", cfg.TLSCert)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, ServerName: name, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, "https://127.0.0.1:" + port, nil
}

// run serves until ctx ends, then drains in-flight requests (so every
// acknowledged write is committed) and closes the store. ready, if set, gets
// the bound address once the listener is up.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer, ready func(addr string)) error {
	cfg, err := Load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(out)
	// The certificate is read before anything starts or changes: a bad
	// one is the whole error, not a failure after "assent is running"
	// (with the demo site given https origins by a start that never served).
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("--tls-cert / --tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.PublicURL == "" {
		scheme := "http://"
		if cfg.TLSCert != "" {
			scheme = "https://"
		}
		cfg.PublicURL = scheme + displayHost(ln.Addr().(*net.TCPAddr))
	}
	app, err := open(cfg, log, time.Now)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           app.handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16<<10 - 4096, // net/http reads 4 KiB past this: 16 KiB in all
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
			return
		}
		errc <- srv.Serve(ln)
	}()
	log.Info("assent is running", "demo", cfg.PublicURL+"/", "dashboard", cfg.PublicURL+"/dashboard/", "snippet", cfg.PublicURL+"/s/demo.js",
		"jwks", cfg.PublicURL+"/.well-known/jwks.json", "data", cfg.Data)
	// Where healthcheck finds this server whatever flags it was given (a
	// container's HEALTHCHECK runs with the image's environment only).
	if err := writeListening(cfg, ln.Addr().(*net.TCPAddr)); err != nil {
		log.Warn("healthcheck will go by its own settings", "err", err)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err = srv.Shutdown(sctx); err != nil {
			// A long download (a backup, an export) still runs: its
			// connection is closed, which ends it, so that the database
			// can close (it waits for their read transactions). Writes
			// in flight still finish: the store waits for them.
			log.Warn("shutting down: closing requests still running after 20 s")
			err = errors.Join(fmt.Errorf("shutdown: requests still running after 20 s were cut off"), srv.Close())
		}
		cancel()
	}
	if cerr := app.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func displayHost(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", a.Port)
	}
	return a.String()
}

// newLogger logs text to a terminal and JSON otherwise.
func newLogger(out io.Writer) *slog.Logger {
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(out, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(out, nil))
}
