package com.acme.streaming;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** A record of task-events: apps/task-tracker/internal/events/task-event.v1.schema.json is the contract. */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TaskEvent {
  public static final String SCHEMA = "task-event/v1";

  public String schema;
  public String id;

  @JsonProperty("task_id")
  public String taskId;

  public String type;
  public String time;

  @JsonProperty("duration_ms")
  public Double durationMs;

  public String producer;

  /** Whether the record is a task-event/v1 this job can count. */
  public boolean valid() {
    return SCHEMA.equals(schema) && taskId != null && WindowSummary.STATUSES.contains(type);
  }
}
