// Metrics to S3 end to end on loopback: the real task-tracker, scraped by a real Prometheus (the clusters' release)
// that evaluates the rendered aws rules; the real collector runs the rendered cluster-exporter config's metrics
// pipeline against the local /federate; a real S3-compatible server stores the objects. The records must equal what
// Prometheus holds for the same series and time, and an S3 outage must lose none of them.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { freePort } from '../../generators/ports';
import { ready, startTaskTracker, type RunningTaskTracker } from '../../apps/task-tracker/launch';
import { type RunningPostgres, startScratchPostgres } from '../../generators/local-postgres';
import { PROMETHEUS } from '../monitoring/tools';
import { externalLabels } from '../monitoring/stack';
import { renderedDocs } from '../monitoring/prometheus.testkit';
import { CLUSTER_EXPORTER } from './api';
import { FEDERATE_JOB, RAW_SERIES } from './collector-config';
import {
  flushMaxAgeMs,
  listKeys,
  LOOPBACK,
  readObject,
  redirectClusterExporter,
  renderedConfig,
  sandboxIn,
  startCollector,
  startS3,
  waitFor,
  type Process,
  type Sandbox,
} from './harness.testkit';

const CLUSTER = 'aws';
const BUCKET = estate.logArchive.bucket;
const COLD_BUILD_MS = 1_200_000;
const EXPORTER_CONFIG = renderedConfig(CLUSTER, CLUSTER_EXPORTER);
const MAX_AGE_MS = flushMaxAgeMs(EXPORTER_CONFIG, 's3ndjson/metrics');
/** Test pace: rules every 3 s, /federate read every second, so each evaluation is read about three times. */
const EVALUATION = '3s';
const FEDERATE_EVERY = '1s';
const KEY = new RegExp(`^metrics/cluster=${CLUSTER}/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/[0-9a-f]{32}\\.json\\.gz$`);
const AGGREGATE = 'namespace_job_code:task_tracker_http_requests:rate5m';
const RAW = 'task_tracker_http_requests_total';

interface Sample {
  time: string;
  metric: string;
  labels: Record<string, string>;
  value: number | string;
}

/** A series as the exporter writes it: the name and its labels, sorted. */
const seriesKey = (metric: string, labels: Record<string, string>) =>
  `${metric}${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))}`;
const ms = (time: string) => Date.parse(time);

/**
 * The test-only changes to the rendered cluster-exporter config: the common redirections of the harness, the logs
 * pipelines and their receivers removed (they need an API server; e2e.test.ts runs them), the scrape pointed at the
 * loopback Prometheus at the test's pace.
 */
function metricsOnly(config: Record<string, any>, s: Sandbox, prometheus: string): Record<string, any> {
  const c = redirectClusterExporter(config, s);
  for (const id of Object.keys(c.receivers)) if (id.startsWith('k8sobjects')) delete c.receivers[id];
  for (const id of Object.keys(c.service.pipelines)) if (id.startsWith('logs')) delete c.service.pipelines[id];
  for (const id of ['s3ndjson/events', 's3ndjson/states']) delete c.exporters[id];
  delete c.processors['transform/states'];
  const [job] = c.receivers['prometheus/federate'].config.scrape_configs;
  job.static_configs = [{ targets: [prometheus] }];
  job.scrape_interval = FEDERATE_EVERY;
  job.scrape_timeout = FEDERATE_EVERY;
  return c;
}

async function stored(s3Port: number): Promise<{ key: string; sample: Sample }[]> {
  const out: { key: string; sample: Sample }[] = [];
  for (const key of await listKeys(s3Port, BUCKET, `metrics/cluster=${CLUSTER}/`))
    for (const sample of await readObject(s3Port, BUCKET, key)) out.push({ key, sample: sample as Sample });
  return out;
}

describe('metrics export end to end (real Prometheus, task-tracker, collector and S3 server)', () => {
  const root = mkdtempSync(join(tmpdir(), 'metrics-e2e-'));
  const cluster = estate.clusters.find((c) => c.name === CLUSTER)!;
  const external = externalLabels(cluster);
  let sandbox: Sandbox;
  let s3: Process | undefined;
  let collector: Process | undefined;
  let prometheus: ReturnType<typeof spawn> | undefined;
  let tracker: RunningTaskTracker | undefined;
  let pg: RunningPostgres | undefined;
  let promUrl: string;
  let traffic: NodeJS.Timeout | undefined;

  /** Every raw sample Prometheus holds for `metric` over the last 15 minutes, by series as the exporter names it. */
  async function prometheusSamples(metric: string): Promise<Map<string, Map<number, string>>> {
    const query = encodeURIComponent(`${metric}[15m]`);
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${query}`)).json()) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    const out = new Map<string, Map<number, string>>();
    for (const { metric: labels, values } of body.data.result) {
      const { __name__, ...own } = labels;
      // /federate adds the external labels a series lacks.
      out.set(seriesKey(metric, { ...external, ...own }), new Map(values.map(([t, v]) => [Math.round(t * 1000), v])));
    }
    return out;
  }

  beforeAll(async () => {
    sandbox = await sandboxIn(root);
    const promPort = await freePort();
    promUrl = `http://${LOOPBACK}:${promPort}`;
    pg = await startScratchPostgres('metrics-e2e-pg-');
    tracker = await ready(await startTaskTracker({ DATABASE_URL: pg.url }));
    const ruleFiles = renderedDocs()
      .filter((d) => d.cluster === CLUSTER && d.object.kind === 'PrometheusRule')
      .map((d) => {
        const file = join(root, `rules-${d.object.metadata?.namespace}-${d.object.metadata?.name}.yaml`);
        writeFileSync(file, stringify(d.object.spec));
        return file;
      });
    writeFileSync(
      join(root, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: EVALUATION, external_labels: external },
        rule_files: ruleFiles,
        scrape_configs: [
          {
            job_name: 'task-tracker',
            static_configs: [{ targets: [new URL(tracker.metrics).host], labels: { namespace: 'task-tracker' } }],
          },
        ],
      }),
    );
    prometheus = spawn(
      buildGoTool(PROMETHEUS),
      [
        `--config.file=${join(root, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(root, 'tsdb')}`,
        `--web.listen-address=${LOOPBACK}:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    traffic = setInterval(() => {
      fetch(`${tracker!.api}/tasks`, {
        method: 'POST',
        headers: { ...tracker!.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'metrics e2e' }),
      }).catch(() => undefined);
    }, 200);
    await waitFor('Prometheus recording the task-tracker aggregates', 60_000, async () => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${AGGREGATE}`);
      const body = (await res.json()) as { data: { result: unknown[] } };
      return body.data.result.length > 0 ? true : undefined;
    });
    s3 = await startS3(join(root, 's3.db'), sandbox.s3Port, BUCKET);
    const config = metricsOnly(EXPORTER_CONFIG, sandbox, `${LOOPBACK}:${promPort}`);
    collector = await startCollector(config, join(root, 'collector.yaml'), sandbox);
  }, COLD_BUILD_MS);

  afterAll(async () => {
    clearInterval(traffic);
    await collector?.stop();
    await s3?.stop();
    prometheus?.kill('SIGTERM');
    tracker?.process.kill('SIGTERM');
    await tracker?.exited;
    await pg?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'writes the aggregates and the raw series as flat samples under metrics/cluster/dt/hour, equal to Prometheus',
    async () => {
      const got = await waitFor('aggregate and raw samples in S3', MAX_AGE_MS + 60_000, async () => {
        const all = await stored(sandbox.s3Port);
        const names = new Set(all.map((r) => r.sample.metric));
        return names.has(AGGREGATE) && names.has(RAW) ? all : undefined;
      });
      for (const { key, sample } of got) {
        const [, dt, hour] = key.match(KEY) ?? [];
        expect(key).toMatch(KEY);
        expect(`${dt}T${hour}`).toBe(sample.time.slice(0, 13));
        expect(Object.keys(sample).sort()).toEqual(['labels', 'metric', 'time', 'value']);
        expect(sample.labels.cluster).toBe(CLUSTER);
        // Neither the scrape's own series nor its job and instance reach the records.
        expect(sample.metric).not.toMatch(/^(up|scrape_.*)$/);
        expect(Object.values(sample.labels)).not.toContain(FEDERATE_JOB);
      }
      const names = new Set(got.map((r) => r.sample.metric));
      for (const name of names)
        expect(RAW_SERIES.includes(name as never) || name.includes(':'), `${name} is neither raw nor recorded`).toBe(
          true,
        );

      let compared = 0;
      for (const name of names) {
        const truth = await prometheusSamples(name);
        for (const { sample } of got.filter((r) => r.sample.metric === name)) {
          const series = truth.get(seriesKey(sample.metric, sample.labels));
          expect(series, `Prometheus has no series ${seriesKey(sample.metric, sample.labels)}`).toBeDefined();
          const recorded = series!.get(ms(sample.time));
          expect(recorded, `${sample.metric} at ${sample.time}`).toBeDefined();
          expect(Number(sample.value), `${sample.metric} at ${sample.time}`).toBe(Number(recorded));
          compared++;
        }
      }
      console.log(`compared ${compared} samples of ${names.size} series names with Prometheus`);
      expect(compared).toBeGreaterThan(50);
    },
    MAX_AGE_MS + 180_000,
  );

  it(
    'keeps every evaluation made during an S3 outage and delivers it afterwards (at-least-once)',
    async () => {
      await s3!.stop();
      const outageStart = Date.now();
      const retrying = async () => (/Exporting failed\. Will retry/.test(collector!.output()) ? true : undefined);
      await waitFor('failed uploads being retried while S3 is down', MAX_AGE_MS + 30_000, retrying);
      const outageEnd = Date.now();
      s3 = await startS3(join(root, 's3.db'), sandbox.s3Port, BUCKET);

      const truth = await prometheusSamples(AGGREGATE);
      const expected = [...truth].flatMap(([series, samples]) =>
        [...samples.keys()].filter((t) => t >= outageStart && t <= outageEnd).map((t) => `${series}@${t}`),
      );
      expect(expected.length).toBeGreaterThan(10);
      const got = await waitFor(
        `the ${expected.length} samples evaluated during the outage in S3`,
        MAX_AGE_MS + 180_000,
        async () => {
          const have = new Set(
            (await stored(sandbox.s3Port)).map(
              (r) => `${seriesKey(r.sample.metric, r.sample.labels)}@${ms(r.sample.time)}`,
            ),
          );
          return expected.every((e) => have.has(e)) ? have : undefined;
        },
        2000,
      );
      console.log(
        `outage of ${Math.round((outageEnd - outageStart) / 1000)} s: ${expected.length} aggregate samples, all in S3 ` +
          `(${got.size} distinct samples stored)`,
      );
    },
    MAX_AGE_MS * 3 + 300_000,
  );
});
