// Package metrics owns the Prometheus registry of the service: RED metrics of the API, task metrics, build info and
// the Go runtime and process collectors.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// Build identifies the running binary.
type Build struct {
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"goVersion"`
}

// UnmatchedRoute labels requests that matched no route, so raw paths never become label values.
const UnmatchedRoute = "unmatched"

// knownMethods bounds the method label; anything else is recorded as "OTHER".
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true,
}

type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	created   prometheus.Counter
	processed *prometheus.CounterVec
	dbUp      prometheus.Gauge
	dbPrimary prometheus.Gauge
}

// New registers every metric; queueDepth is read at each scrape.
func New(build Build, queueDepth func() float64) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "task_tracker_http_requests_total",
			Help: "HTTP requests served, by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "task_tracker_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by method and route template.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "task_tracker_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "task_tracker_tasks_created_total",
			Help: "Tasks created through the API.",
		}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "task_tracker_tasks_processed_total",
			Help: "Tasks the worker finished, by outcome (done or failed).",
		}, []string{"outcome"}),
	}
	m.dbUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "task_tracker_database_up",
		Help: "1 when the last check reached the database (and the schema is migrated), else 0.",
	})
	m.dbPrimary = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "task_tracker_database_primary",
		Help: "1 when the database takes writes, 0 while it is unreachable or a replica; /readyz fails at 0.",
	})
	for _, outcome := range []task.Status{task.Done, task.Failed} {
		m.processed.WithLabelValues(string(outcome))
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "task_tracker_build_info",
		Help:        "Always 1; the labels identify the running build.",
		ConstLabels: prometheus.Labels{"version": build.Version, "revision": build.Revision, "goversion": build.GoVersion},
	})
	buildInfo.Set(1)
	m.registry.MustRegister(
		m.requests, m.durations, m.inFlight, m.created, m.processed, buildInfo, m.dbUp, m.dbPrimary,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "task_tracker_tasks_queue_depth",
			Help: "Tasks waiting for a worker.",
		}, queueDepth),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Register adds the collectors of another part of the service (the task events producer) to the registry.
func (m *Metrics) Register(collectors ...prometheus.Collector) {
	m.registry.MustRegister(collectors...)
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// RequestStarted counts a request in flight until the returned function is called.
func (m *Metrics) RequestStarted() (finished func()) {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// ObserveRequest records a served request; route is the matched route template or UnmatchedRoute.
func (m *Metrics) ObserveRequest(method, route string, code int, took time.Duration) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.durations.WithLabelValues(method, route).Observe(took.Seconds())
}

func (m *Metrics) TaskCreated() { m.created.Inc() }

func (m *Metrics) TaskProcessed(outcome task.Status) {
	m.processed.WithLabelValues(string(outcome)).Inc()
}

// DatabaseChecked records what the last check of the database found.
func (m *Metrics) DatabaseChecked(up, primary bool) {
	m.dbUp.Set(boolGauge(up))
	m.dbPrimary.Set(boolGauge(primary))
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
