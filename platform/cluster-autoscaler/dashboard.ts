// The node-autoscaling dashboard: demand (pending pods), the worker count it drives, and what the autoscaler did or
// failed to do. Metric names: cluster-autoscaler/metrics/metrics.go of kubernetes/autoscaler at
// cluster-autoscaler-1.35.2.
import { dashboard, panelGrid, type Dashboard, type PanelSpec, panelExpressions } from '../../generators/telemetry';
import { NAMESPACE } from './api';

const scope = `namespace="${NAMESPACE}"`;

const panels: PanelSpec[] = [
  {
    title: 'Unschedulable pods (what triggers a scale-up)',
    unit: 'short',
    targets: [{ expr: `max(cluster_autoscaler_unschedulable_pods_count{${scope}})`, legend: 'pending' }],
  },
  {
    title: 'Nodes by state',
    unit: 'short',
    targets: [{ expr: `max by (state) (cluster_autoscaler_nodes_count{${scope}})`, legend: '{{state}}' }],
  },
  {
    title: 'Nodes added and removed per hour',
    unit: 'short',
    targets: [
      { expr: `sum(increase(cluster_autoscaler_scaled_up_nodes_total{${scope}}[1h]))`, legend: 'added' },
      {
        expr: `sum by (reason) (increase(cluster_autoscaler_scaled_down_nodes_total{${scope}}[1h]))`,
        legend: 'removed ({{reason}})',
      },
    ],
  },
  {
    title: 'Failed scale-ups per hour, by reason',
    unit: 'short',
    targets: [
      {
        expr: `sum by (reason) (increase(cluster_autoscaler_failed_scale_ups_total{${scope}}[1h]))`,
        legend: '{{reason}}',
      },
    ],
  },
  {
    title: 'Unneeded nodes (scale-down candidates) and pods evicted per hour',
    unit: 'short',
    targets: [
      { expr: `max(cluster_autoscaler_unneeded_nodes_count{${scope}})`, legend: 'unneeded nodes' },
      { expr: `sum(increase(cluster_autoscaler_evicted_pods_total{${scope}}[1h]))`, legend: 'evicted pods' },
    ],
  },
  {
    title: 'Seconds since the main loop last ran',
    unit: 's',
    targets: [{ expr: `time() - max(cluster_autoscaler_last_activity{${scope}, activity="main"})`, legend: 'main' }],
  },
];

/** Every PromQL expression of the dashboard, for checks. */
export const dashboardExpressions = (): string[] => panelExpressions(panels);

export function autoscalingDashboard(): Dashboard {
  return dashboard({
    uid: 'node-autoscaling',
    title: 'Node autoscaling',
    tags: ['aws', 'autoscaling'],
    refresh: '1m',
    from: 'now-24h',
    panels: panelGrid(panels),
  });
}
