// The `streams` dataset end to end: the real collector (this module's build, with the contrib kafka receiver v0.128.0)
// runs the streams pipeline of the onprem cluster exporter's rendered config, reading a real KRaft broker
// (platform/streaming/kafka.testkit.ts, Maven Central) into gofakes3 on loopback. Test-only changes: the broker's
// address, and TLS and SCRAM removed (the loopback broker listens in plaintext; the Kafka user, its Secret and the
// TLS listener are platform/kafka's), the other pipelines removed, the flush age shortened, ports and paths redirected.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { type Broker, createTopic, kafkaClasspath, startBroker } from '../streaming/kafka.testkit';
import { CLUSTER_EXPORTER } from './api';
import {
  listKeys,
  type Process,
  readObject,
  redirectClusterExporter,
  renderedConfig,
  type Sandbox,
  sandboxIn,
  startCollector,
  startS3,
  waitFor,
} from './harness.testkit';

const CLUSTER = 'onprem';
const BUCKET = estate.logArchive.bucket;
const TOPIC = 'task-aggregates';

/** Aggregates as the stream job writes them (task-aggregate/v1): two hours of one day, and the next day. */
function aggregate(windowStart: string, status: string, count: number) {
  const end = new Date(Date.parse(windowStart) + 60_000).toISOString().replace('.000Z', 'Z');
  const finished = status === 'done' || status === 'failed';
  return {
    schema: 'task-aggregate/v1',
    cluster: CLUSTER,
    window_start: windowStart,
    window_end: end,
    status,
    count,
    failure_ratio: 0.25,
    p50_ms: finished ? 120 : null,
    p95_ms: finished ? 480 : null,
  };
}
const AGGREGATES = [
  aggregate('2026-03-14T12:59:00Z', 'created', 8),
  aggregate('2026-03-14T12:59:00Z', 'done', 3),
  aggregate('2026-03-14T13:00:00Z', 'failed', 1),
  aggregate('2026-03-15T00:00:00Z', 'started', 5),
];

/** Writes `records` ([key, value]) to a topic with Kafka's console producer. */
function produce(broker: Broker, topic: string, records: [string, string][]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      [
        '-Xmx256m',
        '-cp',
        kafkaClasspath(),
        'org.apache.kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        broker.bootstrap,
        '--topic',
        topic,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=\t',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ConsoleProducer exited ${code}: ${err}`))));
    child.stdin.end(records.map(([k, v]) => `${k}\t${v}\n`).join(''));
  });
}

/** The rendered streams pipeline alone, pointed at the loopback broker and S3. */
function streamsConfig(s: Sandbox, broker: Broker): Record<string, any> {
  const rendered = renderedConfig(CLUSTER, CLUSTER_EXPORTER);
  const c = redirectClusterExporter(rendered, s);
  c.receivers = { 'kafka/streams': c.receivers['kafka/streams'] };
  c.service.pipelines = { 'logs/streams': c.service.pipelines['logs/streams'] };
  c.exporters = { 's3ndjson/streams': c.exporters['s3ndjson/streams'] };
  const kafka = c.receivers['kafka/streams'];
  kafka.brokers = [broker.bootstrap];
  delete kafka.tls;
  delete kafka.auth;
  c.exporters['s3ndjson/streams'].flush.max_age = '2s';
  return c;
}

describe('streams dataset: task-aggregates from a real broker into S3 (TLS and SCRAM removed: plaintext loopback broker)', () => {
  let root: string;
  let broker: Broker;
  let s3: Process;
  let collector: Process | undefined;
  let sandbox: Sandbox;
  const rendered = renderedConfig(CLUSTER, CLUSTER_EXPORTER);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'streams-e2e-'));
    sandbox = await sandboxIn(root);
    broker = await startBroker();
    await createTopic(broker, TOPIC, 1);
    s3 = await startS3(join(root, 's3.db'), sandbox.s3Port, BUCKET);
  }, 900_000);

  afterAll(async () => {
    await collector?.stop();
    await s3?.stop();
    await broker?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is rendered on onprem as the Kafka user log-export over TLS with SCRAM-SHA-512, and not on aws', () => {
    expect(rendered.receivers['kafka/streams']).toMatchObject({
      brokers: ['events-kafka-bootstrap.kafka.svc:9093'],
      group_id: 'log-export',
      logs: { topic: TOPIC, encoding: 'json' },
      tls: { ca_file: '/etc/kafka-ca/ca.crt' },
      auth: { sasl: { mechanism: 'SCRAM-SHA-512', username: 'log-export', password: '${env:KAFKA_PASSWORD}' } },
    });
    expect(rendered.exporters['s3ndjson/streams'].key).toBe('streams/cluster=onprem/dt={dt}/hour={hour}');
    expect(renderedConfig('aws', CLUSTER_EXPORTER).receivers['kafka/streams']).toBeUndefined();
  });

  it('writes each aggregate under streams/cluster=onprem/dt=…/hour=… of its minute, its JSON as the body', async () => {
    collector = await startCollector(streamsConfig(sandbox, broker), join(root, 'config.yaml'), sandbox);
    await produce(
      broker,
      TOPIC,
      AGGREGATES.map((a) => [`${a.window_start}/${a.status}`, JSON.stringify(a)]),
    );
    const prefix = `streams/cluster=${CLUSTER}/`;
    const keys = await waitFor('the aggregates in S3', 120_000, async () => {
      const listed = await listKeys(sandbox.s3Port, BUCKET, prefix);
      const records = (await Promise.all(listed.map((k) => readObject(sandbox.s3Port, BUCKET, k)))).flat();
      return records.length >= AGGREGATES.length ? listed : undefined;
    }).catch((error) => {
      throw new Error(`${error.message}\n${collector!.output()}`);
    });
    const folders = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/'))))].sort();
    expect(folders).toEqual([
      'streams/cluster=onprem/dt=2026-03-14/hour=12',
      'streams/cluster=onprem/dt=2026-03-14/hour=13',
      'streams/cluster=onprem/dt=2026-03-15/hour=00',
    ]);
    // Named by the first 128 bits of the content's SHA-256 (s3ndjsonexporter/exporter.go).
    for (const key of keys) expect(key).toMatch(/\/[0-9a-f]{32}\.json\.gz$/);
    const byFolder = Object.fromEntries(
      await Promise.all(
        folders.map(async (f) => {
          const records = (
            await Promise.all(
              keys.filter((k) => k.startsWith(`${f}/`)).map((k) => readObject(sandbox.s3Port, BUCKET, k)),
            )
          ).flat();
          return [f, records] as const;
        }),
      ),
    );
    const all = Object.values(byFolder).flat();
    expect(
      all
        .map((r) => r.body)
        .sort((a, b) => `${a.window_start}${a.status}`.localeCompare(`${b.window_start}${b.status}`)),
    ).toEqual(
      [...AGGREGATES].sort((a, b) => `${a.window_start}${a.status}`.localeCompare(`${b.window_start}${b.status}`)),
    );
    // The record's time is its minute, as every dataset's: RFC 3339 UTC with 9 fractional digits.
    for (const r of all) expect(r.time).toBe(r.body.window_start.replace('Z', '.000000000Z'));
    expect(byFolder['streams/cluster=onprem/dt=2026-03-14/hour=12']!.map((r) => r.body.status).sort()).toEqual([
      'created',
      'done',
    ]);
  }, 300_000);

  it('can fail: without the time transform the same records land in the hour they were read, not their minute', async () => {
    await collector?.stop();
    const config = streamsConfig(sandbox, broker);
    config.service.pipelines['logs/streams'].processors = [];
    // A new group reads the topic from its beginning again.
    config.receivers['kafka/streams'].group_id = 'log-export-negative';
    collector = await startCollector(config, join(root, 'config-negative.yaml'), sandbox);
    // Outside the records' own folders (their minutes), whatever the date of the read: a run may cross midnight.
    const own = new Set(AGGREGATES.map((a) => a.window_start.slice(0, 10)));
    const keys = await waitFor('the re-read aggregates in S3', 120_000, async () => {
      const all = await listKeys(sandbox.s3Port, BUCKET, `streams/cluster=${CLUSTER}/`);
      const listed = all.filter((k) => !own.has(/\/dt=([^/]+)\//.exec(k)?.[1] ?? ''));
      const records = (await Promise.all(listed.map((k) => readObject(sandbox.s3Port, BUCKET, k)))).flat();
      return records.length >= AGGREGATES.length ? listed : undefined;
    });
    expect(keys.length).toBeGreaterThan(0);
  }, 300_000);
});
