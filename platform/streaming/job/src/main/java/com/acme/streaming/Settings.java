package com.acme.streaming;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The job's configuration, from the environment. Every `KAFKA_<NAME>` variable is the Streams (or client) property
 * `<name>` with `_` read as `.`: KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_JAAS_CONFIG (the
 * `sasl.jaas.config` key of a Strimzi KafkaUser's Secret), KAFKA_SSL_TRUSTSTORE_LOCATION…
 */
public record Settings(
    String cluster, String eventsTopic, String aggregatesTopic, Duration grace, int metricsPort, Properties kafka) {

  /** The settings, or an exception whose message names every bad variable. */
  public static Settings from(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String cluster = env.getOrDefault("CLUSTER", "");
    if (cluster.isEmpty()) problems.add("CLUSTER: must name the cluster (it labels every aggregate)");
    Duration grace = Duration.ofSeconds(number(env, "WINDOW_GRACE_SECONDS", 10, 0, 3600, problems));
    int port = (int) number(env, "METRICS_PORT", 9404, 1, 65535, problems);
    Properties kafka = new Properties();
    kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, "task-aggregates");
    // Exactly once: an aggregate counts each event once, also across a broker or job restart.
    kafka.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    kafka.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
    env.forEach(
        (name, value) -> {
          if (name.startsWith("KAFKA_") && !value.isEmpty())
            kafka.put(name.substring(6).toLowerCase(Locale.ROOT).replace('_', '.'), value);
        });
    if (!kafka.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG))
      problems.add("KAFKA_BOOTSTRAP_SERVERS: must list the brokers, host:port[,host:port]");
    if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("; ", problems));
    return new Settings(
        cluster,
        env.getOrDefault("TASK_EVENTS_TOPIC", "task-events"),
        env.getOrDefault("TASK_AGGREGATES_TOPIC", "task-aggregates"),
        grace,
        port,
        kafka);
  }

  private static long number(Map<String, String> env, String name, long fallback, long min, long max, List<String> p) {
    String raw = env.get(name);
    if (raw == null || raw.isEmpty()) return fallback;
    try {
      long n = Long.parseLong(raw);
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    p.add(name + "=\"" + raw + "\": must be a whole number from " + min + " to " + max);
    return fallback;
  }
}
