// Package task defines a task, the input that creates or changes one, and how that input is validated.
package task

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is where a task is in its processing.
type Status string

const (
	Pending    Status = "pending"
	Processing Status = "processing"
	Done       Status = "done"
	Failed     Status = "failed"
)

// Statuses lists every status, in processing order.
var Statuses = []Status{Pending, Processing, Done, Failed}

// ParseStatus accepts exactly one of Statuses.
func ParseStatus(s string) (Status, error) {
	for _, status := range Statuses {
		if string(status) == s {
			return status, nil
		}
	}
	return "", fmt.Errorf("unknown status %q: must be one of pending, processing, done, failed", s)
}

type Task struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Status      Status    `json:"status"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Draft is what a client sends to create or replace a task; the service owns the other fields.
type Draft struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 2000
)

// FieldErrors maps a JSON field of a Draft to what is wrong with it.
type FieldErrors map[string]string

func (e FieldErrors) Error() string {
	fields := make([]string, 0, len(e))
	for field, problem := range e {
		fields = append(fields, field+" "+problem)
	}
	sort.Strings(fields)
	return "invalid task: " + strings.Join(fields, "; ")
}

// Normalize trims the title and checks both fields; the error, if any, is FieldErrors.
func (d Draft) Normalize() (Draft, error) {
	d.Title = strings.TrimSpace(d.Title)
	problems := FieldErrors{}
	switch n := utf8.RuneCountInString(d.Title); {
	case n == 0:
		problems["title"] = "is required"
	case n > MaxTitleLength:
		problems["title"] = fmt.Sprintf("must be at most %d characters", MaxTitleLength)
	}
	if utf8.RuneCountInString(d.Description) > MaxDescriptionLength {
		problems["description"] = fmt.Sprintf("must be at most %d characters", MaxDescriptionLength)
	}
	if len(problems) > 0 {
		return d, problems
	}
	return d, nil
}
