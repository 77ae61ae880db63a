package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

type logLine struct {
	Level     string  `json:"level"`
	Msg       string  `json:"msg"`
	Method    string  `json:"method"`
	Route     string  `json:"route"`
	Path      string  `json:"path"`
	Status    int     `json:"status"`
	Duration  float64 `json:"duration"`
	RequestID string  `json:"request_id"`
}

func requestLogs(t *testing.T, f *fixture) []logLine {
	t.Helper()
	var lines []logLine
	for _, raw := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q is not JSON: %v", raw, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	f := newFixture(t, 10, false)
	f.json(t, http.MethodPost, "/tasks", `{"title":"a"}`)
	f.json(t, http.MethodGet, "/tasks/1", "")
	f.json(t, http.MethodGet, "/tasks/2", "")
	f.json(t, http.MethodGet, "/tasks/3", "")
	f.json(t, http.MethodGet, "/no/such/path/123", "")
	f.json(t, http.MethodPatch, "/tasks/1", "")

	out := scrape(t, f.metrics)
	for _, want := range []string{
		`task_tracker_http_requests_total{code="201",method="POST",route="/tasks"} 1`,
		`task_tracker_http_requests_total{code="200",method="GET",route="/tasks/{id}"} 1`,
		`task_tracker_http_requests_total{code="404",method="GET",route="/tasks/{id}"} 2`,
		`task_tracker_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`task_tracker_http_requests_total{code="405",method="PATCH",route="unmatched"} 1`,
		`task_tracker_http_request_duration_seconds_count{method="GET",route="/tasks/{id}"} 3`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(out, "/tasks/1") || strings.Contains(out, "/no/such") {
		t.Error("a raw path leaked into a label")
	}
}

func TestOneJSONLogLinePerRequest(t *testing.T) {
	f := newFixture(t, 10, false)
	created := f.json(t, http.MethodPost, "/tasks", `{"title":"a"}`)
	f.json(t, http.MethodGet, "/tasks/9", "")

	lines := requestLogs(t, f)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2", len(lines))
	}
	first, second := lines[0], lines[1]
	if first.Msg != "request" || first.Level != "INFO" || first.Method != "POST" || first.Route != "/tasks" || first.Status != 201 || first.Duration <= 0 {
		t.Fatalf("first line %+v", first)
	}
	if first.RequestID == "" || first.RequestID != created.header.Get("X-Request-Id") {
		t.Fatalf("request id %q, response header %q", first.RequestID, created.header.Get("X-Request-Id"))
	}
	if second.Route != "/tasks/{id}" || second.Path != "/tasks/9" || second.Status != 404 || second.RequestID == first.RequestID {
		t.Fatalf("second line %+v", second)
	}
}

// Issue 23, "health probes flood the data set": the clusters log at info, so probes and scrapes must log below it.
func TestHealthProbesAndScrapesDoNotFloodTheInfoLog(t *testing.T) {
	f := newFixture(t, 10, false)
	scrapes := httptest.NewServer(NewMetricsHandler(f.metrics, f.log))
	t.Cleanup(scrapes.Close)

	expectStatus(t, f.json(t, http.MethodGet, "/healthz", ""), http.StatusOK)
	expectStatus(t, f.json(t, http.MethodGet, "/readyz", ""), http.StatusOK)
	f.ready.Store(false)
	expectStatus(t, f.json(t, http.MethodGet, "/readyz", ""), http.StatusServiceUnavailable)
	resp, err := http.Get(scrapes.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	expectStatus(t, response{status: resp.StatusCode}, http.StatusOK)
	expectStatus(t, f.json(t, http.MethodGet, "/tasks", ""), http.StatusOK)

	var got []string
	for _, l := range requestLogs(t, f) {
		got = append(got, fmt.Sprintf("%s %s %d", l.Level, l.Route, l.Status))
	}
	want := []string{
		"DEBUG /healthz 200", "DEBUG /readyz 200", "DEBUG /readyz 503", "DEBUG /metrics 200", "INFO /tasks 200",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("request log lines %q, want %q", got, want)
	}
}

func TestRequestIDFromTheCallerIsKeptOnlyIfPlain(t *testing.T) {
	f := newFixture(t, 10, false)
	send := func(id string) string {
		req, _ := http.NewRequest(http.MethodGet, f.server.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id")
	}
	if got := send("abc-123"); got != "abc-123" {
		t.Fatalf("plain id replaced by %q", got)
	}
	if got := send(`evil"} {"injected`); got == "" || strings.Contains(got, `"`) {
		t.Fatalf("unsafe id kept: %q", got)
	}
}
