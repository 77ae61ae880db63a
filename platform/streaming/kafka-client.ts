// The Kafka cluster as its clients see it: the one place that states the broker side's contract (platform/kafka,
// Strimzi, built beside this component). At merge, point these at platform/kafka/api.ts; nothing else here names them.
// cdk8s-free.

/** The namespace the brokers run in: clients' NetworkPolicies allow egress to it on `KAFKA_PORT`. */
export const KAFKA_NAMESPACE = 'kafka';
/** The TLS listener with SCRAM-SHA-512 authentication. */
export const KAFKA_PORT = 9093;
export const KAFKA_BOOTSTRAP = `events-kafka-bootstrap.${KAFKA_NAMESPACE}.svc:${KAFKA_PORT}`;
export const SASL_MECHANISM = 'SCRAM-SHA-512';

/** A Kafka user's Secret in its own namespace: `kafka-<user>`, the SCRAM password and the cluster CA certificate. */
export const USER_SECRET_KEYS = { password: 'password', ca: 'ca.crt' } as const;
export const userSecret = (user: string): string => `kafka-${user}`;

export const TOPICS = { events: 'task-events', aggregates: 'task-aggregates' } as const;

/** The users the broker side declares, each with its namespace (where its Secret is) and what it may do. */
export const KAFKA_USERS = {
  /** Writes `task-events`. */
  taskTracker: { name: 'task-tracker', namespace: 'task-tracker' },
  /**
   * Reads `task-events`, writes `task-aggregates`; its application.id is the prefix of its transactional ids and
   * internal topics, and its consumer group.
   */
  taskStream: { name: 'task-stream', namespace: 'streaming', applicationId: 'task-stream' },
  /** Reads `task-aggregates` in the group of the same name. */
  logExport: { name: 'log-export', namespace: 'log-export', group: 'log-export' },
} as const;

/** An egress rule to the brokers, for a client's NetworkPolicy. */
export const kafkaEgress = () => ({
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': KAFKA_NAMESPACE } } }],
  ports: [{ protocol: 'TCP', port: KAFKA_PORT }],
});
