// Package httpapi serves the task API, the health endpoints and the build version over HTTP.
package httpapi

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

type Deps struct {
	Store   task.Store
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Ready is what /readyz reports; the process clears it when it starts to shut down.
	Ready *atomic.Bool
	Build metrics.Build
	// DebugRoutes adds /debug/delay, for tests only.
	DebugRoutes bool
	// Guard authenticates and rate-limits every /tasks request (internal/auth); required.
	Guard func(http.Handler) http.Handler
}

// NewHandler routes every endpoint and instruments each request with metrics, a request ID and a log line.
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(d.Ready))
	mux.Handle("GET /version", versionHandler(d.Build))

	if d.Guard == nil {
		panic("httpapi: no Guard: the task API never runs unauthenticated")
	}
	tasks := &taskHandlers{store: d.Store, metrics: d.Metrics}
	guarded := func(h http.HandlerFunc) http.Handler { return d.Guard(h) }
	mux.Handle("POST /tasks", guarded(tasks.create))
	mux.Handle("GET /tasks", guarded(tasks.list))
	mux.Handle("GET /tasks/{id}", guarded(tasks.get))
	mux.Handle("PUT /tasks/{id}", guarded(tasks.update))
	mux.Handle("DELETE /tasks/{id}", guarded(tasks.remove))

	if d.DebugRoutes {
		mux.HandleFunc("GET /debug/delay", delay)
	}
	return instrument(mux, d.Metrics, d.Log)
}
