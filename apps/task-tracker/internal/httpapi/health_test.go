package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
)

func TestHealthAndReadiness(t *testing.T) {
	f := newFixture(t, 10, false)
	expectStatus(t, f.json(t, http.MethodGet, "/healthz", ""), http.StatusOK)
	expectStatus(t, f.json(t, http.MethodGet, "/readyz", ""), http.StatusOK)

	f.ready.Store(false)
	notReady := f.json(t, http.MethodGet, "/readyz", "")
	expectStatus(t, notReady, http.StatusServiceUnavailable)
	if decode[statusBody](t, notReady).Status != "not ready" {
		t.Fatalf("body %s", notReady.body)
	}
	expectStatus(t, f.json(t, http.MethodGet, "/healthz", ""), http.StatusOK)
}

func TestVersion(t *testing.T) {
	f := newFixture(t, 10, false)
	r := f.json(t, http.MethodGet, "/version", "")
	expectStatus(t, r, http.StatusOK)
	if got := decode[metrics.Build](t, r); got != (metrics.Build{Version: "1.2.3", Revision: "abc", GoVersion: "go"}) {
		t.Fatalf("version %+v", got)
	}
}

func TestDelayRouteOnlyWhenEnabled(t *testing.T) {
	expectStatus(t, newFixture(t, 10, false).json(t, http.MethodGet, "/debug/delay?duration=1ms", ""), http.StatusNotFound)

	f := newFixture(t, 10, true)
	started := time.Now()
	expectStatus(t, f.json(t, http.MethodGet, "/debug/delay?duration=100ms", ""), http.StatusOK)
	if took := time.Since(started); took < 100*time.Millisecond {
		t.Fatalf("delay returned after %s", took)
	}
	for _, bad := range []string{"", "?duration=forever", "?duration=31s", "?duration=-1s"} {
		expectStatus(t, f.json(t, http.MethodGet, "/debug/delay"+bad, ""), http.StatusBadRequest)
	}
}
