package task

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Memory is a Store that lives in the process: the test double of the unit tests. The service runs on Postgres.
type Memory struct {
	mu      sync.Mutex
	now     func() time.Time
	max     int
	lastID  uint64
	tasks   map[string]*entry
	queue   []string // IDs in creation order that were pending when queued; Claim skips the ones deleted since
	pending int
}

type entry struct {
	seq  uint64
	task Task
}

// NewMemory returns an empty store that holds at most max tasks.
func NewMemory(max int, now func() time.Time) *Memory {
	return &Memory{now: now, max: max, tasks: map[string]*entry{}}
}

func (m *Memory) Create(_ context.Context, d Draft) (Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.tasks) >= m.max {
		return Task{}, ErrFull
	}
	m.lastID++
	now := m.now().UTC()
	t := Task{ID: strconv.FormatUint(m.lastID, 10), Title: d.Title, Description: d.Description, Status: Pending, CreatedAt: now, UpdatedAt: now}
	m.tasks[t.ID] = &entry{seq: m.lastID, task: t}
	m.queue = append(m.queue, t.ID)
	m.pending++
	return t, nil
}

func (m *Memory) Get(_ context.Context, id string) (Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.tasks[id]
	if !ok {
		return Task{}, ErrNotFound
	}
	return e.task, nil
}

func (m *Memory) List(_ context.Context, status Status) ([]Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	entries := make([]*entry, 0, len(m.tasks))
	for _, e := range m.tasks {
		if status == "" || e.task.Status == status {
			entries = append(entries, e)
		}
	}
	tasks := make([]Task, len(entries))
	slices.SortFunc(entries, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	for i, e := range entries {
		tasks[i] = e.task
	}
	return tasks, nil
}

func (m *Memory) Update(_ context.Context, id string, d Draft) (Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.tasks[id]
	if !ok {
		return Task{}, ErrNotFound
	}
	e.task.Title, e.task.Description, e.task.UpdatedAt = d.Title, d.Description, m.now().UTC()
	return e.task, nil
}

func (m *Memory) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.tasks[id]
	if !ok {
		return ErrNotFound
	}
	if e.task.Status == Pending {
		m.pending--
	}
	delete(m.tasks, id)
	return nil
}

func (m *Memory) Claim(context.Context) (Task, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.queue) > 0 {
		id := m.queue[0]
		m.queue = m.queue[1:]
		if e, ok := m.tasks[id]; ok && e.task.Status == Pending {
			e.task.Status, e.task.UpdatedAt = Processing, m.now().UTC()
			m.pending--
			return e.task, true, nil
		}
	}
	return Task{}, false, nil
}

func (m *Memory) Finish(_ context.Context, id string, outcome Status) (Task, error) {
	if outcome != Done && outcome != Failed {
		return Task{}, fmt.Errorf("finish task %s: outcome must be done or failed, got %q", id, outcome)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.tasks[id]
	if !ok {
		return Task{}, ErrNotFound
	}
	if e.task.Status != Processing {
		return Task{}, fmt.Errorf("finish task %s: it is %s, not processing", id, e.task.Status)
	}
	e.task.Status, e.task.UpdatedAt = outcome, m.now().UTC()
	return e.task, nil
}

func (m *Memory) Pending(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pending, nil
}
