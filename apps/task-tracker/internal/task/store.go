package task

import (
	"context"
	"errors"
)

var (
	ErrNotFound = errors.New("task not found")
	ErrFull     = errors.New("task store is full")
)

// Store keeps tasks and hands pending ones to workers. Drafts reach it already normalized. An error other than
// ErrNotFound and ErrFull means the store could not be reached or refused the change.
type Store interface {
	Create(ctx context.Context, d Draft) (Task, error)
	Get(ctx context.Context, id string) (Task, error)
	// List returns the tasks in creation order, only those with the given status unless it is empty.
	List(ctx context.Context, status Status) ([]Task, error)
	Update(ctx context.Context, id string, d Draft) (Task, error)
	Delete(ctx context.Context, id string) error
	// Claim marks the oldest pending task processing and returns it; false when none is pending.
	Claim(ctx context.Context) (Task, bool, error)
	// Finish records the outcome, Done or Failed, of a task that Claim returned.
	Finish(ctx context.Context, id string, outcome Status) (Task, error)
	// Pending counts the tasks that wait for a worker.
	Pending(ctx context.Context) (int, error)
}
