// The "hybrid overview" Grafana dashboard: every panel is repeated per `cluster`, so the sites sit side by side.
// It reads only the recorded aggregates (which exist in every cluster with their `cluster` label) and federation health.
import { dashboard, labelValuesVariable, timeseriesPanel, type PanelSpec } from './dashboards';
import { federationJob } from './rules';

const inCluster = '{cluster="$cluster"}';

const perCluster: PanelSpec[] = [
  { title: 'Requests by status code', unit: 'reqps', targets: [{ expr: `sum by (code) (namespace_job_code:task_tracker_http_requests:rate5m${inCluster})`, legend: '{{code}}' }] },
  { title: 'Error ratio (5xx)', unit: 'percentunit', targets: [{ expr: `max by (job) (namespace_job:task_tracker_http_requests_errors:ratio_rate5m${inCluster})`, legend: '{{job}}' }] },
  {
    title: 'Request latency',
    unit: 's',
    targets: [{ expr: `max by (quantile) (namespace_job_quantile:task_tracker_http_request_duration_seconds:histogram_quantile${inCluster})`, legend: 'p{{quantile}}' }],
  },
  { title: 'Requests in flight', unit: 'short', targets: [{ expr: `sum (namespace_job:task_tracker_http_requests_in_flight:sum${inCluster})`, legend: 'in flight' }] },
  {
    title: 'Tasks created and processed',
    unit: 'ops',
    targets: [
      { expr: `sum (namespace_job:task_tracker_tasks_created:rate5m${inCluster})`, legend: 'created' },
      { expr: `sum by (outcome) (namespace_job_outcome:task_tracker_tasks_processed:rate5m${inCluster})`, legend: 'processed {{outcome}}' },
    ],
  },
  { title: 'Task queue depth', unit: 'short', targets: [{ expr: `sum (namespace_job:task_tracker_tasks_queue_depth:sum${inCluster})`, legend: 'queued' }] },
  { title: 'Running versions', unit: 'short', targets: [{ expr: `sum by (version) (namespace_job_version:task_tracker_build_info:count${inCluster})`, legend: '{{version}}' }] },
  {
    title: 'Targets up',
    unit: 'percentunit',
    targets: [{ expr: `sum by (job) (namespace_job:up:sum${inCluster}) / sum by (job) (namespace_job:up:count${inCluster})`, legend: '{{job}}' }],
  },
  {
    title: 'CPU and memory utilisation',
    unit: 'percentunit',
    targets: [
      { expr: `cluster:node_cpu_utilisation:ratio_rate5m${inCluster}`, legend: 'cpu' },
      { expr: `cluster:node_memory_utilisation:ratio${inCluster}`, legend: 'memory' },
    ],
  },
  {
    title: 'Requested share of allocatable',
    unit: 'percentunit',
    targets: [
      { expr: `cluster:kube_pod_container_resource_requests_cpu_cores:sum${inCluster} / cluster:kube_node_status_allocatable_cpu_cores:sum${inCluster}`, legend: 'cpu' },
      {
        expr: `cluster:kube_pod_container_resource_requests_memory_bytes:sum${inCluster} / cluster:kube_node_status_allocatable_memory_bytes:sum${inCluster}`,
        legend: 'memory',
      },
    ],
  },
  { title: 'Ready nodes', unit: 'short', targets: [{ expr: `cluster:kube_node_ready:sum${inCluster}`, legend: 'ready' }] },
  { title: 'Busiest node filesystem', unit: 'percentunit', targets: [{ expr: `max (instance:node_filesystem_utilisation:ratio${inCluster})`, legend: 'used' }] },
];

function federationPanels(sources: string[]): PanelSpec[] {
  const jobs = sources.map(federationJob).join('|');
  return [
    { title: 'Federation up', unit: 'short', targets: [{ expr: `up{job=~"${jobs}"}`, legend: '{{job}}' }] },
    { title: 'Federation scrape duration', unit: 's', targets: [{ expr: `scrape_duration_seconds{job=~"${jobs}"}`, legend: '{{job}}' }] },
    { title: 'Samples per federation scrape', unit: 'short', targets: [{ expr: `scrape_samples_post_metric_relabeling{job=~"${jobs}"}`, legend: '{{job}}' }] },
  ];
}

/** Every PromQL expression of the dashboard, for checks. */
export function dashboardExpressions(sources: string[]): string[] {
  return [...perCluster, ...federationPanels(sources)].flatMap((p) => p.targets.map((t) => t.expr));
}

export function hybridOverview(sources: string[]): Record<string, unknown> {
  const width = 12;
  const height = 8;
  const panels = perCluster.map((spec, i) => timeseriesPanel(spec, i + 1, { x: 0, y: i * height, w: width, h: height }, 'cluster'));
  const federation = federationPanels(sources).map((spec, i) =>
    timeseriesPanel(spec, perCluster.length + i + 1, { x: i * 8, y: perCluster.length * height, w: 8, h: height }),
  );
  return dashboard({
    uid: 'hybrid-overview',
    title: 'Hybrid overview',
    tags: ['hybrid', 'federation'],
    refresh: '1m',
    from: 'now-6h',
    variables: [labelValuesVariable('cluster', 'Cluster', 'label_values(namespace_job:up:sum, cluster)', 'clusters')],
    panels: [...panels, ...federation],
  });
}
