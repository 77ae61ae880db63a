package com.acme.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology through Kafka Streams' own TopologyTestDriver; the loopback test runs it against a real broker. */
class TaskAggregatesTopologyTest {
  private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

  // The driver's state stores default to /tmp/kafka-streams/<application.id>: two builds at once (test files run in
  // parallel) then fight over RocksDB's lock file.
  @TempDir Path state;

  private static String event(String task, String type, Double durationMs) {
    return "{\"schema\":\"task-event/v1\",\"id\":\"p/" + task + "/" + type + "\",\"task_id\":\"" + task
        + "\",\"type\":\"" + type + "\",\"time\":\"x\",\"producer\":\"p\""
        + (durationMs == null ? "" : ",\"duration_ms\":" + durationMs) + "}";
  }

  @Test
  void aggregatesEachMinuteByStatus() throws Exception {
    Settings s = Settings.from(Map.of("CLUSTER", "onprem", "KAFKA_BOOTSTRAP_SERVERS", "unused:9092"));
    Properties props = new Properties();
    props.putAll(s.kafka());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    AtomicInteger invalid = new AtomicInteger();
    List<Aggregate> seen = new ArrayList<>();
    try (TopologyTestDriver driver =
        new TopologyTestDriver(TaskAggregatesTopology.build(s, seen::add, invalid::incrementAndGet), props)) {
      TestInputTopic<String, String> in =
          driver.createInputTopic("task-events", new StringSerializer(), new StringSerializer());
      TestOutputTopic<String, String> out =
          driver.createOutputTopic("task-aggregates", new StringDeserializer(), new StringDeserializer());
      for (int i = 1; i <= 4; i++) in.pipeInput(String.valueOf(i), event(String.valueOf(i), "created", null), T0);
      in.pipeInput("1", event("1", "done", 10.0), T0.plusSeconds(1));
      in.pipeInput("2", event("2", "done", 20.0), T0.plusSeconds(2));
      in.pipeInput("3", event("3", "failed", 40.0), T0.plusSeconds(3));
      in.pipeInput("4", "not json", T0.plusSeconds(4));
      in.pipeInput("5", event("5", "created", null), T0.plusSeconds(61));
      Map<String, Aggregate> last = new java.util.TreeMap<>();
      for (var kv : out.readKeyValuesToList())
        last.put(kv.key, TaskAggregatesTopology.JSON.readValue(kv.value, Aggregate.class));
      Aggregate created = last.get("2026-05-01T12:00:00Z/created");
      Aggregate done = last.get("2026-05-01T12:00:00Z/done");
      Aggregate failed = last.get("2026-05-01T12:00:00Z/failed");
      assertEquals(4, created.count);
      assertNull(created.p50Ms);
      assertEquals(2, done.count);
      assertEquals(10.0, done.p50Ms);
      assertEquals(20.0, done.p95Ms);
      assertEquals(1, failed.count);
      assertEquals(1.0 / 3, failed.failureRatio, 1e-9);
      assertEquals("2026-05-01T12:01:00Z", done.windowEnd);
      assertEquals(1, last.get("2026-05-01T12:01:00Z/created").count);
      assertNull(last.get("2026-05-01T12:01:00Z/done").failureRatio);
      assertEquals(1, invalid.get());
      assertTrue(seen.size() >= 8);
    }
  }

  @Test
  void nearestRankPercentiles() {
    WindowSummary w = new WindowSummary();
    for (int i = 1; i <= 20; i++) {
      TaskEvent e = new TaskEvent();
      e.type = "done";
      e.durationMs = (double) i;
      w.add(e);
    }
    assertEquals(10.0, w.percentile("done", 0.5));
    assertEquals(19.0, w.percentile("done", 0.95));
    assertNull(w.percentile("failed", 0.5));
  }

  @Test
  void badSettingsNameTheVariable() {
    Map<String, String> env = Map.of("METRICS_PORT", "0", "WINDOW_GRACE_SECONDS", "x");
    var e = assertThrows(IllegalArgumentException.class, () -> Settings.from(env));
    for (String name : List.of("CLUSTER", "KAFKA_BOOTSTRAP_SERVERS", "METRICS_PORT", "WINDOW_GRACE_SECONDS"))
      assertTrue(e.getMessage().contains(name), e.getMessage());
  }
}
