// The Kafka component's contract with the components that produce to or consume from the on-prem cluster: where the
// brokers are, and the Secret each KafkaUser's client reads its credentials from. cdk8s-free.
export const KAFKA_NAMESPACE = 'kafka';
export const KAFKA_GROUP = 'kafka.strimzi.io';
/** The `Kafka` custom resource; Strimzi names every object it creates after it (`events-kafka-bootstrap`, …). */
export const KAFKA_CLUSTER = 'events';
/** The one listener: TLS with SCRAM-SHA-512 users, on every broker and behind the bootstrap Service. */
export const KAFKA_PORT = 9093;
export const KAFKA_BOOTSTRAP = `${KAFKA_CLUSTER}-kafka-bootstrap.${KAFKA_NAMESPACE}.svc:${KAFKA_PORT}`;
/** The SASL mechanism of every user (task-tracker's TASK_EVENTS_USERNAME/PASSWORD_FILE, the job's JAAS config). */
export const KAFKA_SASL_MECHANISM = 'SCRAM-SHA-512';

/** The keys of a user's credentials Secret: the SCRAM password, and the cluster CA that signs the brokers. */
export const KAFKA_PASSWORD_KEY = 'password';
export const KAFKA_CA_KEY = 'ca.crt';

/** The Secret, in the user's consumer namespace, holding `password` and `ca.crt`; the username is the user's name. */
export const kafkaCredentialsSecret = (user: string) => `kafka-${user}`;
