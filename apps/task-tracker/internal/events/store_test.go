package events

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// collected is a Publisher that keeps what it is given.
type collected struct {
	mu     sync.Mutex
	events []Event
}

func (c *collected) Publish(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

// clock advances by step at each reading.
func clock(step time.Duration) func() time.Time {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		at = at.Add(step)
		return at
	}
}

func TestPublishesEachLifecycleStepKeyedByTask(t *testing.T) {
	pub := &collected{}
	ctx := context.Background()
	store := Wrap(task.NewMemory(10, time.Now), pub, "pod-a", clock(250*time.Millisecond))
	created, err := store.Create(ctx, task.Draft{Title: "one"})
	if err != nil {
		t.Fatal(err)
	}
	claimed, ok, err := store.Claim(ctx)
	if err != nil || !ok || claimed.ID != created.ID {
		t.Fatalf("claim: %+v %v %v", claimed, ok, err)
	}
	if _, err := store.Finish(ctx, created.ID, task.Failed); err != nil {
		t.Fatal(err)
	}
	if len(pub.events) != 3 {
		t.Fatalf("events: %+v", pub.events)
	}
	for i, want := range []Type{Created, Started, Failed} {
		e := pub.events[i]
		if e.Type != want || e.TaskID != created.ID || e.Schema != Schema || e.Producer != "pod-a" ||
			e.ID != "pod-a/"+created.ID+"/"+string(want) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if d := pub.events[2].DurationMs; d == nil || *d != 250 {
		t.Fatalf("duration of the failed task: %v, want 250 ms from its start", d)
	}
	if pub.events[0].DurationMs != nil || pub.events[1].DurationMs != nil {
		t.Fatal("only done and failed events carry a duration")
	}
}

func TestNothingIsPublishedForWhatTheStoreRefuses(t *testing.T) {
	pub := &collected{}
	ctx := context.Background()
	store := Wrap(task.NewMemory(1, time.Now), pub, "pod-a", time.Now)
	fits, err := store.Create(ctx, task.Draft{Title: "fits"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(ctx, task.Draft{Title: "full"}); err == nil {
		t.Fatal("a full store must refuse")
	}
	if _, err := store.Finish(ctx, fits.ID, task.Done); err == nil {
		t.Fatal("finishing a task that was never claimed must fail")
	}
	store.Claim(ctx)
	store.Delete(ctx, fits.ID)
	if _, err := store.Finish(ctx, fits.ID, task.Done); err == nil {
		t.Fatal("finishing a deleted task must fail")
	}
	if len(pub.events) != 2 || len(store.started) != 0 {
		t.Fatalf("events %+v, started %v", pub.events, store.started)
	}
}

// The record value carries exactly the fields task-event.v1.schema.json declares, and every required one.
func TestEventsMatchTheSchema(t *testing.T) {
	var schema struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(SchemaJSON, &schema); err != nil {
		t.Fatal(err)
	}
	ms := 12.5
	for _, e := range []Event{
		{Schema: Schema, ID: "p/1/created", TaskID: "1", Type: Created, Time: time.Now(), Producer: "p"},
		{Schema: Schema, ID: "p/1/done", TaskID: "1", Type: Done, Time: time.Now(), DurationMs: &ms, Producer: "p"},
	} {
		raw, _ := json.Marshal(e)
		var fields map[string]any
		json.Unmarshal(raw, &fields)
		for name := range fields {
			if _, ok := schema.Properties[name]; !ok {
				t.Errorf("%s: field %q is not in the schema", e.Type, name)
			}
		}
		for _, name := range schema.Required {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s: required field %q is missing", e.Type, name)
			}
		}
	}
}
