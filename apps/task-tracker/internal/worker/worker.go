// Package worker processes pending tasks in the background, so that the service has steady work to report on.
package worker

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/config"
	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// Recorder is told the outcome of every processed task.
type Recorder interface {
	TaskProcessed(outcome task.Status)
}

type Worker struct {
	store    task.Store
	cfg      config.Worker
	recorder Recorder
	log      *slog.Logger
}

func New(store task.Store, cfg config.Worker, recorder Recorder, log *slog.Logger) *Worker {
	return &Worker{store: store, cfg: cfg, recorder: recorder, log: log}
}

// Run processes tasks with cfg.Concurrency goroutines until ctx is cancelled, then returns once they have stopped.
// A task interrupted by the cancellation stays in processing.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.cfg.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	poll := time.NewTicker(w.cfg.PollInterval)
	defer poll.Stop()
	for {
		// Drain the queue before waiting for the next poll.
		for {
			t, ok, err := w.store.Claim(ctx)
			if err != nil && ctx.Err() == nil {
				// The database is down or read-only: the database check logs that once, at warn; poll again.
				w.log.Debug("claiming a task failed", "error", err.Error())
			}
			if !ok {
				break
			}
			if !w.process(ctx, t) {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

// process simulates the work on one task; false means ctx was cancelled first.
func (w *Worker) process(ctx context.Context, t task.Task) bool {
	started := time.Now()
	work := time.NewTimer(w.cfg.ProcessingTime)
	defer work.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-work.C:
	}
	outcome := task.Done
	if rand.Float64() < w.cfg.FailureRatio {
		outcome = task.Failed
	}
	if _, err := w.store.Finish(ctx, t.ID, outcome); err != nil {
		// Deleted while it was processed, or the database failed: the lease hands the task to a worker again.
		w.log.Debug("finishing a task failed", "task_id", t.ID, "error", err.Error())
		return true
	}
	w.recorder.TaskProcessed(outcome)
	w.log.Info("task processed", "task_id", t.ID, "outcome", outcome, "duration", time.Since(started).Seconds())
	return true
}
