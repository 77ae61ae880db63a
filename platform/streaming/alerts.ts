// Alerts on the stream job's own metrics (platform/streaming/job Metrics.java): not scraped, aggregates stale while
// task-tracker keeps publishing, and records on task-events that are no task-event/v1.
import { alertRule as alert } from '../../generators/telemetry';
import { JOB, NAMESPACE } from './api';

const scope = `namespace="${NAMESPACE}"`;

/** task-tracker's counter of events Kafka acknowledged (apps/task-tracker/internal/events). */
const PUBLISHED = 'task_tracker_events_published_total';

export function alertGroups(staleAfterMinutes: number) {
  return [
    {
      name: 'streaming',
      rules: [
        alert(
          'TaskStreamDown',
          `absent(up{${scope}, job="${JOB}"} == 1)`,
          '10m',
          'critical',
          'the stream job is not scraped: task-aggregates, its metrics and the federated aggregates stop',
        ),
        alert(
          'TaskStreamAggregatesStale',
          `(time() - max(task_stream_window_start_seconds{${scope}}) > ${staleAfterMinutes * 60}) and on () (sum(increase(${PUBLISHED}[10m])) > 0)`,
          '5m',
          'warning',
          'task-tracker publishes events but the newest aggregated minute is {{ $value | humanizeDuration }} old (job stuck, rebalancing, or its Kafka user refused?)',
        ),
        alert(
          'TaskStreamInvalidEvents',
          `sum(increase(task_stream_invalid_events_total{${scope}}[15m])) > 0`,
          '0m',
          'warning',
          '{{ $value }} records on task-events in 15 minutes were no task-event/v1 and were skipped (a producer on another schema?)',
        ),
      ],
    },
  ];
}
