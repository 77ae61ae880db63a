package events

import (
	"context"
	"sync"
	"time"

	"github.com/acme/hybrid-gitops-platform/apps/task-tracker/internal/task"
)

// Store is a task.Store that publishes an event for each lifecycle step the wrapped store records: a created task,
// a claimed (started) one and a finished (done or failed) one.
type Store struct {
	task.Store
	publisher Publisher
	producer  string
	now       func() time.Time

	mu      sync.Mutex
	started map[string]time.Time // claimed tasks, until they finish or are deleted
}

// Wrap publishes the lifecycle of store's tasks through publisher; producer names this process in every event.
func Wrap(store task.Store, publisher Publisher, producer string, now func() time.Time) *Store {
	return &Store{Store: store, publisher: publisher, producer: producer, now: now, started: map[string]time.Time{}}
}

func (s *Store) publish(id string, typ Type, at time.Time, duration *float64) {
	s.publisher.Publish(Event{
		Schema: Schema, ID: s.producer + "/" + id + "/" + string(typ), TaskID: id, Type: typ, Time: at.UTC(),
		DurationMs: duration, Producer: s.producer,
	})
}

func (s *Store) Create(ctx context.Context, d task.Draft) (task.Task, error) {
	t, err := s.Store.Create(ctx, d)
	if err == nil {
		s.publish(t.ID, Created, s.now(), nil)
	}
	return t, err
}

func (s *Store) Claim(ctx context.Context) (task.Task, bool, error) {
	t, ok, err := s.Store.Claim(ctx)
	if ok && err == nil {
		at := s.now()
		s.mu.Lock()
		s.started[t.ID] = at
		s.mu.Unlock()
		s.publish(t.ID, Started, at, nil)
	}
	return t, ok, err
}

func (s *Store) Finish(ctx context.Context, id string, outcome task.Status) (task.Task, error) {
	t, err := s.Store.Finish(ctx, id, outcome)
	s.mu.Lock()
	began, claimed := s.started[id]
	delete(s.started, id)
	s.mu.Unlock()
	if err == nil {
		at := s.now()
		var duration *float64
		if claimed {
			ms := float64(at.Sub(began).Microseconds()) / 1000
			duration = &ms
		}
		s.publish(id, Type(outcome), at, duration)
	}
	return t, err
}

func (s *Store) Delete(ctx context.Context, id string) error {
	err := s.Store.Delete(ctx, id)
	if err == nil {
		s.mu.Lock()
		delete(s.started, id)
		s.mu.Unlock()
	}
	return err
}
