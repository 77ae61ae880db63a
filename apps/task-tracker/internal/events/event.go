// Package events publishes the lifecycle of every task (created, started, done, failed) to the task-events topic.
// Publishing never blocks the API or the worker and never affects readiness: records wait in a bounded buffer, and
// an event that does not fit, or that Kafka does not acknowledge in time, is dropped and counted.
package events

import (
	_ "embed"
	"time"
)

// Schema names the version of Event, written into every record.
const Schema = "task-event/v1"

// SchemaJSON is the JSON Schema of Event, the contract with the stream job (platform/streaming/job).
//
//go:embed task-event.v1.schema.json
var SchemaJSON []byte

// Type is the lifecycle step an event records.
type Type string

const (
	Created Type = "created"
	Started Type = "started"
	Done    Type = "done"
	Failed  Type = "failed"
)

// Event is one record of the task-events topic, keyed by TaskID.
type Event struct {
	Schema string    `json:"schema"`
	ID     string    `json:"id"`
	TaskID string    `json:"task_id"`
	Type   Type      `json:"type"`
	Time   time.Time `json:"time"`
	// DurationMs is the processing time of a done or failed task, from its started event.
	DurationMs *float64 `json:"duration_ms,omitempty"`
	Producer   string   `json:"producer"`
}

// Publisher hands events on without blocking.
type Publisher interface {
	Publish(Event)
}
