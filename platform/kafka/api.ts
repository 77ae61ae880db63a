// The Kafka component's contract with the components that produce to or consume from the on-prem cluster: where the
// brokers are, and the Secret each KafkaUser's client reads its credentials from. cdk8s-free.
import type { Layer, RenderContext } from '../../generators/component';
import type { Cluster } from '../../generators/model';
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

/**
 * The Secret holding a user's credentials: in its client's namespace `password` and `ca.crt` (the username is the
 * user's name), and in `kafka` the `password` its KafkaUser sets. `npm run kafka-credentials` writes every copy.
 */
export const kafkaCredentialsSecret = (user: string) => `kafka-${user}`;
export const KAFKA_CLIENT_KEYS = [KAFKA_PASSWORD_KEY, KAFKA_CA_KEY] as const;

/** Declares the client's copy of the user's credentials, in the namespace the client runs in. */
export function declareKafkaCredentials(ctx: RenderContext, layer: Layer, namespace: string, user: string): void {
  ctx.secret(layer, namespace, kafkaCredentialsSecret(user), KAFKA_CLIENT_KEYS);
}

/** An egress rule to the brokers' listener, for a client's NetworkPolicy. */
export const kafkaEgress = () => ({
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': KAFKA_NAMESPACE } } }],
  ports: [{ protocol: 'TCP', port: KAFKA_PORT }],
});

/**
 * What a client must find in its cluster's `platform.kafka`: each topic it uses and each user it authenticates as, in
 * the namespace it runs in. The problems name the missing piece; no Kafka on the cluster is one problem.
 */
export function kafkaDeclarationProblems(
  cluster: Cluster,
  needs: { topics: readonly string[]; users: readonly { name: string; namespace: string }[] },
): string[] {
  const kafka = cluster.platform.kafka as
    | { topics?: { name?: unknown }[]; users?: { name?: unknown; namespace?: unknown }[] }
    | undefined;
  if (!kafka) return ['needs platform.kafka on the same cluster: its brokers carry the topics'];
  const topics = new Set((kafka.topics ?? []).map((t) => t.name));
  const problems = needs.topics.filter((t) => !topics.has(t)).map((t) => `needs topic "${t}" in platform.kafka.topics`);
  for (const user of needs.users) {
    const declared = (kafka.users ?? []).find((u) => u.name === user.name);
    if (!declared) problems.push(`needs user "${user.name}" in platform.kafka.users`);
    else if (declared.namespace !== user.namespace)
      problems.push(
        `needs platform.kafka.users "${user.name}" in namespace "${user.namespace}", where its client runs, ` +
          `not ${JSON.stringify(declared.namespace)}`,
      );
  }
  return problems;
}
