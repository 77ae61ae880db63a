// Prometheus rule groups: the aggregates every cluster records (and sources expose to /federate), and the alerts on
// federation that central clusters evaluate. Record names follow level:metric:operations.
import type { FederationScrape } from './values';
import { seconds } from './values';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

const TASK_TRACKER_REQUESTS = 'task_tracker_http_requests_total';

const aggregates: { group: string; rules: RecordingRule[] }[] = [
  {
    group: 'task-tracker.aggregates',
    rules: [
      { record: 'namespace_job_code:task_tracker_http_requests:rate5m', expr: `sum by (namespace, job, code) (rate(${TASK_TRACKER_REQUESTS}[5m]))` },
      {
        record: 'namespace_job:task_tracker_http_requests_errors:ratio_rate5m',
        expr:
          `(sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}{code=~"5.."}[5m])) or sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}[5m])) * 0)` +
          ` / sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}[5m]))`,
      },
      {
        record: 'namespace_job_le:task_tracker_http_request_duration_seconds_bucket:rate5m',
        expr: 'sum by (namespace, job, le) (rate(task_tracker_http_request_duration_seconds_bucket[5m]))',
      },
      ...['0.5', '0.99'].map((quantile) => ({
        record: 'namespace_job_quantile:task_tracker_http_request_duration_seconds:histogram_quantile',
        // From the raw buckets: the recorded ones of a central cluster also hold the federated sources' series.
        expr: `histogram_quantile(${quantile}, sum by (namespace, job, le) (rate(task_tracker_http_request_duration_seconds_bucket[5m])))`,
        labels: { quantile },
      })),
      { record: 'namespace_job:task_tracker_http_requests_in_flight:sum', expr: 'sum by (namespace, job) (task_tracker_http_requests_in_flight)' },
      { record: 'namespace_job:task_tracker_tasks_created:rate5m', expr: 'sum by (namespace, job) (rate(task_tracker_tasks_created_total[5m]))' },
      {
        record: 'namespace_job_outcome:task_tracker_tasks_processed:rate5m',
        expr: 'sum by (namespace, job, outcome) (rate(task_tracker_tasks_processed_total[5m]))',
      },
      { record: 'namespace_job:task_tracker_tasks_queue_depth:sum', expr: 'sum by (namespace, job) (task_tracker_tasks_queue_depth)' },
      { record: 'namespace_job_version:task_tracker_build_info:count', expr: 'count by (namespace, job, version, revision) (task_tracker_build_info)' },
    ],
  },
  {
    group: 'targets.aggregates',
    rules: [
      // Local targets only: `up` federated from a source carries that source's `cluster` label.
      { record: 'namespace_job:up:sum', expr: 'sum by (namespace, job) (up{cluster=""})' },
      { record: 'namespace_job:up:count', expr: 'count by (namespace, job) (up{cluster=""})' },
    ],
  },
  {
    group: 'node.aggregates',
    rules: [
      { record: 'instance:node_cpu_utilisation:ratio_rate5m', expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))' },
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
    group: 'cluster.aggregates',
    rules: [
      { record: 'cluster:node_cpu_utilisation:ratio_rate5m', expr: '1 - avg (rate(node_cpu_seconds_total{mode="idle"}[5m]))' },
      { record: 'cluster:node_memory_utilisation:ratio', expr: '1 - sum (node_memory_MemAvailable_bytes) / sum (node_memory_MemTotal_bytes)' },
      { record: 'cluster:kube_node_status_allocatable_cpu_cores:sum', expr: 'sum (kube_node_status_allocatable{resource="cpu"})' },
      { record: 'cluster:kube_node_status_allocatable_memory_bytes:sum', expr: 'sum (kube_node_status_allocatable{resource="memory"})' },
      { record: 'cluster:kube_pod_container_resource_requests_cpu_cores:sum', expr: 'sum (kube_pod_container_resource_requests{resource="cpu"})' },
      { record: 'cluster:kube_pod_container_resource_requests_memory_bytes:sum', expr: 'sum (kube_pod_container_resource_requests{resource="memory"})' },
      { record: 'cluster:kube_node_ready:sum', expr: 'sum (kube_node_status_condition{condition="Ready", status="true"})' },
    ],
  },
];

/**
 * The aggregate groups, each series labelled with its cluster. External labels add `cluster` only to what leaves a
 * Prometheus, so the label is also recorded: the central cluster's own aggregates then sit next to the federated ones.
 */
export function aggregateGroups(cluster: string): RuleGroup[] {
  return aggregates.map(({ group, rules }) => ({
    name: group,
    rules: rules.map((r) => ({ ...r, labels: { ...r.labels, cluster } })),
  }));
}

/** Every series name that crosses from a source to a central cluster: the recorded aggregates and `up`. */
export const FEDERATED_SERIES: readonly string[] = [...new Set(aggregates.flatMap((g) => g.rules.map((r) => r.record))), 'up'];

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
