// Runs the real collector with the agent config taken from the rendered manifests against a real S3 server on
// loopback. Shared by the end-to-end test and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { loadManifests } from '../../generators/manifests';
import { repoRoot } from '../../generators/repo';
import { AGENT } from './api';
import { COLLECTOR_TOOL, S3_SERVER_TOOL } from './index';
import { CONFIG_KEY } from './collector-config';
import { freePort } from '../../generators/ports';
import { LOOPBACK, waitFor } from '../../generators/testing/loopback.testkit';

export { LOOPBACK, waitFor } from '../../generators/testing/loopback.testkit';

function accepts(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, LOOPBACK, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

export interface Process {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function run(binary: string, args: string[], env: NodeJS.ProcessEnv = {}): Process {
  const child = spawn(binary, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** gofakes3 with its bolt backend: objects persist in `dbFile` across restarts on the same port. */
export async function startS3(dbFile: string, port: number, bucket: string): Promise<Process> {
  const server = run(buildGoTool(S3_SERVER_TOOL), [
    '-backend',
    'bolt',
    '-bolt.db',
    dbFile,
    '-host',
    `${LOOPBACK}:${port}`,
    '-initialbucket',
    bucket,
    '-quiet',
  ]);
  await waitFor(`S3 server on port ${port}`, 20_000, () => accepts(port));
  return server;
}

/** A collector's config exactly as rendered for `cluster` (clusters/<cluster>/…/log-export), by HelmRelease name. */
export function renderedConfig(cluster: string, releaseName: string = AGENT): Record<string, any> {
  const dir = `clusters/${cluster}/platform-controllers/log-export`;
  const { docs } = loadManifests(repoRoot, [dir]);
  const release = docs.find((d) => d.object.kind === 'HelmRelease' && d.object.metadata?.name === releaseName);
  const name = (release?.object.spec as any)?.values?.configMap?.existingName;
  const configMap = docs.find((d) => d.object.kind === 'ConfigMap' && d.object.metadata?.name === name);
  const text = (configMap?.object.data as Record<string, string> | undefined)?.[CONFIG_KEY];
  if (!text)
    throw new Error(
      `${dir}: no ConfigMap ${name} with key ${CONFIG_KEY} referenced by HelmRelease ${releaseName}; run npm run render`,
    );
  return parse(text);
}

/** A sandbox under `dir` with free loopback ports. */
export async function sandboxIn(dir: string): Promise<Sandbox> {
  return {
    podsDir: join(dir, 'var/log/pods'),
    stateDir: join(dir, 'state'),
    s3Port: await freePort(),
    metricsPort: await freePort(),
    healthPort: await freePort(),
  };
}

export interface Sandbox {
  podsDir: string;
  stateDir: string;
  s3Port: number;
  metricsPort: number;
  healthPort: number;
}

/**
 * The test-only changes to the rendered config, and nothing else: host paths point into the sandbox, the exporter at
 * the loopback S3 server, ports at free loopback ports, and k8sattributes leaves the pipeline because it needs an API
 * server (namespace, pod and container still come from the log file path, as on a node).
 */
export function redirect(config: Record<string, any>, s: Sandbox): Record<string, any> {
  const c = redirectCommon(config, s);
  c.receivers.filelog.include = [join(s.podsDir, '*/*/*.log')];
  c.service.pipelines.logs.processors = c.service.pipelines.logs.processors.filter(
    (p: string) => p !== 'k8sattributes',
  );
  delete c.processors.k8sattributes;
  return c;
}

/** For the cluster exporter: the same, and the k8sobjects receivers read the API named by $KUBECONFIG. */
export function redirectClusterExporter(config: Record<string, any>, s: Sandbox): Record<string, any> {
  const c = redirectCommon(config, s);
  for (const [id, receiver] of Object.entries<Record<string, any>>(c.receivers))
    if (id.startsWith('k8sobjects')) receiver.auth_type = 'kubeConfig';
  return c;
}

function redirectCommon(config: Record<string, any>, s: Sandbox): Record<string, any> {
  const c = structuredClone(config);
  c.extensions.file_storage.directory = s.stateDir;
  c.extensions.file_storage.compaction.directory = s.stateDir;
  c.extensions.health_check.endpoint = `${LOOPBACK}:${s.healthPort}`;
  c.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port = s.metricsPort;
  for (const [id, exporter] of Object.entries<Record<string, any>>(c.exporters))
    if (id.startsWith('s3ndjson')) exporter.endpoint = `http://${LOOPBACK}:${s.s3Port}`;
  return c;
}

export async function startCollector(
  config: Record<string, any>,
  configFile: string,
  s: Sandbox,
  env: NodeJS.ProcessEnv = {},
): Promise<Process> {
  writeFileSync(configFile, stringify(config));
  const collector = run(buildGoTool(COLLECTOR_TOOL), ['--config', configFile], {
    ...env,
    MY_POD_IP: LOOPBACK,
    K8S_NODE_NAME: 'test-node',
    // gofakes3 accepts any signature; the SDK needs some credentials to sign with.
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  await waitFor('collector health check', 60_000, async () => {
    if (collector.child.exitCode !== null) throw new Error(`collector exited:\n${collector.output()}`);
    const res = await fetch(`http://${LOOPBACK}:${s.healthPort}/`);
    return res.ok ? true : undefined;
  }).catch((error) => {
    throw new Error(`${error.message}\n${collector.output()}`);
  });
  return collector;
}

export interface PodLog {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
}

/** The kubelet's layout: /var/log/pods/<ns>_<pod>_<uid>/<container>/<restart>.log */
export function logFile(podsDir: string, p: PodLog): string {
  const dir = join(podsDir, `${p.namespace}_${p.pod}_${p.uid}`, p.container);
  mkdirSync(dir, { recursive: true });
  return join(dir, '0.log');
}

/** Appends lines in the CRI format the container runtime writes: `<RFC3339Nano> <stream> F <text>`. */
export function appendCri(file: string, lines: { time: string; stream: 'stdout' | 'stderr'; text: string }[]): void {
  appendFileSync(file, lines.map((l) => `${l.time} ${l.stream} F ${l.text}\n`).join(''));
}

export interface StoredObject {
  key: string;
  /** Bytes stored: the gzip size. */
  size: number;
}

export async function listObjects(s3Port: number, bucket: string, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const query = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
    const res = await fetch(`http://${LOOPBACK}:${s3Port}/${bucket}?${query}`);
    if (!res.ok) throw new Error(`listing ${bucket}/${prefix}: HTTP ${res.status}`);
    const xml = await res.text();
    for (const [, entry] of xml.matchAll(/<Contents>(.*?)<\/Contents>/gs)) {
      const key = entry!.match(/<Key>([^<]*)<\/Key>/)![1]!.replaceAll('&amp;', '&');
      objects.push({ key, size: Number(entry!.match(/<Size>(\d+)<\/Size>/)?.[1] ?? 0) });
    }
    token = xml.match(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/)?.[1];
    if (!token) return objects;
  }
  throw new Error(`listing ${bucket}/${prefix}: more than 1000 pages`);
}

export async function listKeys(s3Port: number, bucket: string, prefix: string): Promise<string[]> {
  return (await listObjects(s3Port, bucket, prefix)).map((o) => o.key);
}

/** The NDJSON records of one gzip object. */
export async function readObject(s3Port: number, bucket: string, key: string): Promise<Record<string, any>[]> {
  const res = await fetch(`http://${LOOPBACK}:${s3Port}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
  if (!res.ok) throw new Error(`reading ${key}: HTTP ${res.status}`);
  if (res.headers.get('content-encoding'))
    throw new Error(`${key}: stored with Content-Encoding, readers would get it decompressed`);
  const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8');
  if (!text.endsWith('\n')) throw new Error(`${key}: NDJSON does not end with a newline`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** The collector's own metrics, by series text (`name{labels}`) → value. */
export async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://${LOOPBACK}:${port}/metrics`);
  const series = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

export function metricSum(series: Map<string, number>, name: string): number | undefined {
  const values = [...series].filter(([s]) => s === name || s.startsWith(`${name}{`)).map(([, v]) => v);
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}

/** The load the benchmark and the object-size test write: pods `load-<p>` in namespaces `bench-0` and `bench-1`. */
export const LOAD_PODS = 4;

/**
 * Appends lines `from` … `from + count - 1` to each load pod's log, even ones JSON and odd ones plain text, all in one
 * UTC hour. `loadId` reads a line's `<pod>-<seq>` back from its record.
 */
export function appendLoad(podsDir: string, from: number, count: number): void {
  for (let p = 0; p < LOAD_PODS; p++) {
    const uid = `00000000-0000-0000-0000-00000000000${p}`;
    const file = logFile(podsDir, { namespace: `bench-${p % 2}`, pod: `load-${p}`, uid, container: 'app' });
    appendCri(
      file,
      Array.from({ length: count }, (_, j) => {
        const seq = from + j;
        const time = `2026-03-14T12:00:00.${String(seq).padStart(9, '0')}Z`;
        const json = { level: 'info', msg: 'request served', pod: p, seq, path: '/api/orders', ms: seq % 250 };
        return seq % 2 === 0
          ? { time, stream: 'stdout' as const, text: JSON.stringify(json) }
          : { time, stream: 'stderr' as const, text: `plain log line ${p}-${seq} with some ordinary text in it` };
      }),
    );
  }
}

export function loadId(record: Record<string, any>): string | undefined {
  const body = record.body;
  if (typeof body?.seq === 'number') return `${body.pod}-${body.seq}`;
  return body?.message?.match(/^plain log line (\d+-\d+) /)?.[1];
}

/** Watches a bucket prefix: when each object first appeared, and so when each load line it holds was in S3. */
export class BucketWatch {
  readonly objects = new Map<string, StoredObject & { seenAt: number }>();
  /** Load line id → when its first object appeared (ms, performance.now()). */
  readonly lines = new Map<string, number>();
  records = 0;

  constructor(
    private readonly s3Port: number,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  async poll(): Promise<void> {
    const listed = await listObjects(this.s3Port, this.bucket, this.prefix);
    // Every listed object was in S3 by now; a line's delay is overstated by at most one poll interval.
    const now = performance.now();
    for (const o of listed) {
      if (this.objects.has(o.key)) continue;
      const records = await readObject(this.s3Port, this.bucket, o.key);
      this.objects.set(o.key, { ...o, seenAt: now });
      this.records += records.length;
      for (const r of records) {
        const id = loadId(r);
        if (id && !this.lines.has(id)) this.lines.set(id, now);
      }
    }
  }

  /** Polls every `everyMs` until `lines` distinct load lines are in S3. */
  async until(lines: number, timeoutMs: number, everyMs = 500): Promise<void> {
    await waitFor(
      `${lines} load lines in S3`,
      timeoutMs,
      async () => {
        await this.poll();
        return this.lines.size >= lines ? true : undefined;
      },
      everyMs,
    );
  }
}

/** The exporter's flush.max_age in ms (0 without batching): tests add it to every wait for an object. */
export function flushMaxAgeMs(config: Record<string, any>, exporter = 's3ndjson'): number {
  const age: string | undefined = config.exporters[exporter]?.flush?.max_age;
  const match = age?.match(/^(\d+)(ms|s|m)$/);
  if (age !== undefined && !match) {
    throw new Error(`exporters.${exporter}.flush.max_age ${JSON.stringify(age)} is not a duration like 1m`);
  }
  return match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'] : 0;
}
