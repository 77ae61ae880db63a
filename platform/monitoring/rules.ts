// Prometheus rule groups: the platform's own aggregates, which every cluster records (and sources expose to
// /federate), and the alerts on federation that central clusters evaluate.
import type { RuleGroup } from '../../generators/telemetry';
import type { FederationScrape } from './values';
import { seconds } from './values';

/** Monitoring's own aggregates: targets, nodes and the cluster. Components add theirs (`Component.telemetry`). */
export const platformAggregates: RuleGroup[] = [
  {
    name: 'targets.aggregates',
    rules: [
      // Raw `up` never crosses (federationMatchers): these count the local targets only.
      { record: 'namespace_job:up:sum', expr: 'sum by (namespace, job) (up)' },
      { record: 'namespace_job:up:count', expr: 'count by (namespace, job) (up)' },
    ],
  },
  {
    name: 'node.aggregates',
    rules: [
      {
        record: 'instance:node_cpu_utilisation:ratio_rate5m',
        expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
      },
      {
        record: 'instance:node_memory_utilisation:ratio',
        expr: '1 - sum by (instance) (node_memory_MemAvailable_bytes) / sum by (instance) (node_memory_MemTotal_bytes)',
      },
      {
        record: 'instance:node_filesystem_utilisation:ratio',
        expr:
          '1 - sum by (instance) (node_filesystem_avail_bytes{fstype!~"|tmpfs|squashfs|overlay"})' +
          ' / sum by (instance) (node_filesystem_size_bytes{fstype!~"|tmpfs|squashfs|overlay"})',
      },
    ],
  },
  {
    name: 'cluster.aggregates',
    rules: [
      {
        record: 'cluster:node_cpu_utilisation:ratio_rate5m',
        expr: '1 - avg (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
      },
      {
        record: 'cluster:node_memory_utilisation:ratio',
        expr: '1 - sum (node_memory_MemAvailable_bytes) / sum (node_memory_MemTotal_bytes)',
      },
      {
        record: 'cluster:kube_node_status_allocatable_cpu_cores:sum',
        expr: 'sum (kube_node_status_allocatable{resource="cpu"})',
      },
      {
        record: 'cluster:kube_node_status_allocatable_memory_bytes:sum',
        expr: 'sum (kube_node_status_allocatable{resource="memory"})',
      },
      {
        record: 'cluster:kube_pod_container_resource_requests_cpu_cores:sum',
        expr: 'sum (kube_pod_container_resource_requests{resource="cpu"})',
      },
      {
        record: 'cluster:kube_pod_container_resource_requests_memory_bytes:sum',
        expr: 'sum (kube_pod_container_resource_requests{resource="memory"})',
      },
      {
        record: 'cluster:kube_node_ready:sum',
        expr: 'sum (kube_node_status_condition{condition="Ready", status="true"})',
      },
    ],
  },
];

/** The `job` label of the federation scrape of a source cluster. */
export function federationJob(source: string): string {
  return `federate-${source}`;
}

/** Fraction of the sample limit or the timeout above which a federation scrape is reported before it fails. */
const HEADROOM = 0.8;

/** Alerts a central cluster evaluates on the federation of one source cluster. */
export function federationAlertGroup(scrape: FederationScrape): RuleGroup {
  const job = federationJob(scrape.cluster);
  const source = `the ${scrape.cluster} cluster`;
  const slowAfter = Math.round(seconds(scrape.timeout) * HEADROOM * 10) / 10;
  const nearLimit = Math.floor(scrape.sampleLimit * HEADROOM);
  return {
    name: `federation.${scrape.cluster}`,
    rules: [
      {
        alert: 'FederationTargetDown',
        expr: `up{job="${job}"} == 0 or absent(up{job="${job}"})`,
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: `Federation of ${source} fails`,
          description: `The scrape of /federate on ${source} has failed for 5 minutes (VPN, gateway, certificate or sample limit).`,
        },
      },
      {
        alert: 'FederatedSeriesAbsent',
        expr: `absent(namespace_job:up:sum{cluster="${scrape.cluster}"})`,
        for: '10m',
        labels: { severity: 'critical' },
        annotations: {
          summary: `No aggregates from ${source}`,
          description: `namespace_job:up:sum{cluster="${scrape.cluster}"} has been absent for 10 minutes: ${source} records nothing or nothing crosses.`,
        },
      },
      {
        alert: 'FederationScrapeSlow',
        expr: `scrape_duration_seconds{job="${job}"} > ${slowAfter}`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: `Federation of ${source} is close to its timeout`,
          description: `The /federate scrape takes {{ $value | humanizeDuration }}; it fails at ${scrape.timeout}.`,
        },
      },
      {
        alert: 'FederationNearSampleLimit',
        expr: `scrape_samples_post_metric_relabeling{job="${job}"} > ${nearLimit}`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: `Federation of ${source} is close to its sample limit`,
          description: `The /federate scrape returns {{ $value }} samples; it fails above ${scrape.sampleLimit}. Narrow the aggregates or raise the limit.`,
        },
      },
    ],
  };
}
