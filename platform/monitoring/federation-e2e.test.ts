// Federation end to end on loopback with real Prometheus binaries (the clusters' release, GO_TOOLS):
//   task-tracker ──scrape──▶ "onprem" Prometheus (rendered onprem rules, external labels from the model, mTLS like the gateway)
//            ◀──/federate── "aws" Prometheus (its job derived from the rendered aws ScrapeConfig by scrapeJobFromScrapeConfig)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { PROMETHEUS } from './tools';
import { issueFederationCertificates, type FederationCertificates } from './federation-certs';
import { TLS_KEYS, clientTlsSecret, federationMatchers, sourceEndpoint } from './federation';
import { federationJob } from './rules';
import { federatedSeries } from './index';
import { installed } from '../../generators/registries';
import { type RunningTaskTracker, startTaskTracker } from '../../apps/task-tracker/launch';
import { type RunningPostgres, startScratchPostgres } from '../../generators/local-postgres';
import { scrapeJobFromScrapeConfig } from './scrape-job';
import { externalLabels } from './stack';
import { monitoringOf, type FederationEndpoint } from './values';
import { freePort } from '../../generators/ports';
import { eventually, renderedDocs, renderedObject, start, stop, type Process } from './prometheus.testkit';
import { catalogue } from '../../generators/estate/catalogue';

/** Aggregates the onprem rules record from the sample service, which must cross, and raw series, which must not. */
const AGGREGATED = [
  'namespace_job_code:task_tracker_http_requests:rate5m',
  'namespace_job_version:task_tracker_build_info:count',
  'namespace_job:up:sum',
];
const RAW = ['task_tracker_http_requests_total', 'task_tracker_build_info'];

const SOURCE = 'onprem';
const CENTRAL = 'aws';
const JOB = federationJob(SOURCE);
// Built while the file loads, which has no time limit, rather than in a hook that has one.
const prometheus = buildGoTool(PROMETHEUS);

let dir: string;
let certs: FederationCertificates;
let endpoint: FederationEndpoint;
let awsUrl: string;
let onpremPort: number;
let sampleLimit: number;
let awsJob: Record<string, unknown>;
const processes: Process[] = [];
let pg: RunningPostgres | undefined;
let tracker: RunningTaskTracker | undefined;
let traffic: NodeJS.Timeout | undefined;

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${awsUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

function federate(client: { cert: string; key: string } | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: onpremPort,
        path: '/federate?match[]=up',
        servername: endpoint.hostname,
        ca: readFileSync(certs.ca),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitoring-federation-'));
  const docs = renderedDocs();
  const source = monitoringOf(estate, SOURCE)!;
  const central = monitoringOf(estate, CENTRAL)!;
  endpoint = sourceEndpoint(source.cluster)!;
  const certDir = join(dir, 'certs');
  mkdirSync(certDir, { mode: 0o700 });
  certs = issueFederationCertificates(certDir, endpoint.hostname, [CENTRAL], 1);
  const [apiPort, metricsPort, awsPort] = [await freePort(), await freePort(), await freePort()];
  onpremPort = await freePort();
  awsUrl = `http://127.0.0.1:${awsPort}`;

  const ruleFiles = docs
    .filter((d) => d.cluster === SOURCE && d.object.kind === 'PrometheusRule')
    .map((d) => {
      const file = join(dir, `onprem-${d.object.metadata?.namespace}-${d.object.metadata?.name}.yaml`);
      writeFileSync(file, stringify(d.object.spec));
      return file;
    });
  writeFileSync(
    join(dir, 'onprem.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', external_labels: externalLabels(source.cluster) },
      rule_files: ruleFiles,
      scrape_configs: [
        {
          job_name: 'task-tracker',
          static_configs: [{ targets: [`127.0.0.1:${metricsPort}`], labels: { namespace: 'task-tracker' } }],
        },
      ],
    }),
  );
  // The gateway's mTLS, played by Prometheus' own web config with the same certificate layout.
  writeFileSync(
    join(dir, 'onprem-web.yml'),
    stringify({
      tls_server_config: {
        cert_file: certs.server.cert,
        key_file: certs.server.key,
        client_ca_file: certs.ca,
        client_auth_type: 'RequireAndVerifyClientCert',
      },
    }),
  );

  const scrapeConfig = renderedObject(docs, CENTRAL, 'ScrapeConfig', JOB).object;
  const client = certs.clients[CENTRAL]!;
  const secretFiles: Record<string, string> = {
    [TLS_KEYS.ca]: certs.ca,
    [TLS_KEYS.cert]: client.cert,
    [TLS_KEYS.key]: client.key,
  };
  const job = scrapeJobFromScrapeConfig(scrapeConfig, {
    secretFile(name, key) {
      if (name !== clientTlsSecret(SOURCE) || !secretFiles[key])
        throw new Error(`unexpected secret reference ${name}/${key}`);
      return secretFiles[key];
    },
    target(address) {
      if (address !== `${endpoint.address}:${endpoint.port}`) throw new Error(`unexpected target ${address}`);
      return `127.0.0.1:${onpremPort}`;
    },
  });
  sampleLimit = job.sample_limit as number;
  awsJob = job;
  // Only the pace changes, so the test takes seconds: match[], path, honor_labels, limit and TLS stay as rendered.
  writeFileSync(
    join(dir, 'aws.yml'),
    stringify({
      global: { external_labels: externalLabels(central.cluster) },
      scrape_configs: [{ ...job, scrape_interval: '2s', scrape_timeout: '2s' }],
    }),
  );

  pg = await startScratchPostgres('federation-e2e-pg-');
  tracker = await startTaskTracker({
    DATABASE_URL: pg.url,
    LISTEN_ADDR: `127.0.0.1:${apiPort}`,
    METRICS_ADDR: `127.0.0.1:${metricsPort}`,
  });
  processes.push(
    start(prometheus, [
      `--config.file=${join(dir, 'onprem.yml')}`,
      `--web.config.file=${join(dir, 'onprem-web.yml')}`,
      `--storage.tsdb.path=${join(dir, 'onprem-data')}`,
      `--web.listen-address=127.0.0.1:${onpremPort}`,
    ]),
  );
  processes.push(
    start(prometheus, [
      `--config.file=${join(dir, 'aws.yml')}`,
      `--storage.tsdb.path=${join(dir, 'aws-data')}`,
      `--web.listen-address=127.0.0.1:${awsPort}`,
    ]),
  );
  try {
    await eventually('the sample service', async () =>
      (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).ok ? true : undefined,
    );
    traffic = setInterval(
      () => void fetch(`http://127.0.0.1:${apiPort}/tasks`, { headers: tracker!.auth }).catch(() => undefined),
      100,
    );
    for (const name of AGGREGATED) {
      await eventually(`${name}{cluster="${SOURCE}"} on the aws Prometheus`, async () =>
        (await query(`${name}{cluster="${SOURCE}"} > 0`)).length ? true : undefined,
      );
    }
  } catch (error) {
    throw new Error(`${String(error)}\n${processes.map((p) => p.log().slice(-2000)).join('\n---\n')}`);
  }
});

afterAll(async () => {
  clearInterval(traffic);
  await stop(processes);
  tracker?.process.kill('SIGTERM');
  await tracker?.exited;
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const FEDERATED_SERIES = federatedSeries(installed(estate.clusters.find((c) => c.name === 'onprem')!, catalogue));

describe('federation from onprem into aws', () => {
  it('runs the job derived from the rendered ScrapeConfig', () => {
    expect(awsJob).toMatchObject({
      job_name: JOB,
      honor_labels: true,
      metrics_path: '/federate',
      scheme: 'https',
      params: { 'match[]': federationMatchers(FEDERATED_SERIES) },
      tls_config: { server_name: endpoint.hostname },
    });
  });

  it('brings the aggregates with cluster="onprem", the site from the model and the source\'s job labels', async () => {
    for (const name of AGGREGATED) {
      const [series] = await query(`${name}{cluster="${SOURCE}"}`);
      expect(series?.metric, name).toMatchObject({
        cluster: SOURCE,
        site: 'fra-dc1',
        job: 'task-tracker',
        namespace: 'task-tracker',
      });
    }
    const [requests] = await query(
      `namespace_job_code:task_tracker_http_requests:rate5m{cluster="${SOURCE}", code="200"}`,
    );
    expect(Number(requests?.value[1])).toBeGreaterThan(0);
  });

  it('lets nothing but the aggregates cross, not even up (issue 23 defect 5)', async () => {
    const response = await fetch(
      `${awsUrl}/api/v1/label/__name__/values?match[]=${encodeURIComponent(`{cluster="${SOURCE}"}`)}`,
    );
    const names = ((await response.json()) as { data: string[] }).data;
    expect(names).toEqual(expect.arrayContaining(AGGREGATED));
    expect(names).not.toContain('up');
    expect(names.filter((n) => !FEDERATED_SERIES.includes(n))).toEqual([]);
    for (const name of RAW) expect(await query(name), name).toEqual([]);
  });

  it('scrapes /federate successfully and within the sample limit', async () => {
    const [up] = await query(`up{job="${JOB}"}`);
    expect(up?.value[1]).toBe('1');
    const [samples] = await query(`scrape_samples_scraped{job="${JOB}"}`);
    const [duration] = await query(`scrape_duration_seconds{job="${JOB}"}`);
    const count = Number(samples?.value[1]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(sampleLimit);
    console.log(
      `federation scrape: ${count} samples (target <= 2000), ${(Number(duration?.value[1]) * 1000).toFixed(1)} ms (target < 1 s)`,
    );
  });

  it('refuses /federate to a client without the central cluster certificate', async () => {
    await expect(federate(undefined)).rejects.toThrow();
    expect(await federate(certs.clients[CENTRAL]!)).toBe(200);
  });
});
