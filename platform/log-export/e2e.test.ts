// End to end: the real collector, built at the pinned version, runs the rendered agent config against a real S3
// server on loopback; container-log lines go in, gzip NDJSON objects under the partitioned keys come out, and an S3
// outage and a restart in between lose nothing. Delivery is at-least-once: a request leaves the on-disk queue only
// once the objects holding its records are written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { freePort } from '../../generators/ports';
import { COLLECTOR_TOOL } from './index';
import { loadManifests } from '../../generators/manifests';
import { repoRoot } from '../../generators/repo';
import { CONFIG_KEY, KAFKA_PASSWORD_ENV } from './collector-config';
import { CLUSTER_EXPORTER } from './api';
import { DEPLOYMENT, EVENTS, NODE, POD, startKubeApiStub } from './kube-api-stub.testkit';
import { ALERT_METRICS } from './alerts';
import {
  appendCri,
  appendLoad,
  BucketWatch,
  flushMaxAgeMs,
  listKeys,
  LOAD_PODS,
  logFile,
  metricSum,
  readObject,
  redirect,
  redirectClusterExporter,
  renderedConfig,
  sandboxIn,
  scrapeMetrics,
  startCollector,
  startS3,
  waitFor,
  type PodLog,
  type Process,
  type Sandbox,
} from './harness.testkit';

const CLUSTER = 'aws';
/** The first build of the collector takes ≈ 8 min on 2 busy cores; later runs reuse .cache/go-tools. */
const COLD_BUILD_MS = 1_200_000;
const BUCKET = estate.logArchive.bucket;
const AGENT_CONFIG = renderedConfig(CLUSTER);
/** Records wait up to flush.max_age in an open object before it is written: every wait for S3 allows for that. */
const MAX_AGE_MS = flushMaxAgeMs(AGENT_CONFIG);
const KEY = new RegExp(
  `^logs/cluster=${CLUSTER}/namespace=([a-z0-9-]+)/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/[0-9a-f]{32}\\.json\\.gz$`,
);

const web: PodLog = {
  namespace: 'shop',
  pod: 'web-5f7c9',
  uid: '0b1c2d3e-1111-2222-3333-444455556666',
  container: 'web',
};
const worker: PodLog = {
  namespace: 'batch-jobs',
  pod: 'worker-0',
  uid: '9a8b7c6d-aaaa-bbbb-cccc-ddddeeeeffff',
  container: 'worker',
};

interface Sent {
  pod: PodLog;
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
  id: string;
}

function lines(phase: string, pod: PodLog, hour: string, count: number): Sent[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${phase}-${pod.pod}-${i}`;
    const time = `2026-03-14T${hour}:15:${String(i % 60).padStart(2, '0')}.${String(i).padStart(9, '0')}Z`;
    return i % 2 === 0
      ? {
          pod,
          time,
          stream: 'stdout' as const,
          id,
          text: JSON.stringify({ level: 'info', msg: 'order placed', id, amount: i }),
        }
      : { pod, time, stream: 'stderr' as const, id, text: `plain warning ${id} at step ${i}` };
  });
}

function write(s: Sandbox, sent: Sent[]): void {
  for (const pod of [web, worker])
    appendCri(
      logFile(s.podsDir, pod),
      sent.filter((l) => l.pod === pod),
    );
}

interface Received {
  key: string;
  record: Record<string, any>;
}

async function received(s: Sandbox): Promise<Received[]> {
  const out: Received[] = [];
  for (const key of await listKeys(s.s3Port, BUCKET, 'logs/')) {
    for (const record of await readObject(s.s3Port, BUCKET, key)) out.push({ key, record });
  }
  return out;
}

function idOf(r: Received): string | undefined {
  const body = r.record.body;
  return body?.id ?? body?.message?.match(/plain warning (\S+)/)?.[1];
}

async function allArrived(s: Sandbox, sent: Sent[], timeoutMs: number): Promise<Received[]> {
  return waitFor(`${sent.length} lines in S3`, timeoutMs, async () => {
    const got = await received(s);
    const ids = new Set(got.map(idOf));
    return sent.every((l) => ids.has(l.id)) ? got : undefined;
  });
}

describe('log export end to end (real collector, real S3 server)', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-export-e2e-'));
  const s3Db = join(root, 's3.db');
  let sandbox: Sandbox;
  let s3: Process | undefined;
  let collector: Process | undefined;

  beforeAll(async () => {
    sandbox = await sandboxIn(root);
    s3 = await startS3(s3Db, sandbox.s3Port, BUCKET);
    collector = await startCollector(redirect(AGENT_CONFIG, sandbox), join(root, 'collector.yaml'), sandbox);
  }, COLD_BUILD_MS);

  afterAll(async () => {
    await collector?.stop();
    await s3?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const first = [...lines('first', web, '09', 40), ...lines('first', worker, '10', 30)];
  const second = [...lines('second', web, '11', 40), ...lines('second', worker, '11', 20)];

  it(
    'ships JSON and plain lines as gzip NDJSON under cluster/namespace/dt/hour keys',
    async () => {
      write(sandbox, first);
      const got = await allArrived(sandbox, first, MAX_AGE_MS + 60_000);

      for (const { key, record } of got) {
        const [, namespace, dt, hour] = key.match(KEY) ?? [];
        expect(key).toMatch(KEY);
        expect(record.resource['k8s.namespace.name']).toBe(namespace);
        expect(dt).toBe(record.time.slice(0, 10));
        expect(hour).toBe(record.time.slice(11, 13));
      }
      const byId = new Map(got.map((r) => [idOf(r), r]));
      for (const line of first) {
        const { key, record } = byId.get(line.id)!;
        expect(key).toContain(`/namespace=${line.pod.namespace}/dt=2026-03-14/hour=${line.time.slice(11, 13)}/`);
        expect(record.time).toBe(line.time);
        expect(record.resource).toMatchObject({
          'k8s.pod.name': line.pod.pod,
          'k8s.pod.uid': line.pod.uid,
          'k8s.container.name': line.pod.container,
        });
        expect(record.attributes['log.iostream']).toBe(line.stream);
        expect(record.body).toEqual(line.stream === 'stdout' ? JSON.parse(line.text) : { message: line.text });
      }
    },
    MAX_AGE_MS + 120_000,
  );

  it(
    'keeps retrying through an S3 outage and a restart, then delivers every line (at-least-once)',
    async () => {
      await s3!.stop();
      write(sandbox, second);
      const retrying = async () => (/Exporting failed\. Will retry/.test(collector!.output()) ? true : undefined);
      await waitFor('failed uploads being retried while S3 is down', MAX_AGE_MS + 30_000, retrying);
      const sentBefore = metricSum(await scrapeMetrics(sandbox.metricsPort), 'otelcol_exporter_sent_log_records_total');
      expect(sentBefore).toBe(first.length);

      // Unsent requests outlive the process in the on-disk queue.
      await collector!.stop();
      collector = await startCollector(redirect(AGENT_CONFIG, sandbox), join(root, 'collector.yaml'), sandbox);
      s3 = await startS3(s3Db, sandbox.s3Port, BUCKET);
      const got = await allArrived(sandbox, [...first, ...second], MAX_AGE_MS + 120_000);
      const ids = got.map(idOf);
      for (const line of [...first, ...second]) expect(ids).toContain(line.id);
      const duplicates = ids.length - new Set(ids).size;
      const sent = first.length + second.length;
      console.log(
        `after the outage and the restart: ${ids.length} records for ${sent} lines (${duplicates} duplicates)`,
      );
      expect(got.every((r) => KEY.test(r.key))).toBe(true);
    },
    2 * MAX_AGE_MS + 240_000,
  );

  const LOAD_LINES = 100_000;
  /** At least 2,000 records per object on average, ≥ 20× fewer than one object per request of ≤ 100 records. */
  const MAX_OBJECTS = 50;

  it(
    `tiny S3 objects: ${LOAD_LINES / 1000}k container-log lines give at most ${MAX_OBJECTS} objects`,
    async () => {
      for (let from = 0; from < LOAD_LINES / LOAD_PODS; from += 5_000) appendLoad(sandbox.podsDir, from, 5_000);
      const watch = new BucketWatch(sandbox.s3Port, BUCKET, `logs/cluster=${CLUSTER}/namespace=bench-`);
      await watch.until(LOAD_LINES, MAX_AGE_MS + 300_000, 2_000);
      expect(watch.records).toBeGreaterThanOrEqual(LOAD_LINES);
      expect(watch.objects.size).toBeLessThanOrEqual(MAX_OBJECTS);
    },
    MAX_AGE_MS + 360_000,
  );

  it('exports every metric the alerts read', async () => {
    const series = await scrapeMetrics(sandbox.metricsPort);
    for (const name of ALERT_METRICS) expect(metricSum(series, name), name).toBeDefined();
  });
});

describe('events and states end to end (real collector and S3 server, stand-in Kubernetes API)', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-export-cluster-'));
  let sandbox: Sandbox;
  let s3: Process | undefined;
  let collector: Process | undefined;
  let api: Awaited<ReturnType<typeof startKubeApiStub>> | undefined;

  beforeAll(async () => {
    sandbox = await sandboxIn(root);
    const apiPort = await freePort();
    api = await startKubeApiStub(apiPort);
    const kubeconfig = join(root, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'stub',
        clusters: [{ name: 'stub', cluster: { server: `http://127.0.0.1:${apiPort}` } }],
        users: [{ name: 'stub', user: {} }],
        contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub' } }],
      }),
    );
    s3 = await startS3(join(root, 's3.db'), sandbox.s3Port, BUCKET);
    const config = redirectClusterExporter(renderedConfig(CLUSTER, CLUSTER_EXPORTER), sandbox);
    collector = await startCollector(config, join(root, 'collector.yaml'), sandbox, { KUBECONFIG: kubeconfig });
  }, COLD_BUILD_MS);

  afterAll(async () => {
    await collector?.stop();
    await s3?.stop();
    await new Promise((resolve) => (api ? api.server.close(resolve) : resolve(undefined)));
    api?.server.closeAllConnections();
    rmSync(root, { recursive: true, force: true });
  });

  const maxAgeMs = flushMaxAgeMs(renderedConfig(CLUSTER, CLUSTER_EXPORTER), 's3ndjson/events');

  async function records(prefix: string, count: number): Promise<Received[]> {
    return waitFor(`${count} records under ${prefix}`, maxAgeMs + 60_000, async () => {
      const out: Received[] = [];
      for (const key of await listKeys(sandbox.s3Port, BUCKET, prefix))
        for (const record of await readObject(sandbox.s3Port, BUCKET, key)) out.push({ key, record });
      return out.length >= count ? out : undefined;
    }).catch((error) => {
      throw new Error(`${error.message}\nAPI requests: ${api?.requests.join(', ')}\n${collector?.output()}`);
    });
  }

  it(
    'writes watched events as NDJSON under events/cluster=<c>/dt=…/hour=…/',
    async () => {
      const got = await records(`events/cluster=${CLUSTER}/`, EVENTS.length);
      for (const { key } of got)
        expect(key).toMatch(
          new RegExp(`^events/cluster=${CLUSTER}/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[0-9a-f]{32}\\.json\\.gz$`),
        );
      expect(got.map((r) => r.record.body.object.reason).sort()).toEqual(['BackOff', 'FailedScheduling']);
      expect(got[0]!.record.body.type).toBe('ADDED');
    },
    maxAgeMs + 120_000,
  );

  it(
    'snapshots nodes (capacity, conditions) and workloads (desired, ready, restarts) under states/cluster=<c>/dt=…/',
    async () => {
      const got = await records(`states/cluster=${CLUSTER}/`, 3);
      for (const { key } of got)
        expect(key).toMatch(new RegExp(`^states/cluster=${CLUSTER}/dt=\\d{4}-\\d{2}-\\d{2}/[0-9a-f]{32}\\.json\\.gz$`));
      const of = (resource: string) => got.find((r) => r.record.attributes['k8s.resource.name'] === resource)!.record;
      const node = of('nodes').body;
      expect(node.status).toEqual({
        capacity: NODE.status.capacity,
        allocatable: NODE.status.allocatable,
        conditions: NODE.status.conditions,
        nodeInfo: NODE.status.nodeInfo,
      });
      expect(node.metadata.managedFields).toBeUndefined();
      expect(node.metadata.annotations).toBeUndefined();
      const deployment = of('deployments');
      expect(deployment.resource['k8s.namespace.name']).toBe('task-tracker');
      expect(deployment.body.spec).toEqual({ replicas: DEPLOYMENT.spec.replicas });
      expect(deployment.body.status.readyReplicas).toBe(DEPLOYMENT.status.readyReplicas);
      const pod = of('pods').body;
      expect(pod.spec).toEqual({ nodeName: POD.spec.nodeName });
      expect(pod.status.containerStatuses[0].restartCount).toBe(4);
      expect(pod.status.podIP).toBeUndefined();
    },
    maxAgeMs + 120_000,
  );
});

describe('the collector accepts every rendered config', () => {
  const root = mkdtempSync(join(tmpdir(), 'log-export-validate-'));
  beforeAll(() => void buildGoTool(COLLECTOR_TOOL), COLD_BUILD_MS);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function validate(name: string, text: string): { code: number | null; output: string } {
    const file = join(root, `${name}.yaml`);
    writeFileSync(file, text);
    // What the pods' environment holds: the downward API's, and the streams receiver's password from its Secret.
    const env = { PATH: process.env.PATH, MY_POD_IP: '127.0.0.1', K8S_NODE_NAME: 'node-1', [KAFKA_PASSWORD_ENV]: 'x' };
    const result = spawnSync(buildGoTool(COLLECTOR_TOOL), ['validate', '--config', file], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  }

  const configs = loadManifests(
    repoRoot,
    estate.clusters.map((c) => `clusters/${c.name}/platform-controllers/log-export`),
  )
    .docs.filter((d) => d.object.kind === 'ConfigMap')
    .map(
      (d) =>
        [`${d.cluster}/${d.object.metadata!.name}`, (d.object.data as Record<string, string>)[CONFIG_KEY]!] as const,
    );

  it.each(configs)('%s passes `validate` (components, OTTL statements, pipelines)', (name, text) => {
    const result = validate(name.replace('/', '-'), text);
    expect(result.output).not.toMatch(/Error/);
    expect(result.code).toBe(0);
  });

  it('rejects a config with a broken OTTL statement', () => {
    const [name, text] = configs.find(([n]) => n.includes('log-export-cluster'))!;
    const result = validate(
      'broken',
      text.replace('keep_keys(body["spec"], ["replicas"])', 'keep_keyz(body["spec"], ["replicas"])'),
    );
    expect(result.output, name).toMatch(/undefined function "keep_keyz"/);
  });
});
