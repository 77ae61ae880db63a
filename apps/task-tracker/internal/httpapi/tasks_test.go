package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

func TestTaskLifecycle(t *testing.T) {
	f := newFixture(t, 10, false)

	created := f.json(t, http.MethodPost, "/tasks", `{"title":"  ship it ","description":"v1"}`)
	expectStatus(t, created, http.StatusCreated)
	got := decode[task.Task](t, created)
	if got.ID != "1" || got.Title != "ship it" || got.Status != task.Pending || created.header.Get("Location") != "/tasks/1" {
		t.Fatalf("created %+v, Location %q", got, created.header.Get("Location"))
	}
	if !strings.Contains(scrape(t, f.metrics), "task_tracker_tasks_created_total 1\n") {
		t.Fatal("tasks created counter did not increase")
	}

	fetched := f.json(t, http.MethodGet, "/tasks/1", "")
	expectStatus(t, fetched, http.StatusOK)
	if decode[task.Task](t, fetched).Title != "ship it" {
		t.Fatalf("fetched %s", fetched.body)
	}

	updated := f.json(t, http.MethodPut, "/tasks/1", `{"title":"ship it now"}`)
	expectStatus(t, updated, http.StatusOK)
	if u := decode[task.Task](t, updated); u.Title != "ship it now" || u.Description != "" {
		t.Fatalf("updated %+v", u)
	}

	f.json(t, http.MethodPost, "/tasks", `{"title":"second"}`)
	list := decode[taskList](t, f.json(t, http.MethodGet, "/tasks", ""))
	if len(list.Tasks) != 2 || list.Tasks[0].ID != "1" || list.Tasks[1].ID != "2" {
		t.Fatalf("list %+v", list)
	}

	expectStatus(t, f.json(t, http.MethodDelete, "/tasks/1", ""), http.StatusNoContent)
	expectStatus(t, f.json(t, http.MethodGet, "/tasks/1", ""), http.StatusNotFound)
	expectStatus(t, f.json(t, http.MethodDelete, "/tasks/1", ""), http.StatusNotFound)
	expectStatus(t, f.json(t, http.MethodPut, "/tasks/1", `{"title":"x"}`), http.StatusNotFound)
}

func TestListFiltersByStatus(t *testing.T) {
	f := newFixture(t, 10, false)
	f.json(t, http.MethodPost, "/tasks", `{"title":"a"}`)
	f.json(t, http.MethodPost, "/tasks", `{"title":"b"}`)
	f.store.Claim(context.Background())

	pending := decode[taskList](t, f.json(t, http.MethodGet, "/tasks?status=pending", ""))
	if len(pending.Tasks) != 1 || pending.Tasks[0].ID != "2" {
		t.Fatalf("pending %+v", pending)
	}
	empty := f.json(t, http.MethodGet, "/tasks?status=done", "")
	if strings.TrimSpace(empty.body) != `{"tasks":[]}` {
		t.Fatalf("an empty list must be [], got %s", empty.body)
	}
	bad := f.json(t, http.MethodGet, "/tasks?status=finished", "")
	expectStatus(t, bad, http.StatusBadRequest)
	if !strings.Contains(bad.body, `unknown status \"finished\"`) {
		t.Fatalf("body %s", bad.body)
	}
}

func TestRejectsBadInput(t *testing.T) {
	f := newFixture(t, 10, false)
	cases := []struct {
		name, contentType, body string
		status                  int
		message                 string
	}{
		{"missing title", "application/json", `{"description":"x"}`, http.StatusUnprocessableEntity, `"fields":{"title":"is required"}`},
		{"long title", "application/json", `{"title":"` + strings.Repeat("a", 201) + `"}`, http.StatusUnprocessableEntity, `"title":"must be at most 200 characters"`},
		{"unknown field", "application/json", `{"title":"a","status":"done"}`, http.StatusBadRequest, `unknown field \"status\"`},
		{"malformed", "application/json", `{"title":`, http.StatusBadRequest, "invalid JSON body"},
		{"two objects", "application/json", `{"title":"a"}{"title":"b"}`, http.StatusBadRequest, "expected a single object"},
		{"wrong type", "application/json", `{"title":7}`, http.StatusBadRequest, "invalid JSON body"},
		{"form", "application/x-www-form-urlencoded", `title=a`, http.StatusUnsupportedMediaType, "Content-Type must be application/json"},
		{"no content type", "", `{"title":"a"}`, http.StatusUnsupportedMediaType, "Content-Type must be application/json"},
		{"too large", "application/json", `{"title":"a","description":"` + strings.Repeat("a", maxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do(t, http.MethodPost, "/tasks", c.contentType, c.body)
			expectStatus(t, r, c.status)
			if !strings.Contains(r.body, c.message) || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("body %s lacks %s", r.body, c.message)
			}
		})
	}
	if all, _ := f.store.List(context.Background(), ""); len(all) != 0 {
		t.Fatalf("rejected requests created %d tasks", len(all))
	}
	if !strings.Contains(f.json(t, http.MethodPost, "/tasks", `{"title":"valid"}`).body, `"id":"1"`) {
		t.Fatal("a valid task after rejected ones must be created")
	}
	expectStatus(t, f.do(t, http.MethodPost, "/tasks", "application/json; charset=utf-8", `{"title":"b"}`), http.StatusCreated)
}

func TestFullStoreAnswers503(t *testing.T) {
	f := newFixture(t, 1, false)
	expectStatus(t, f.json(t, http.MethodPost, "/tasks", `{"title":"a"}`), http.StatusCreated)
	r := f.json(t, http.MethodPost, "/tasks", `{"title":"b"}`)
	expectStatus(t, r, http.StatusServiceUnavailable)
	if !strings.Contains(r.body, "task store is full") {
		t.Fatalf("body %s", r.body)
	}
	if !strings.Contains(scrape(t, f.metrics), "task_tracker_tasks_created_total 1\n") {
		t.Fatal("a rejected create must not count as created")
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, 10, false)
	r := f.json(t, http.MethodPatch, "/tasks/1", `{}`)
	expectStatus(t, r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "PUT") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("Allow %q", allow)
	}
}

// unreachable is a store whose database does not answer.
type unreachable struct{ task.Store }

var errUnreachable = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

func (unreachable) Create(context.Context, task.Draft) (task.Task, error) {
	return task.Task{}, errUnreachable
}
func (unreachable) Get(context.Context, string) (task.Task, error) {
	return task.Task{}, errUnreachable
}
func (unreachable) List(context.Context, task.Status) ([]task.Task, error) {
	return nil, errUnreachable
}
func (unreachable) Delete(context.Context, string) error { return errUnreachable }
func (unreachable) Update(context.Context, string, task.Draft) (task.Task, error) {
	return task.Task{}, errUnreachable
}

func TestAnUnreachableStoreAnswers503WithoutItsError(t *testing.T) {
	f := newFixture(t, 10, false)
	f.server.Config.Handler = NewHandler(Deps{
		Store: unreachable{}, Metrics: f.metrics, Log: f.log, Ready: f.ready, Guard: testGuard(),
	})
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/tasks", `{"title":"a"}`}, {http.MethodGet, "/tasks", ""}, {http.MethodGet, "/tasks/1", ""},
		{http.MethodPut, "/tasks/1", `{"title":"b"}`}, {http.MethodDelete, "/tasks/1", ""},
	} {
		r := f.json(t, c.method, c.path, c.body)
		expectStatus(t, r, http.StatusServiceUnavailable)
		if strings.Contains(r.body, "5432") || !strings.Contains(r.body, "task store unavailable") {
			t.Fatalf("%s %s: body %s", c.method, c.path, r.body)
		}
	}
}
