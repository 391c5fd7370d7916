package api

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one server, in their own registry
// (no package-level state).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	entries  prometheus.Counter
	batch    prometheus.Histogram
	commit   prometheus.Histogram
	series   sync.Map // seriesKey → *series, so a request does not hash its labels
}

// method bounds the method label: clients may send any token as a method,
// and each new label value would be a new series held forever.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// NewMetrics registers Assent's metrics; checkpointAge reports seconds since
// the log's checkpoint was last brought up to date.
func NewMetrics(checkpointAge func() float64) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "assent_http_requests_total",
		Help: "HTTP requests by route, method and status code."}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "assent_http_request_duration_seconds",
		Help: "HTTP request latency by route and method.", Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12)},
		[]string{"route", "method"})
	m.entries = prometheus.NewCounter(prometheus.CounterOpts{Name: "assent_log_entries_written_total",
		Help: "Receipts and log events made durable."})
	m.batch = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "assent_commit_batch_size",
		Help: "Log entries per group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)})
	m.commit = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "assent_commit_duration_seconds",
		Help: "Duration of a group commit, fsync included.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14)})
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "assent_checkpoint_age_seconds",
		Help: "Seconds since the signed checkpoint was last brought up to date with the log."}, checkpointAge)
	m.Registry.MustRegister(m.requests, m.latency, m.entries, m.batch, m.commit, age,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveCommit records one group commit; the store calls it.
func (m *Metrics) ObserveCommit(entries int, took time.Duration) {
	m.entries.Add(float64(entries))
	m.batch.Observe(float64(entries))
	m.commit.Observe(took.Seconds())
}

// middleware counts and times every request by its route pattern (not its
// path, which would let clients create unbounded label values).
func (m *Metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err) // write the error response now, so its status is counted
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		k := seriesKey{route, method(c.Request().Method), c.Response().Status}
		v, ok := m.series.Load(k)
		if !ok {
			// Routes and methods are bounded by the router (unmatched paths
			// share one label), statuses by the handlers.
			v, _ = m.series.LoadOrStore(k, &series{
				requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
				latency:  m.latency.WithLabelValues(k.route, k.method),
			})
		}
		v.(*series).requests.Inc()
		v.(*series).latency.Observe(time.Since(start).Seconds())
		return nil
	}
}

// metricsHandler serves /metrics to loopback clients (a local Prometheus or
// agent) and to authenticated admins; traffic volumes are not public.
// localScraper: the connection itself comes from loopback, no proxy
// forwarded it, and it asked for a loopback name. The forwarded-for
// address is never trusted here (any client can send one), and a reverse
// proxy on the same host adds it; the Host header keeps out a page in a
// browser on this machine whose own name was rebound to 127.0.0.1.
func localScraper(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback() && loopbackName(r.Host) &&
		r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == "" && r.Header.Get("X-Real-Ip") == ""
}

// loopbackName reports whether a Host header (or a URL's host) names this
// machine: localhost, or a loopback address.
func loopbackName(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	ip := net.ParseIP(host)
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || ip != nil && ip.IsLoopback()
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{})
	return func(c echo.Context) error {
		if !localScraper(c.Request()) {
			if err := s.requireRole(RoleAuditor)(func(echo.Context) error { return nil })(c); err != nil {
				return err
			}
		}
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
