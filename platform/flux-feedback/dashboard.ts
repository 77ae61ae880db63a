// The Flux Grafana dashboard: what is not ready, what was applied, and how long the controllers take.
import { dashboard, panelGrid, type Dashboard, type PanelSpec, panelExpressions } from '../../generators/telemetry';
import { APPLIER_KINDS, RESOURCE_INFO, SOURCE_KINDS } from './api';

const panels: PanelSpec[] = [
  {
    title: 'Flux objects not ready, by kind',
    unit: 'short',
    targets: [
      {
        expr: `count by (customresource_kind) (${RESOURCE_INFO}{ready!="True", suspended!="true"})`,
        legend: '{{customresource_kind}}',
      },
    ],
  },
  {
    title: 'Appliers not ready',
    unit: 'short',
    targets: [
      {
        expr: `max by (customresource_kind, exported_namespace, name) (${RESOURCE_INFO}{customresource_kind=~"${APPLIER_KINDS.join('|')}", ready!="True"})`,
        legend: '{{customresource_kind}} {{exported_namespace}}/{{name}}',
      },
    ],
  },
  {
    title: 'Sources failing to fetch',
    unit: 'short',
    targets: [
      {
        expr: `max by (customresource_kind, exported_namespace, name) (${RESOURCE_INFO}{customresource_kind=~"${SOURCE_KINDS.join('|')}", ready="False"})`,
        legend: '{{customresource_kind}} {{exported_namespace}}/{{name}}',
      },
    ],
  },
  {
    title: 'Reconciliation duration p95, by kind',
    unit: 's',
    targets: [
      {
        expr: 'histogram_quantile(0.95, sum by (kind, le) (rate(gotk_reconcile_duration_seconds_bucket[5m])))',
        legend: '{{kind}}',
      },
    ],
  },
  {
    title: 'Controller reconcile errors',
    unit: 'ops',
    targets: [
      {
        expr: 'sum by (controller) (rate(controller_runtime_reconcile_errors_total{namespace="flux-system"}[5m]))',
        legend: '{{controller}}',
      },
    ],
  },
];

/** Every PromQL expression of the dashboard, for checks. */
export function dashboardExpressions(): string[] {
  return panelExpressions(panels);
}

export function fluxDashboard(): Dashboard {
  return dashboard({
    uid: 'flux',
    title: 'Flux',
    tags: ['flux', 'gitops'],
    refresh: '1m',
    from: 'now-6h',
    panels: panelGrid(panels),
  });
}
