package httpapi

import (
	"net/http"
	"sync/atomic"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
)

type statusBody struct {
	Status string `json:"status"`
}

// healthz answers as long as the process serves HTTP: the liveness probe.
func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// readyz fails once shutdown has begun, so that endpoints stop routing new requests here: the readiness probe.
func readyz(ready *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, statusBody{Status: "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, statusBody{Status: "ready"})
	})
}

func versionHandler(build metrics.Build) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, build)
	})
}
