package task

import "errors"

var (
	ErrNotFound = errors.New("task not found")
	ErrFull     = errors.New("task store is full")
)

// Store keeps tasks and hands pending ones to workers. Drafts reach it already normalized.
type Store interface {
	Create(d Draft) (Task, error)
	Get(id string) (Task, error)
	// List returns the tasks in creation order, only those with the given status unless it is empty.
	List(status Status) []Task
	Update(id string, d Draft) (Task, error)
	Delete(id string) error
	// Claim marks the oldest pending task processing and returns it; false when none is pending.
	Claim() (Task, bool)
	// Finish records the outcome, Done or Failed, of a task that Claim returned.
	Finish(id string, outcome Status) (Task, error)
	// Pending counts the tasks that wait for a worker.
	Pending() int
}
