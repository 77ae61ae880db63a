package com.acme.streaming;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * task-events → one-minute tumbling windows by event time (the record timestamp, which task-tracker sets to the
 * event's time) → a WindowSummary per window → one Aggregate per status on task-aggregates, re-emitted at each
 * commit while the window takes events (late ones up to `grace`).
 *
 * <p>All events of a cluster share one group key: the failure ratio and the percentiles need every event of the
 * minute together, and the sample service's rate (at most a few hundred events/s) is far below what one stream
 * thread handles, so the repartition topic's single busy partition is no bottleneck.
 */
public final class TaskAggregatesTopology {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WINDOW = Duration.ofMinutes(1);

  private TaskAggregatesTopology() {}

  static <T> Serde<T> json(Class<T> type) {
    return Serdes.serdeFrom(
        (topic, value) -> {
          try {
            return value == null ? null : JSON.writeValueAsBytes(value);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        },
        (topic, bytes) -> {
          try {
            return bytes == null ? null : JSON.readValue(bytes, type);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** A record of task-events as an event, or none (counted by onInvalid) when it is not a task-event/v1. */
  static List<TaskEvent> parse(String raw, Runnable onInvalid) {
    try {
      TaskEvent event = raw == null ? null : JSON.readValue(raw, TaskEvent.class);
      if (event != null && event.valid()) return List.of(event);
    } catch (IOException e) {
      // counted below: a bad record must not stop the job
    }
    onInvalid.run();
    return List.of();
  }

  public static Topology build(Settings s, Consumer<Aggregate> onAggregate, Runnable onInvalid) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(s.eventsTopic(), Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(raw -> parse(raw, onInvalid))
        .groupBy((taskId, event) -> s.cluster(), Grouped.with("by-cluster", Serdes.String(), json(TaskEvent.class)))
        .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, s.grace()))
        .aggregate(
            WindowSummary::new,
            (cluster, event, summary) -> summary.add(event),
            Materialized.<String, WindowSummary, WindowStore<Bytes, byte[]>>as("task-minutes")
                .withKeySerde(Serdes.String())
                .withValueSerde(json(WindowSummary.class)))
        .toStream()
        .flatMap(
            (window, summary) ->
                Aggregate.of(s.cluster(), window.window().startTime(), window.window().endTime(), summary).stream()
                    .map(a -> KeyValue.pair(a.key(), a))
                    .toList())
        .peek((key, aggregate) -> onAggregate.accept(aggregate))
        .to(s.aggregatesTopic(), Produced.with(Serdes.String(), json(Aggregate.class)));
    return builder.build();
  }
}
