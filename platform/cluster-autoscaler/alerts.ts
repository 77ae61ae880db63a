// Alerts on the cluster autoscaler's own metrics (cluster-autoscaler/metrics/metrics.go of kubernetes/autoscaler at
// tag cluster-autoscaler-1.35.2): down, its main loop stalled, scaling stopped as unsafe, scale-ups failing.
import { alertRule as alert } from '../../generators/telemetry';
import { NAMESPACE } from './api';

export const METRICS_JOB = 'cluster-autoscaler';
const scope = `namespace="${NAMESPACE}"`;

export function alertGroups() {
  return [
    {
      name: 'cluster-autoscaler',
      rules: [
        alert(
          'ClusterAutoscalerDown',
          `absent(up{${scope}, job="${METRICS_JOB}"} == 1)`,
          '10m',
          'critical',
          'the cluster autoscaler is not scraped: pending pods get no new workers and idle workers are never removed',
        ),
        alert(
          'ClusterAutoscalerLoopStalled',
          `time() - max(cluster_autoscaler_last_activity{${scope}, activity="main"}) > 300`,
          '5m',
          'critical',
          'the autoscaler main loop has not run for {{ $value | humanizeDuration }} (AWS API errors or throttling?)',
        ),
        alert(
          'ClusterAutoscalerUnsafe',
          `max(cluster_autoscaler_cluster_safe_to_autoscale{${scope}}) == 0`,
          '15m',
          'warning',
          'the autoscaler stopped scaling: too many nodes are unready (it resumes when they recover)',
        ),
        alert(
          'ClusterAutoscalerScaleUpFailing',
          `sum(increase(cluster_autoscaler_failed_scale_ups_total{${scope}}[30m])) > 0`,
          '0m',
          'warning',
          '{{ $value }} scale-ups failed in 30 minutes (no Spot or on-demand capacity for the types, or the group is at its max)',
        ),
      ],
    },
  ];
}
