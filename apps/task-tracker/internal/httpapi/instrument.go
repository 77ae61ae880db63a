package httpapi

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
)

const requestIDHeader = "X-Request-Id"

// A caller's request ID is kept only if it is short and plain, so it is safe in logs.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// quietRoutes are polled all day by the kubelet's probes and by Prometheus. At info they would put a line per probe
// and scrape into the log archive (issue 23: ~36 lines a minute per pod), so they log at debug; a failing probe still
// shows as a kubelet event (reason Unhealthy), which the events export keeps.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// instrument wraps mux: each request gets a request ID, counts in the RED metrics under its route template, and
// writes one log line.
func instrument(mux *http.ServeMux, m *metrics.Metrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		finished := m.RequestStarted()
		defer finished()
		route, status, took := serveLogged(mux, log, w, r)
		m.ObserveRequest(r.Method, route, status, took)
	})
}

// NewMetricsHandler serves /metrics for Prometheus on its own port; each scrape writes a debug log line.
func NewMetricsHandler(m *metrics.Metrics, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveLogged(mux, log, w, r) })
}

// serveLogged serves r through mux under a request ID and writes its log line: debug for quietRoutes, error for a
// server error, info otherwise.
func serveLogged(
	mux *http.ServeMux, log *slog.Logger, w http.ResponseWriter, r *http.Request,
) (string, int, time.Duration) {
	started := time.Now()
	id := r.Header.Get(requestIDHeader)
	if !validRequestID.MatchString(id) {
		id = rand.Text()
	}
	w.Header().Set(requestIDHeader, id)
	_, pattern := mux.Handler(r)
	route := routeTemplate(pattern)

	recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	mux.ServeHTTP(recorder, r)
	took := time.Since(started)

	level := slog.LevelInfo
	switch {
	case quietRoutes[route]:
		level = slog.LevelDebug
	case recorder.status >= 500:
		level = slog.LevelError
	}
	log.LogAttrs(r.Context(), level, "request",
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", recorder.status),
		slog.Float64("duration", took.Seconds()),
		slog.String("request_id", id),
	)
	return route, recorder.status, took
}

// routeTemplate turns a ServeMux pattern such as "GET /tasks/{id}" into "/tasks/{id}"; no pattern means no route.
func routeTemplate(pattern string) string {
	if pattern == "" {
		return metrics.UnmatchedRoute
	}
	if _, path, hasMethod := strings.Cut(pattern, " "); hasMethod {
		return path
	}
	return pattern
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(status int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = status, true
	}
	s.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
