// The credentials that `npm run kafka-credentials` writes, proven on loopback against a real Kafka broker (Maven
// Central, the machine's JDK) with a SCRAM-SHA-512-over-TLS listener like Strimzi's: the Secrets are decrypted with
// sops as Flux would, mounted as the rendered Deployments mount them, and the real task-tracker and the real stream
// job connect with them. Stand-in: no Strimzi runs, so the test signs the broker's certificate with the CA key from
// the Secret (what Strimzi's operator does with it) and writes the users' SCRAM credentials at format time (what its
// User Operator does through the Admin API).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTask, ready, type RunningTaskTracker, sample, startTaskTracker } from '../../apps/task-tracker/launch';
import { catalogue } from '../../generators/estate/catalogue';
import { type RunningPostgres, startScratchPostgres } from '../../generators/local-postgres';
import {
  type Broker,
  createTopic,
  readTopic,
  type RunningJob,
  startBroker,
  startStreamJob,
} from '../streaming/kafka.testkit';
import { waitFor } from '../../generators/testing/loopback.testkit';
import { issueClusterCa, issueKafkaCredentials } from './credentials';
import { type CredentialsTree, credentialsTree, KAFKA_DIR } from './credentials.testkit';

type Data = Record<string, Buffer>;
type Container = {
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
};

const KAFKA = KAFKA_DIR;
let tree: CredentialsTree;
let rendered: Map<string, string>;
let broker: Broker;
let pg: RunningPostgres;
const stop: (() => Promise<unknown>)[] = [];

const podSpec = (path: string) =>
  (parse(rendered.get(path)!) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

/**
 * The container's environment as the kubelet gives it: variables from the `secrets` given resolved, `$(VAR)` expanded
 * from the variables before it, and those Secrets' volumes written into `dir`, with their mount paths in values
 * pointing there. Other Secrets are left out: the test sets what they carry itself.
 */
function podEnv(spec: PodSpec, secrets: Record<string, Data>, dir: string): Record<string, string> {
  const container = spec.containers[0]!;
  const mounts: [string, string][] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((v) => v.name === mount.name)?.secret;
    const data = volume && secrets[volume.secretName];
    if (!data) continue;
    const local = join(dir, mount.name);
    mkdirSync(local, { recursive: true });
    for (const { key, path } of volume.items ?? Object.keys(data).map((k) => ({ key: k, path: k })))
      writeFileSync(join(local, path), data[key] ?? Buffer.alloc(0), { mode: 0o400 });
    mounts.push([mount.mountPath, local]);
  }
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref && !secrets[ref.name]) continue;
    let value = ref ? String(secrets[ref.name]![ref.key] ?? '') : (e.value ?? '');
    value = value.replace(/\$\((\w+)\)/g, (all, name: string) => env[name] ?? all);
    for (const [path, local] of mounts) if (value.startsWith(`${path}/`)) value = local + value.slice(path.length);
    env[e.name] = value;
  }
  return env;
}

/** Stand-in for Strimzi: a broker certificate for 127.0.0.1, signed with the cluster CA's key from its Secret. */
function brokerKeystore(ca: Data, caKey: Data): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-broker-cert-'));
  writeFileSync(join(dir, 'ca.crt'), ca['ca.crt']!);
  writeFileSync(join(dir, 'ca.key'), caKey['ca.key']!, { mode: 0o600 });
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl([
    ...['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key'],
    ...['-subj', '/CN=events-kafka', '-out', 'broker.csr'],
  ]);
  openssl([
    ...['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1'],
    ...['-extfile', 'ext', '-out', 'broker.crt'],
  ]);
  const keystore = join(dir, 'broker.pem');
  writeFileSync(keystore, Buffer.concat(['broker.key', 'broker.crt'].map((f) => readFileSync(join(dir, f)))));
  return keystore;
}

const metric = async (tracker: RunningTaskTracker, series: string) =>
  sample(await (await fetch(`${tracker.metrics}/metrics`)).text(), series);

/**
 * task-tracker as the onprem Deployment runs it, with `secret` as its `kafka-task-tracker` Secret; `close` stops it
 * (one at a time: they share the database, and another's worker would publish this one's events).
 */
async function tracker(secret: Data): Promise<RunningTaskTracker & { close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'task-tracker-pod-'));
  const env = podEnv(
    podSpec('clusters/onprem/apps/task-tracker/deployment-task-tracker.yaml'),
    { 'kafka-task-tracker': secret },
    dir,
  );
  const events = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('TASK_EVENTS_')));
  const running = await startTaskTracker({
    DATABASE_URL: pg.url,
    ...events,
    TASK_EVENTS_BROKERS: broker.secureBootstrap!,
    TASK_EVENTS_DELIVERY_TIMEOUT: '3s',
    WORKER_PROCESSING_TIME: '10ms',
    WORKER_POLL_INTERVAL: '10ms',
  });
  const close = async () => {
    running.process.kill('SIGTERM');
    await running.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  stop.push(close);
  return { ...(await ready(running)), close };
}

const onTopic = async (topic: string) => (await readTopic(broker, topic, 3000)).length;

beforeAll(async () => {
  tree = credentialsTree('kafka-credentials-e2e-');
  rendered = tree.files;
  issueKafkaCredentials(tree.root, tree.estate, catalogue, 'onprem');

  const users = ['task-tracker', 'task-stream'].map((name) => ({
    name,
    password: tree.decrypt(`${KAFKA}/secret-kafka-${name}.sops.yaml`).data.password!.toString(),
  }));
  const keystore = brokerKeystore(
    tree.decrypt(`${KAFKA}/secret-events-cluster-ca-cert.sops.yaml`).data,
    tree.decrypt(`${KAFKA}/secret-events-cluster-ca.sops.yaml`).data,
  );
  broker = await startBroker({ keystore, users });
  await createTopic(broker, 'task-events', 3);
  await createTopic(broker, 'task-aggregates', 1, ['cleanup.policy=compact']);
  pg = await startScratchPostgres('kafka-credentials-e2e-pg-');
});

afterAll(async () => {
  for (const s of stop.reverse()) await s();
  await broker?.stop();
  await pg?.stop();
  tree?.dispose();
});

describe('Kafka credentials on a real broker (the broker certificate signed here, standing in for Strimzi)', () => {
  it('task-tracker publishes over TLS with SCRAM, with its Secret mounted as the Deployment mounts it', async () => {
    const secret = tree.decrypt('clusters/onprem/apps/task-tracker/secret-kafka-task-tracker.sops.yaml').data;
    const running = await tracker(secret);
    for (let i = 0; i < 5; i++) expect(await createTask(running, `tls ${i}`)).toBe(201);
    // Each task is created, started and finished: 3 events.
    await waitFor('15 events on task-events', 60_000, async () =>
      (await onTopic('task-events')) >= 15 ? true : undefined,
    );
    expect(await metric(running, 'task_tracker_events_dropped_total{reason="delivery_failed"}')).toBe(0);
    await running.close();
  });

  it('the stream job reads them and writes aggregates over TLS with its rendered JAAS line and truststore', async () => {
    const secret = tree.decrypt(
      'clusters/onprem/platform-controllers/streaming/secret-kafka-task-stream.sops.yaml',
    ).data;
    const dir = mkdtempSync(join(tmpdir(), 'task-stream-pod-'));
    const env = podEnv(
      podSpec('clusters/onprem/platform-controllers/streaming/deployment-task-stream.yaml'),
      { 'kafka-task-stream': secret },
      dir,
    );
    const security = Object.fromEntries(Object.entries(env).filter(([k]) => /^KAFKA_(SECURITY|SASL|SSL)_/.test(k)));
    expect(Object.keys(security).sort()).toEqual([
      'KAFKA_SASL_JAAS_CONFIG',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SECURITY_PROTOCOL',
      'KAFKA_SSL_TRUSTSTORE_LOCATION',
      'KAFKA_SSL_TRUSTSTORE_TYPE',
    ]);
    const job: RunningJob = await startStreamJob(broker, 'onprem', {
      ...security,
      KAFKA_BOOTSTRAP_SERVERS: broker.secureBootstrap!,
    });
    stop.push(async () => {
      await job.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    await waitFor('aggregates on task-aggregates', 90_000, async () =>
      (await onTopic('task-aggregates')) > 0 ? true : undefined,
    );
  });

  it('a client with another CA, or with another password, is refused: its events are counted as dropped', async () => {
    const good = tree.decrypt('clusters/onprem/apps/task-tracker/secret-kafka-task-tracker.sops.yaml').data;
    const before = await onTopic('task-events');
    for (const [what, secret] of [
      ['another CA', { ...good, 'ca.crt': Buffer.from(issueClusterCa(0, 1).cert) }],
      ['another password', { ...good, password: Buffer.from('not-the-password') }],
    ] as const) {
      const running = await tracker(secret);
      expect(await createTask(running, what), what).toBe(201);
      await waitFor(`${what}: a delivery failure`, 30_000, async () =>
        (await metric(running, 'task_tracker_events_dropped_total{reason="delivery_failed"}')) > 0 ? true : undefined,
      );
      await running.close();
    }
    expect(await onTopic('task-events')).toBe(before);
  });
});
