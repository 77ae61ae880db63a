// The "hybrid overview" Grafana dashboard: every panel is repeated per `cluster`, so the sites sit side by side.
// It reads only the recorded aggregates (which exist in every cluster with their `cluster` label) and federation
// health. Components contribute their own panels first (`Component.telemetry.overview`).
import {
  dashboard,
  labelValuesVariable,
  panelGrid,
  timeseriesPanel,
  type Dashboard,
  type PanelSpec,
  panelExpressions,
} from '../../generators/telemetry';
import { federationJob } from './rules';

const inCluster = '{cluster="$cluster"}';

const platformPanels: PanelSpec[] = [
  {
    title: 'Targets up',
    unit: 'percentunit',
    targets: [
      {
        expr: `sum by (job) (namespace_job:up:sum${inCluster}) / sum by (job) (namespace_job:up:count${inCluster})`,
        legend: '{{job}}',
      },
    ],
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
      {
        expr: `cluster:kube_pod_container_resource_requests_cpu_cores:sum${inCluster} / cluster:kube_node_status_allocatable_cpu_cores:sum${inCluster}`,
        legend: 'cpu',
      },
      {
        expr: `cluster:kube_pod_container_resource_requests_memory_bytes:sum${inCluster} / cluster:kube_node_status_allocatable_memory_bytes:sum${inCluster}`,
        legend: 'memory',
      },
    ],
  },
  {
    title: 'Ready nodes',
    unit: 'short',
    targets: [{ expr: `cluster:kube_node_ready:sum${inCluster}`, legend: 'ready' }],
  },
  {
    title: 'Busiest node filesystem',
    unit: 'percentunit',
    targets: [{ expr: `max (instance:node_filesystem_utilisation:ratio${inCluster})`, legend: 'used' }],
  },
];

function federationPanels(sources: string[]): PanelSpec[] {
  const jobs = sources.map(federationJob).join('|');
  return [
    { title: 'Federation up', unit: 'short', targets: [{ expr: `up{job=~"${jobs}"}`, legend: '{{job}}' }] },
    {
      title: 'Federation scrape duration',
      unit: 's',
      targets: [{ expr: `scrape_duration_seconds{job=~"${jobs}"}`, legend: '{{job}}' }],
    },
    {
      title: 'Samples per federation scrape',
      unit: 'short',
      targets: [{ expr: `scrape_samples_post_metric_relabeling{job=~"${jobs}"}`, legend: '{{job}}' }],
    },
  ];
}

/** The per-cluster panels: the components' own (`telemetry.overview`), then the platform's. */
function perCluster(componentPanels: readonly PanelSpec[]): PanelSpec[] {
  return [...componentPanels, ...platformPanels];
}

/** Every PromQL expression of the dashboard, for checks. */
export function dashboardExpressions(sources: string[], componentPanels: readonly PanelSpec[]): string[] {
  return panelExpressions([...perCluster(componentPanels), ...federationPanels(sources)]);
}

export function hybridOverview(sources: string[], componentPanels: readonly PanelSpec[]): Dashboard {
  const width = 12;
  const height = 8;
  const rows = perCluster(componentPanels);
  const panels = rows.map((spec, i) =>
    timeseriesPanel(spec, i + 1, { x: 0, y: i * height, w: width, h: height }, 'cluster'),
  );
  const federation = panelGrid(federationPanels(sources), {
    columns: 3,
    height,
    y: rows.length * height,
    firstId: rows.length + 1,
  });
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
