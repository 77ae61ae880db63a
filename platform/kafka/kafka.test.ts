// Kafka: the rendered cluster, topics and users against the CRDs generated from Strimzi's pinned Maven artifacts (a
// misspelt field fails), the broker version the tests run equal to the Kafka CR's, the NetworkPolicies, and the
// model checks.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import { validationExtensionsOf } from '../../generators/registries';
import { renderEstate } from '../../generators/render';
import { repoRoot } from '../../generators/repo';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { validateTree } from '../../generators/validate/validate';
import { versions } from '../../generators/versions';
import { KAFKA_BOOTSTRAP, KAFKA_PORT, kafkaCredentialsSecret } from './api';
import { STRIMZI_KAFKA_VERSIONS } from './index';
import { validateKafka, type KafkaValues } from './values';

const docs = componentDocs('kafka');
const object = (kind: string, name: string) =>
  docs.find((d) => d.cluster === 'onprem' && d.object.kind === kind && d.object.metadata?.name === name)!.object as any;
const KAFKA_FILE = 'clusters/onprem/platform-configs/kafka/kafka-events.yaml';
const onpremValues = () =>
  structuredClone(estate.clusters.find((c) => c.name === 'onprem')!.platform.kafka) as unknown as KafkaValues;

/** The onprem rendering on disk (the tree validateTree reads), with `edit` applied to the Kafka CR's file. */
function treeWithKafka(edit: (text: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'kafka-tree-'));
  for (const [file, text] of renderEstate(estate, catalogue).files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), file === KAFKA_FILE ? edit(text) : text);
  }
  cpSync(join(repoRoot, 'flux-system'), join(root, 'flux-system'), { recursive: true });
  return root;
}

async function kafkaProblems(edit: (text: string) => string): Promise<string[]> {
  const report = await validateTree(treeWithKafka(edit), estate.clusters, validationExtensionsOf(catalogue));
  return report.problems.filter((p) => p.file === KAFKA_FILE).map((p) => `${p.object} ${p.path}: ${p.message}`);
}

describe('kafka component', () => {
  it('its committed files match the generators and pass validation and the policy gate', async () => {
    expect(await gateProblems('kafka')).toEqual({ drift: [], policy: [], validate: [] });
  });

  it('the Kafka CR validates against the generated CRD schema', async () => {
    expect(await kafkaProblems((t) => t)).toEqual([]);
  });

  it('a misspelt field of the Kafka CR fails validation', async () => {
    const problems = await kafkaProblems((t) => t.replace('    listeners:\n', '    listners:\n'));
    expect(problems).toContainEqual(expect.stringMatching(/^Kafka\/kafka\/events .*listners/));
  });

  it('runs on onprem only (streaming runs on-prem)', () => {
    expect([...new Set(docs.map((d) => d.cluster))]).toEqual(['onprem']);
  });

  it('is a KRaft cluster of 3 controller+broker nodes on the model storage class', () => {
    const pool = object('KafkaNodePool', 'brokers');
    expect(pool.spec.replicas).toBe(3);
    expect(pool.spec.roles).toEqual(['controller', 'broker']);
    expect(pool.spec.storage.volumes[0]).toMatchObject({
      type: 'persistent-claim',
      class: 'local-path',
      size: `${onpremValues().storageGi}Gi`,
    });
  });

  it('has one TLS listener with SCRAM-SHA-512 and simple authorization, replication 3, min ISR 2', () => {
    const kafka = object('Kafka', 'events').spec.kafka;
    expect(kafka.listeners).toEqual([
      { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } },
    ]);
    expect(kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2 });
    expect(KAFKA_BOOTSTRAP).toBe('events-kafka-bootstrap.kafka.svc:9093');
    expect(kafkaCredentialsSecret('task-stream')).toBe('kafka-task-stream');
  });

  it('signs with our cluster CA, and sets every password, from Secrets declared beside it and in the clients', () => {
    expect(object('Kafka', 'events').spec.clusterCa).toEqual({ generateCertificateAuthority: false });
    const declared = renderEstate(estate, catalogue).secrets.filter((s) => s.cluster === 'onprem');
    const strimzi = { 'strimzi.io/kind': 'Kafka', 'strimzi.io/cluster': 'events' };
    expect(declared.find((s) => s.name === 'events-cluster-ca-cert')).toMatchObject({
      namespace: 'kafka',
      keys: ['ca.crt'],
      metadata: { labels: strimzi, annotations: { 'strimzi.io/ca-cert-generation': '0' } },
    });
    expect(declared.find((s) => s.name === 'events-cluster-ca')).toMatchObject({
      namespace: 'kafka',
      keys: ['ca.key'],
      metadata: { labels: strimzi, annotations: { 'strimzi.io/ca-key-generation': '0' } },
    });
    for (const user of onpremValues().users) {
      const copies = declared.filter((s) => s.name === `kafka-${user.name}`);
      const byNamespace = Object.fromEntries(copies.map((s) => [s.namespace, s.keys]));
      expect(byNamespace).toEqual({ kafka: ['password'], [user.namespace]: ['password', 'ca.crt'] });
    }
  });

  it('runs the broker version the streaming tests start, one that the pinned Strimzi supports', () => {
    const pom = readFileSync(join(repoRoot, 'platform/streaming/broker/pom.xml'), 'utf8');
    const tested = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
    expect(object('Kafka', 'events').spec.kafka.version).toBe(tested);
    expect(tested).toMatch(STRIMZI_KAFKA_VERSIONS);
    // The clients may be newer than the broker; the broker may not be one Strimzi does not run.
    expect(versions.kafka).not.toMatch(STRIMZI_KAFKA_VERSIONS);
  });

  it('admits clients on 9093 from exactly the users namespaces, and Prometheus to the metrics port', () => {
    const policy = object('NetworkPolicy', 'allow-brokers-ingress');
    const clients = policy.spec.ingress.find((r: any) => r.ports[0].port === KAFKA_PORT);
    expect(clients.from.map((p: any) => p.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual([
      'log-export',
      'streaming',
      'task-tracker',
    ]);
    const scrape = object('NetworkPolicy', 'allow-metrics-scrape');
    expect(scrape.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9404 }]);
  });

  it('renders the topics and users of the model', () => {
    expect(object('KafkaTopic', 'task-events').spec).toMatchObject({
      partitions: 6,
      replicas: 3,
      config: { 'retention.ms': 168 * 3_600_000 },
    });
    expect(object('KafkaTopic', 'task-aggregates').spec.config).toEqual({ 'cleanup.policy': 'compact' });
    const stream = object('KafkaUser', 'task-stream').spec;
    expect(stream.authentication).toEqual({
      type: 'scram-sha-512',
      password: { valueFrom: { secretKeyRef: { name: 'kafka-task-stream', key: 'password' } } },
    });
    expect(stream.authorization.acls).toContainEqual({
      resource: { type: 'transactionalId', name: 'task-stream-', patternType: 'prefix' },
      operations: ['All'],
    });
    expect(object('KafkaUser', 'task-tracker').spec.authorization.acls).toContainEqual({
      resource: { type: 'cluster' },
      operations: ['IdempotentWrite'],
    });
  });
});

describe('kafka values', () => {
  it('accepts the model', () => {
    expect(validateKafka(onpremValues())).toEqual([]);
  });

  it('rejects a CA generation that is not a whole number from 0', () => {
    const values = onpremValues();
    values.caGeneration = -1;
    expect(validateKafka(values)).toEqual([
      { field: 'caGeneration', message: 'must be a whole number from 0, got -1' },
    ]);
  });

  it('rejects a topic with 0 partitions', () => {
    const values = onpremValues();
    values.topics[0]!.partitions = 0;
    expect(validateKafka(values)).toEqual([
      { field: 'topics[0].partitions', message: 'must be a whole number of partitions above 0, got 0' },
    ]);
  });

  it('rejects an ACL on a topic the model does not have', () => {
    const values = onpremValues();
    values.users[0]!.acls[0]!.name = 'task-event';
    expect(validateKafka(values)).toEqual([
      {
        field: 'users[0].acls[0].name',
        message: 'topic task-event is not one of the topics: task-events, task-aggregates',
      },
    ]);
  });

  it('rejects an unknown ACL operation and a compacted topic with a retention', () => {
    const values = onpremValues();
    (values.users[1]!.acls[0]!.operations as string[]) = ['Reed'];
    values.topics[1]!.retentionHours = 24;
    expect(validateKafka(values).map((p) => p.field)).toEqual([
      'topics[1].retentionHours',
      'users[1].acls[0].operations',
    ]);
  });
});
