package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/auth"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/metrics"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// testToken is the one client key the fixture's guard knows; every request of `do` carries it.
const testToken = "test-token"

type fixture struct {
	server  *httptest.Server
	store   *task.Memory
	metrics *metrics.Metrics
	ready   *atomic.Bool
	logs    *syncBuffer
	// log writes every level into logs, so tests see the level each line would be filtered at.
	log *slog.Logger
}

// syncBuffer collects log output that the server goroutines write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newFixture(t *testing.T, maxTasks int, debugRoutes bool) *fixture {
	t.Helper()
	f := &fixture{store: task.NewMemory(maxTasks, time.Now), ready: &atomic.Bool{}, logs: &syncBuffer{}}
	f.log = slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.ready.Store(true)
	f.metrics = metrics.New(metrics.Build{Version: "1.2.3", Revision: "abc", GoVersion: "go"}, func() float64 {
		n, _ := f.store.Pending(context.Background())
		return float64(n)
	})
	f.server = httptest.NewServer(NewHandler(Deps{
		Store: f.store, Metrics: f.metrics, Log: f.log, Ready: f.ready,
		Build: metrics.Build{Version: "1.2.3", Revision: "abc", GoVersion: "go"}, DebugRoutes: debugRoutes,
		Guard: testGuard(),
	}))
	t.Cleanup(f.server.Close)
	return f
}

// testGuard admits the one client whose token is testToken.
func testGuard() func(http.Handler) http.Handler {
	return auth.NewGuard([]auth.Key{{Client: "test", Digest: sha256.Sum256([]byte(testToken))}}, 100_000, time.Now).Wrap
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, path, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (f *fixture) json(t *testing.T, method, path, body string) response {
	t.Helper()
	return f.do(t, method, path, "application/json", body)
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("response %q is not the expected JSON: %v", r.body, err)
	}
	return v
}

func expectStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}
