// Alerts on the handler's own metrics (pkg/observability/opentelemetry.go of
// github.com/aws/aws-node-termination-handler v1.25.1, exported as `actions_total{node_action, node_status}` and
// `events_error_total`): down, a failed drain, events it could not process.
import { alertRule as alert } from '../../generators/telemetry';
import { NAMESPACE } from './api';

export const METRICS_JOB = 'aws-node-termination-handler';
const scope = `namespace="${NAMESPACE}"`;

export function alertGroups() {
  return [
    {
      name: 'node-termination-handler',
      rules: [
        alert(
          'NodeTerminationHandlerDown',
          `absent(up{${scope}, job="${METRICS_JOB}"} == 1)`,
          '10m',
          'critical',
          'no node termination handler is scraped: leaving workers are not drained, their pods stop without their PodDisruptionBudgets',
        ),
        alert(
          'NodeDrainFailed',
          `sum by (node_action) (increase(actions_total{${scope}, node_action=~"cordon-and-drain|cordon", node_status="error"}[15m])) > 0`,
          '0m',
          'critical',
          '{{ $value }} {{ $labels.node_action }} actions failed in 15 minutes: a PodDisruptionBudget blocked the eviction or the API refused; the instance terminates when its lifecycle hook times out',
        ),
        alert(
          'NodeTerminationEventsFailing',
          `sum by (event_error_where) (increase(events_error_total{${scope}}[15m])) > 0`,
          '5m',
          'warning',
          'the handler fails to process termination events ({{ $labels.event_error_where }}): SQS or Auto Scaling calls denied or unreachable?',
        ),
      ],
    },
  ];
}
