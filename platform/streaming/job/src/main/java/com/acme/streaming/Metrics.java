package com.acme.streaming;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.time.Instant;

/**
 * The aggregates as Prometheus series: the values of the newest minute that has aggregates (a window's last update
 * wins), so Prometheus, the on-prem recording rules and federation to aws see the same numbers as task-aggregates.
 */
final class Metrics {
  private final Gauge windowStart =
      Gauge.builder()
          .name("task_stream_window_start_seconds")
          .help("Start of the minute the series describe.")
          .register();
  private final Gauge events =
      Gauge.builder()
          .name("task_stream_window_events")
          .help("Task events of the minute, by status (created, started, done, failed).")
          .labelNames("status")
          .register();
  private final Gauge failureRatio =
      Gauge.builder()
          .name("task_stream_window_failure_ratio")
          .help("failed / (done + failed) in the minute.")
          .register();
  private final Gauge processing =
      Gauge.builder()
          .name("task_stream_window_processing_seconds")
          .help("Processing time percentiles of the minute's finished tasks, by status and quantile.")
          .labelNames("status", "quantile")
          .register();
  private final Counter invalid =
      Counter.builder()
          .name("task_stream_invalid_events_total")
          .help("Records of task-events that are no task-event/v1 and were skipped.")
          .register();
  private Instant newest = Instant.EPOCH;

  void invalidEvent() {
    invalid.inc();
  }

  synchronized void update(Aggregate a) {
    Instant start = Instant.parse(a.windowStart);
    if (start.isBefore(newest)) return;
    newest = start;
    windowStart.set(start.getEpochSecond());
    events.labelValues(a.status).set(a.count);
    if (a.failureRatio != null) failureRatio.set(a.failureRatio);
    if (a.p50Ms != null) processing.labelValues(a.status, "0.5").set(a.p50Ms / 1000);
    if (a.p95Ms != null) processing.labelValues(a.status, "0.95").set(a.p95Ms / 1000);
  }

  static HTTPServer serve(int port) throws IOException {
    return HTTPServer.builder().port(port).buildAndStart();
  }
}
