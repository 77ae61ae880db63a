package worker

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/config"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

type outcomes struct {
	mu     sync.Mutex
	counts map[task.Status]int
}

func (o *outcomes) TaskProcessed(outcome task.Status) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[outcome]++
}

func (o *outcomes) get(s task.Status) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[s]
}

func runWorker(t *testing.T, store task.Store, failureRatio float64, processing time.Duration) (*outcomes, context.CancelFunc, <-chan struct{}) {
	t.Helper()
	rec := &outcomes{counts: map[task.Status]int{}}
	cfg := config.Worker{Concurrency: 3, PollInterval: 5 * time.Millisecond, ProcessingTime: processing, FailureRatio: failureRatio}
	w := New(store, cfg, rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		w.Run(ctx)
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
	})
	return rec, cancel, stopped
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fill(store task.Store, n int) {
	for range n {
		store.Create(context.Background(), task.Draft{Title: "t"})
	}
}

func TestProcessesEveryTaskAndRecordsTheOutcome(t *testing.T) {
	for _, c := range []struct {
		ratio   float64
		outcome task.Status
	}{{0, task.Done}, {1, task.Failed}} {
		store := task.NewMemory(100, time.Now)
		fill(store, 20)
		rec, _, _ := runWorker(t, store, c.ratio, time.Millisecond)
		waitFor(t, "20 processed tasks", func() bool { return rec.get(c.outcome) == 20 })
		if got := len(list(store, c.outcome)); got != 20 {
			t.Fatalf("ratio %v: %d tasks are %s, want 20", c.ratio, got, c.outcome)
		}
		if pending(store) != 0 || rec.get(task.Done)+rec.get(task.Failed) != 20 {
			t.Fatalf("ratio %v: pending %d, done %d, failed %d", c.ratio, pending(store), rec.get(task.Done), rec.get(task.Failed))
		}
	}
}

func TestPicksUpTasksCreatedLater(t *testing.T) {
	store := task.NewMemory(100, time.Now)
	rec, _, _ := runWorker(t, store, 0, 0)
	time.Sleep(20 * time.Millisecond)
	fill(store, 3)
	waitFor(t, "3 processed tasks", func() bool { return rec.get(task.Done) == 3 })
}

func TestStopsWhenCancelled(t *testing.T) {
	store := task.NewMemory(100, time.Now)
	fill(store, 5)
	rec, cancel, stopped := runWorker(t, store, 0, time.Hour)
	waitFor(t, "tasks claimed", func() bool { return len(list(store, task.Processing)) == 3 })
	cancel()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	if rec.get(task.Done) != 0 || pending(store) != 2 {
		t.Fatalf("done %d, pending %d after cancel", rec.get(task.Done), pending(store))
	}
}

func TestTaskDeletedDuringProcessingIsNotCounted(t *testing.T) {
	store := task.NewMemory(100, time.Now)
	fill(store, 1)
	rec, _, _ := runWorker(t, store, 0, 50*time.Millisecond)
	waitFor(t, "task claimed", func() bool { return len(list(store, task.Processing)) == 1 })
	store.Delete(context.Background(), "1")
	fill(store, 1)
	waitFor(t, "second task processed", func() bool { return rec.get(task.Done) == 1 })
	if got, _ := store.Get(context.Background(), "2"); got.Status != task.Done {
		t.Fatalf("task 2 is %s", got.Status)
	}
}

func list(s *task.Memory, status task.Status) []task.Task {
	tasks, _ := s.List(context.Background(), status)
	return tasks
}

func pending(s *task.Memory) int {
	n, _ := s.Pending(context.Background())
	return n
}
