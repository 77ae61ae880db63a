package com.acme.streaming;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/** Runs the task-aggregates stream job until SIGTERM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.from(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("task-aggregates: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Metrics metrics = new Metrics();
    HTTPServer server = Metrics.serve(settings.metricsPort());
    KafkaStreams streams =
        new KafkaStreams(
            TaskAggregatesTopology.build(settings, metrics::update, metrics::invalidEvent), settings.kafka());
    // A failing stream thread (a broker outage that outlasts the client's retries) is replaced, not fatal.
    streams.setUncaughtExceptionHandler(
        e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close(Duration.ofSeconds(20));
                  server.close();
                  stopped.countDown();
                }));
    streams.start();
    System.out.println("task-aggregates: started, metrics on :" + settings.metricsPort());
    stopped.await();
  }
}
