package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

func assertLine(t *testing.T, exposition, line string) {
	t.Helper()
	for _, l := range strings.Split(exposition, "\n") {
		if l == line {
			return
		}
	}
	t.Errorf("exposition lacks %q", line)
}

func TestExposition(t *testing.T) {
	depth := 3.0
	m := New(Build{Version: "1.2.3", Revision: "abc", GoVersion: "go1.26.0"}, func() float64 { return depth })
	done := m.RequestStarted()
	m.ObserveRequest("GET", "/tasks/{id}", 200, 30*time.Millisecond)
	m.ObserveRequest("BREW", UnmatchedRoute, 404, time.Millisecond)
	m.TaskCreated()
	m.TaskProcessed(task.Done)
	out := scrape(t, m)

	assertLine(t, out, `task_tracker_build_info{goversion="go1.26.0",revision="abc",version="1.2.3"} 1`)
	assertLine(t, out, `task_tracker_http_requests_total{code="200",method="GET",route="/tasks/{id}"} 1`)
	assertLine(t, out, `task_tracker_http_requests_total{code="404",method="OTHER",route="unmatched"} 1`)
	assertLine(t, out, `task_tracker_http_request_duration_seconds_bucket{method="GET",route="/tasks/{id}",le="0.025"} 0`)
	assertLine(t, out, `task_tracker_http_request_duration_seconds_bucket{method="GET",route="/tasks/{id}",le="0.05"} 1`)
	assertLine(t, out, `task_tracker_http_requests_in_flight 1`)
	assertLine(t, out, `task_tracker_tasks_created_total 1`)
	assertLine(t, out, `task_tracker_tasks_processed_total{outcome="done"} 1`)
	assertLine(t, out, `task_tracker_tasks_processed_total{outcome="failed"} 0`)
	assertLine(t, out, `task_tracker_tasks_queue_depth 3`)
	for _, family := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total"} {
		if !strings.Contains(out, "\n"+family+" ") {
			t.Errorf("runtime metric %s missing", family)
		}
	}

	done()
	depth = 0
	out = scrape(t, m)
	assertLine(t, out, `task_tracker_http_requests_in_flight 0`)
	assertLine(t, out, `task_tracker_tasks_queue_depth 0`)
}

func TestDatabaseGauges(t *testing.T) {
	m := New(Build{}, func() float64 { return 0 })
	out := scrape(t, m)
	assertLine(t, out, "task_tracker_database_up 0")
	assertLine(t, out, "task_tracker_database_primary 0")
	m.DatabaseChecked(true, false)
	out = scrape(t, m)
	assertLine(t, out, "task_tracker_database_up 1")
	assertLine(t, out, "task_tracker_database_primary 0")
	m.DatabaseChecked(true, true)
	assertLine(t, scrape(t, m), "task_tracker_database_primary 1")
}
