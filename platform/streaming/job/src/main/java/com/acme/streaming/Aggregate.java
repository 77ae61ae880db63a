package com.acme.streaming;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A record of task-aggregates (task-aggregate/v1): one minute and one status. Its key is `window_start/status`, so a
 * later update of the same window replaces the earlier one (the topic is compacted) and a reader keeps the last.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public final class Aggregate {
  public String schema = "task-aggregate/v1";
  public String cluster;

  @JsonProperty("window_start")
  public String windowStart;

  @JsonProperty("window_end")
  public String windowEnd;

  public String status;
  public long count;

  /** Of the whole window: failed / (done + failed). */
  @JsonProperty("failure_ratio")
  public Double failureRatio;

  /** done and failed only: processing time percentiles in milliseconds. */
  @JsonProperty("p50_ms")
  public Double p50Ms;

  @JsonProperty("p95_ms")
  public Double p95Ms;

  public String key() {
    return windowStart + "/" + status;
  }

  /** One aggregate per status of a window's summary, in lifecycle order. */
  public static List<Aggregate> of(String cluster, Instant start, Instant end, WindowSummary summary) {
    List<Aggregate> out = new ArrayList<>();
    for (String status : WindowSummary.STATUSES) {
      Aggregate a = new Aggregate();
      a.cluster = cluster;
      a.windowStart = start.toString();
      a.windowEnd = end.toString();
      a.status = status;
      a.count = summary.count(status);
      a.failureRatio = summary.failureRatio();
      a.p50Ms = summary.percentile(status, 0.50);
      a.p95Ms = summary.percentile(status, 0.95);
      out.add(a);
    }
    return out;
  }
}
