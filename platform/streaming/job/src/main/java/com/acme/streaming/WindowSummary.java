package com.acme.streaming;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one minute of task events adds up to: the events of each type and the processing times of the done and failed
 * ones. Kept whole (not as a histogram) so that the percentiles are exact; a minute of the sample service holds a few
 * thousand finished tasks at most, a few tens of kilobytes of state.
 */
public final class WindowSummary {
  /** The event types of task-event/v1, in lifecycle order. */
  public static final List<String> STATUSES = List.of("created", "started", "done", "failed");

  public Map<String, Long> counts = new TreeMap<>();
  public Map<String, List<Double>> durations = new TreeMap<>();

  public WindowSummary add(TaskEvent event) {
    counts.merge(event.type, 1L, Long::sum);
    if (event.durationMs != null) durations.computeIfAbsent(event.type, t -> new ArrayList<>()).add(event.durationMs);
    return this;
  }

  public long count(String status) {
    return counts.getOrDefault(status, 0L);
  }

  /** failed / (done + failed), or null while nothing finished in the window. */
  @JsonIgnore
  public Double failureRatio() {
    long finished = count("done") + count("failed");
    return finished == 0 ? null : (double) count("failed") / finished;
  }

  /** The nearest-rank percentile (the smallest value with at least p of the values at or below it), or null. */
  public Double percentile(String status, double p) {
    List<Double> values = durations.get(status);
    if (values == null || values.isEmpty()) return null;
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(rank, 1) - 1);
  }
}
