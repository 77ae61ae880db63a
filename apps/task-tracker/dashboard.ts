// The task-tracker Grafana dashboard: RED metrics of the API per route, then the task (business) metrics and the
// runtime.
import {
  dashboard,
  labelValuesVariable,
  panelGrid,
  type Dashboard,
  type PanelSpec,
  panelExpressions,
} from '../../generators/telemetry';
import { JOB, LATENCY_OBJECTIVE_SECONDS } from './rules';

const inScope = `job="${JOB}",namespace=~"$namespace"`;
const rate = (metric: string, selector = '') => `rate(${metric}{${inScope}${selector}}[$__rate_interval])`;

const rows: { title: string; panels: PanelSpec[] }[] = [
  {
    title: 'API (RED)',
    panels: [
      {
        title: 'Requests per second by route',
        unit: 'reqps',
        targets: [{ expr: `sum by (route) (${rate('task_tracker_http_requests_total')})`, legend: '{{route}}' }],
      },
      {
        title: 'Error ratio (5xx)',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(${rate('task_tracker_http_requests_total', ',code=~"5.."')}) / sum(${rate('task_tracker_http_requests_total')})`,
            legend: '5xx',
          },
        ],
      },
      {
        title: `Latency by route (objective: p99 under ${LATENCY_OBJECTIVE_SECONDS}s)`,
        unit: 's',
        targets: [0.5, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (route, le) (${rate('task_tracker_http_request_duration_seconds_bucket')}))`,
          legend: `p${q * 100} {{route}}`,
        })),
      },
      {
        title: 'Requests by status code',
        unit: 'reqps',
        targets: [{ expr: `sum by (code) (${rate('task_tracker_http_requests_total')})`, legend: '{{code}}' }],
      },
      {
        title: 'Requests in flight',
        unit: 'short',
        targets: [{ expr: `sum(task_tracker_http_requests_in_flight{${inScope}})`, legend: 'in flight' }],
      },
    ],
  },
  {
    title: 'Tasks',
    panels: [
      {
        title: 'Tasks created and processed per second',
        unit: 'ops',
        targets: [
          { expr: `sum(${rate('task_tracker_tasks_created_total')})`, legend: 'created' },
          { expr: `sum by (outcome) (${rate('task_tracker_tasks_processed_total')})`, legend: 'processed {{outcome}}' },
        ],
      },
      {
        title: 'Queue depth',
        unit: 'short',
        targets: [{ expr: `sum by (pod) (task_tracker_tasks_queue_depth{${inScope}})`, legend: '{{pod}}' }],
      },
      {
        title: 'Processing failure ratio',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(${rate('task_tracker_tasks_processed_total', ',outcome="failed"')}) / sum(${rate('task_tracker_tasks_processed_total')})`,
            legend: 'failed',
          },
        ],
      },
    ],
  },
  {
    title: 'Runtime',
    panels: [
      {
        title: 'Running versions',
        unit: 'short',
        targets: [{ expr: `count by (version) (task_tracker_build_info{${inScope}})`, legend: '{{version}}' }],
      },
      {
        title: 'Resident memory by pod',
        unit: 'bytes',
        targets: [{ expr: `process_resident_memory_bytes{${inScope}}`, legend: '{{pod}}' }],
      },
      {
        title: 'CPU by pod',
        unit: 'short',
        targets: [{ expr: `rate(process_cpu_seconds_total{${inScope}}[$__rate_interval])`, legend: '{{pod}}' }],
      },
      {
        title: 'Goroutines by pod',
        unit: 'short',
        targets: [{ expr: `go_goroutines{${inScope}}`, legend: '{{pod}}' }],
      },
    ],
  },
];

/** Every PromQL expression of the dashboard, for checks. */
export function dashboardExpressions(): string[] {
  return rows.flatMap((r) => panelExpressions(r.panels));
}

export function taskTrackerDashboard(): Dashboard {
  const height = 8;
  const panels: Record<string, unknown>[] = [];
  let y = 0;
  for (const row of rows) {
    panels.push({
      id: panels.length + 1,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    });
    y += 1;
    panels.push(...panelGrid(row.panels, { columns: 3, height, y, firstId: panels.length + 1 }));
    y += Math.ceil(row.panels.length / 3) * height;
  }
  return dashboard({
    uid: 'task-tracker',
    title: 'Task tracker',
    tags: ['task-tracker', 'slo'],
    refresh: '30s',
    from: 'now-3h',
    variables: [
      labelValuesVariable(
        'namespace',
        'Namespace',
        `label_values(task_tracker_build_info{job="${JOB}"}, namespace)`,
        'namespaces',
      ),
    ],
    panels,
  });
}
