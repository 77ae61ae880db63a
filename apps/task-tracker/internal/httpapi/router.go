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
}

// NewHandler routes every endpoint and instruments each request with metrics, a request ID and a log line.
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(d.Ready))
	mux.Handle("GET /version", versionHandler(d.Build))

	tasks := &taskHandlers{store: d.Store, metrics: d.Metrics}
	mux.HandleFunc("POST /tasks", tasks.create)
	mux.HandleFunc("GET /tasks", tasks.list)
	mux.HandleFunc("GET /tasks/{id}", tasks.get)
	mux.HandleFunc("PUT /tasks/{id}", tasks.update)
	mux.HandleFunc("DELETE /tasks/{id}", tasks.remove)

	if d.DebugRoutes {
		mux.HandleFunc("GET /debug/delay", delay)
	}
	return instrument(mux, d.Metrics, d.Log)
}
