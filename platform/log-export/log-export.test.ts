// The rendered log-export objects of both clusters, the repo check (with the configs it must reject), the values
// validation, and the pins that tie the collector image to the module the end-to-end test builds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import type { Cluster } from '../../generators/model';
import { parseManifests, type ManifestDoc } from '../../generators/manifests';
import { renderEstate } from '../../generators/render';
import { checksOf, installed } from '../../generators/registries';
import { versions } from '../../generators/versions';
import { aggregateSeries, MONITORING_SELECTOR, PROMETHEUS_REPLICA_ADDRESS } from '../monitoring/api';
import { logExportCheck } from './check';
import { CONFIG_KEY, QUEUE_CONSUMERS, RAW_SERIES } from './collector-config';
import { S3_WRITER_SECRET } from './index';
import { AGENT, CLUSTER_EXPORTER, NAMESPACE, objectKeys } from './api';
import { validateLogExport, type LogExportValues } from './values';
import { catalogue } from '../../generators/estate/catalogue';

const rendering = renderEstate(estate, catalogue);
const docs: ManifestDoc[] = [...rendering.files].flatMap(([file, text]) => parseManifests(file, text).docs);
const ours = docs.filter((d) => d.file.includes('/log-export/'));

function find(cluster: string, kind: string, name: string | RegExp): ManifestDoc {
  const doc = ours.find(
    (d) =>
      d.cluster === cluster &&
      d.object.kind === kind &&
      (typeof name === 'string' ? d.object.metadata?.name === name : name.test(d.object.metadata?.name ?? '')),
  );
  if (!doc) throw new Error(`cluster ${cluster} renders no ${kind} ${name}`);
  return doc;
}

const values = (cluster: string, release: string) => (find(cluster, 'HelmRelease', release).object.spec as any).values;
const collectorConfig = (cluster: string, release: string) =>
  parse((find(cluster, 'ConfigMap', values(cluster, release).configMap.existingName).object.data as any)[CONFIG_KEY]);

describe.each(estate.clusters.map((c) => [c.name, c] as [string, Cluster]))('rendered for %s', (name, cluster) => {
  it('runs the agent as a DaemonSet and one events/states exporter, both from the pinned chart and image', () => {
    const agent = values(name, AGENT);
    const exporter = values(name, CLUSTER_EXPORTER);
    expect(agent.mode).toBe('daemonset');
    expect(exporter).toMatchObject({ mode: 'deployment', replicaCount: 1 });
    for (const v of [agent, exporter])
      expect(v.image).toEqual({
        repository:
          cluster.provider === 'aws'
            ? '111122223333.dkr.ecr.eu-central-1.amazonaws.com/otelcol-log-export'
            : 'ghcr.io/acme/otelcol-log-export',
        tag: versions.otelCollector,
        pullPolicy: 'IfNotPresent',
      });
    expect((find(name, 'HelmRelease', AGENT).object.spec as any).chart.spec.version).toBe(versions.otelCollectorChart);
  });

  it("writes logs, events and states under this cluster's partitioned keys in the model's bucket", () => {
    const keys = objectKeys(name);
    const agent = collectorConfig(name, AGENT);
    const exporter = collectorConfig(name, CLUSTER_EXPORTER);
    expect(agent.exporters.s3ndjson).toMatchObject({
      bucket: estate.logArchive.bucket,
      region: estate.logArchive.region,
      key: keys.logs,
    });
    expect(exporter.exporters['s3ndjson/events'].key).toBe(keys.events);
    expect(exporter.exporters['s3ndjson/states'].key).toBe(keys.states);
    expect(exporter.exporters['s3ndjson/metrics'].key).toBe(`metrics/cluster=${name}/dt={dt}/hour={hour}`);
    expect(keys.logs).toBe(`logs/cluster=${name}/namespace={namespace}/dt={dt}/hour={hour}`);
    expect(exporter.receivers['k8sobjects/events'].objects).toEqual([
      { name: 'events', group: 'events.k8s.io', mode: 'watch' },
    ]);
    expect(exporter.receivers['k8sobjects/states'].objects.map((o: any) => o.name)).toEqual([
      'nodes',
      'pods',
      'deployments',
      'statefulsets',
      'daemonsets',
    ]);
  });

  it("keeps the agent's positions and queue on the host", () => {
    const agent = values(name, AGENT);
    expect(agent.extraVolumes).toEqual(
      expect.arrayContaining([
        { name: 'pod-logs', hostPath: { path: '/var/log/pods', type: 'Directory' } },
        { name: 'state', hostPath: { path: '/var/lib/otelcol-log-export', type: 'DirectoryOrCreate' } },
      ]),
    );
    const config = collectorConfig(name, AGENT);
    expect(config.extensions.file_storage.directory).toBe('/var/lib/otelcol-log-export');
    expect(config.receivers.filelog.storage).toBe('file_storage');
    expect(config.exporters.s3ndjson.sending_queue).toMatchObject({
      enabled: true,
      storage: 'file_storage',
      queue_size: 5000,
    });
  });

  it("batches every exporter's objects by size and age, with a consumer per request that may wait in them", () => {
    const exporters = [AGENT, CLUSTER_EXPORTER].flatMap((r) => Object.values<any>(collectorConfig(name, r).exporters));
    // logs, events, states, metrics, and streams where the cluster runs streaming (onprem).
    expect(exporters).toHaveLength(name === 'onprem' ? 5 : 4);
    for (const e of exporters) {
      expect(e.flush).toEqual({ max_age: '1m', max_bytes: 8 * 1024 * 1024 });
      expect(e.sending_queue.num_consumers).toBe(QUEUE_CONSUMERS);
      expect(e.sending_queue.queue_size).toBeGreaterThanOrEqual(2 * QUEUE_CONSUMERS);
    }
  });

  it("reads its own cluster's aggregates and the raw series from the local /federate into the metrics dataset", () => {
    const exporter = collectorConfig(name, CLUSTER_EXPORTER);
    const [job] = exporter.receivers['prometheus/federate'].config.scrape_configs;
    expect(job).toMatchObject({ metrics_path: '/federate', honor_labels: true, honor_timestamps: true });
    expect(job.static_configs).toEqual([{ targets: [PROMETHEUS_REPLICA_ADDRESS] }]);
    const [aggregates, raw] = job.params['match[]'];
    expect(aggregates).toContain(`cluster="${name}"`);
    for (const series of aggregateSeries(installed(cluster, catalogue))) expect(aggregates).toContain(series);
    for (const series of RAW_SERIES) expect(raw).toContain(series);
    expect(exporter.service.pipelines['metrics/federate']).toEqual({
      receivers: ['prometheus/federate'],
      processors: ['filter/scrape-report', 'transform/own-job'],
      exporters: ['s3ndjson/metrics'],
    });
  });

  it('authenticates without static keys on aws and with the encrypted write-only key on-prem', () => {
    for (const release of [AGENT, CLUSTER_EXPORTER]) {
      const env = values(name, release).extraEnvs as { name: string; value?: string; valueFrom?: any }[];
      if (cluster.provider === 'aws') {
        expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']));
        expect(env.map((e) => e.name)).not.toContain('AWS_ACCESS_KEY_ID');
      } else {
        expect(env.find((e) => e.name === 'AWS_ACCESS_KEY_ID')?.valueFrom).toEqual({
          secretKeyRef: { name: S3_WRITER_SECRET, key: 'AWS_ACCESS_KEY_ID' },
        });
      }
    }
    const declared = rendering.secrets
      .filter((s) => s.cluster === name && s.namespace === NAMESPACE)
      .map((s) => s.name);
    // kafka-log-export: the streams exporter's Kafka credentials, on the cluster that runs streaming.
    expect(declared).toEqual(cluster.provider === 'aws' ? [] : [S3_WRITER_SECRET, 'kafka-log-export']);
  });

  it('isolates the namespace: PSA labels, default deny, DNS, API server, HTTPS and /federate out, scraping in', () => {
    const ns = find(name, 'Namespace', NAMESPACE).object.metadata!.labels!;
    expect(ns['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns['pod-security.kubernetes.io/warn']).toBe('restricted');
    const policies = ours
      .filter((d) => d.cluster === name && d.object.kind === 'NetworkPolicy')
      .map((d) => d.object.metadata!.name);
    expect(policies.sort()).toEqual([
      'allow-dns',
      'allow-federate-from-log-export',
      'allow-federate-to-prometheus',
      // The cluster exporter reads task-aggregates where the cluster runs streaming.
      ...(name === 'onprem' ? ['allow-kafka'] : []),
      'allow-kube-apiserver',
      'allow-metrics-scrape',
      'allow-s3-https',
      'default-deny',
    ]);
    const fromExporter = find(name, 'NetworkPolicy', 'allow-federate-from-log-export').object;
    expect(fromExporter.metadata!.namespace).toBe('monitoring');
    expect((fromExporter.spec as any).ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NAMESPACE } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': CLUSTER_EXPORTER } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
    ]);
    expect((find(name, 'NetworkPolicy', 'allow-metrics-scrape').object.spec as any).ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
  });

  it('scrapes the collectors and alerts on shipping and buffer growth, selected by the monitoring stack', () => {
    for (const kind of ['PodMonitor', 'PrometheusRule']) {
      const doc = find(name, kind, 'log-export');
      expect(doc.file).toContain('/platform-configs/');
      expect(doc.object.metadata!.labels).toMatchObject(MONITORING_SELECTOR);
    }
    const alerts = (find(name, 'PrometheusRule', 'log-export').object.spec as any).groups[0].rules.map(
      (r: any) => r.alert,
    );
    expect(alerts).toEqual([
      'LogExportShippingStalled',
      'LogExportShippingErrors',
      'LogExportBufferFilling',
      'LogExportBufferNearlyFull',
    ]);
  });
});

describe('repo check: S3 partitions and on-disk buffers', () => {
  it('is registered and passes on the rendered estate', () => {
    expect(checksOf(catalogue)).toContain(logExportCheck);
    expect(logExportCheck.run(docs)).toEqual([]);
  });

  const agentDoc = find('aws', 'ConfigMap', /^log-export-agent-/);
  function mutated(change: (config: any) => void): ManifestDoc {
    const config = parse((agentDoc.object.data as any)[CONFIG_KEY]);
    change(config);
    return { ...agentDoc, object: { ...agentDoc.object, data: { [CONFIG_KEY]: stringify(config) } } };
  }

  it.each([
    [
      'a key without the cluster partition',
      (c: any) => (c.exporters.s3ndjson.key = 'logs/namespace={namespace}/dt={dt}/hour={hour}'),
      'exporters.s3ndjson.key',
      /lacks the partition cluster=aws\//,
    ],
    [
      'a key of another cluster',
      (c: any) => (c.exporters.s3ndjson.key = c.exporters.s3ndjson.key.replace('cluster=aws', 'cluster=onprem')),
      'exporters.s3ndjson.key',
      /lacks the partition cluster=aws\//,
    ],
    [
      'a key without the dt partition',
      (c: any) => (c.exporters.s3ndjson.key = 'logs/cluster=aws/namespace={namespace}/{hour}'),
      'exporters.s3ndjson.key',
      /lacks the partition dt=\{dt\}/,
    ],
    [
      'no sending queue',
      (c: any) => delete c.exporters.s3ndjson.sending_queue,
      'exporters.s3ndjson.sending_queue',
      /memory-only/,
    ],
    [
      'an in-memory queue',
      (c: any) => delete c.exporters.s3ndjson.sending_queue.storage,
      'exporters.s3ndjson.sending_queue',
      /memory-only/,
    ],
    [
      'a queue on an undeclared storage',
      (c: any) => (c.extensions = { health_check: c.extensions.health_check }),
      'exporters.s3ndjson.sending_queue.storage',
      /not an enabled file_storage/,
    ],
    [
      'an unbounded queue',
      (c: any) => delete c.exporters.s3ndjson.sending_queue.queue_size,
      'exporters.s3ndjson.sending_queue.queue_size',
      /size bound/,
    ],
    [
      'file positions in memory',
      (c: any) => delete c.receivers.filelog.storage,
      'receivers.filelog.storage',
      /memory only/,
    ],
  ])('rejects %s, naming the file, object and field', (_, change, field, message) => {
    const problems = logExportCheck.run([mutated(change)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: agentDoc.file,
      object: `ConfigMap/log-export/${agentDoc.object.metadata!.name}`,
      path: `data.${CONFIG_KEY}: ${field}`,
    });
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('values validation', () => {
  const [aws, onprem] = estate.clusters as [Cluster, Cluster];
  const good: LogExportValues = { s3Identity: 'web-identity', queueRequests: 5000, statesInterval: '15m' };

  it('accepts the model values', () => {
    expect(validateLogExport(good, aws)).toEqual([]);
    expect(validateLogExport({ ...good, s3Identity: 'access-key' }, onprem)).toEqual([]);
  });

  it.each([
    ['static keys on aws', aws, { ...good, s3Identity: 'access-key' }, 's3Identity'],
    ['web identity on-prem', onprem, good, 's3Identity'],
    ['a tiny queue', aws, { ...good, queueRequests: 10 }, 'queueRequests'],
    ['a queue under twice the consumers', aws, { ...good, queueRequests: 2 * QUEUE_CONSUMERS - 1 }, 'queueRequests'],
    ['a bad interval', aws, { ...good, statesInterval: 'hourly' }, 'statesInterval'],
  ] as [string, Cluster, LogExportValues, string][])('rejects %s', (_, cluster, v, field) => {
    expect(validateLogExport(v, cluster).map((p) => p.field)).toEqual([field]);
  });
});

describe('pins and generated files', () => {
  it('builds the collector from the contrib release the image is tagged with', () => {
    const goMod = readFileSync(new URL('./collector/go.mod', import.meta.url), 'utf8');
    const contrib = [...goMod.matchAll(/opentelemetry-collector-contrib\/\S+ (v\S+)/g)].map((m) => m[1]);
    expect(contrib.length).toBeGreaterThan(5);
    expect(new Set(contrib)).toEqual(new Set([`v${versions.otelCollector}`]));
    expect(goMod).toContain(`go.opentelemetry.io/collector/otelcol v${versions.otelCollector}`);
  });
});
