// The node-lifecycle dashboard: the drains the handler ran for leaving workers, the ones that failed, and the nodes
// left cordoned. Handler metrics: pkg/observability/opentelemetry.go of aws-node-termination-handler v1.25.1;
// kube_node_spec_unschedulable is kube-state-metrics'.
import { dashboard, panelGrid, type Dashboard, type PanelSpec, panelExpressions } from '../../generators/telemetry';
import { NAMESPACE } from './api';

const scope = `namespace="${NAMESPACE}"`;

const panels: PanelSpec[] = [
  {
    title: 'Handler actions per hour, by action and result',
    unit: 'short',
    targets: [
      {
        expr: `sum by (node_action, node_status) (increase(actions_total{${scope}}[1h]))`,
        legend: '{{node_action}} {{node_status}}',
      },
    ],
  },
  {
    title: 'Failed cordons and drains per hour',
    unit: 'short',
    targets: [
      {
        expr: `sum by (node_action) (increase(actions_total{${scope}, node_status="error"}[1h]))`,
        legend: '{{node_action}}',
      },
    ],
  },
  {
    title: 'Event processing errors per hour, by where',
    unit: 'short',
    targets: [
      {
        expr: `sum by (event_error_where) (increase(events_error_total{${scope}}[1h]))`,
        legend: '{{event_error_where}}',
      },
    ],
  },
  {
    title: 'Cordoned nodes',
    unit: 'short',
    targets: [{ expr: 'sum(kube_node_spec_unschedulable)', legend: 'cordoned' }],
  },
];

/** Every PromQL expression of the dashboard, for checks. */
export const dashboardExpressions = (): string[] => panelExpressions(panels);

export function nodeLifecycleDashboard(): Dashboard {
  return dashboard({
    uid: 'node-lifecycle',
    title: 'Node lifecycle (termination handler)',
    tags: ['aws', 'autoscaling'],
    refresh: '1m',
    from: 'now-24h',
    panels: panelGrid(panels),
  });
}
