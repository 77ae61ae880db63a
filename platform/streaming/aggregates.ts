// The stream job's aggregates: what the cluster running it records, which federation carries to the central cluster
// and log-export keeps in S3 (the aws side receives these, never task events), and their hybrid overview panels.
import type { PanelSpec, RuleGroup } from '../../generators/telemetry';

const inCluster = '{cluster="$cluster"}';

/** One replica writes the gauges; `max` keeps one series per status across a pod's replacement. */
export const aggregates: RuleGroup[] = [
  {
    name: 'streaming.aggregates',
    rules: [
      {
        record: 'namespace_status:task_stream_window_events:max',
        expr: 'max by (namespace, status) (task_stream_window_events)',
      },
      {
        record: 'namespace:task_stream_window_failure_ratio:max',
        expr: 'max by (namespace) (task_stream_window_failure_ratio)',
      },
      {
        record: 'namespace_status_quantile:task_stream_window_processing_seconds:max',
        expr: 'max by (namespace, status, quantile) (task_stream_window_processing_seconds)',
      },
      {
        record: 'namespace:task_stream_window_start_seconds:max',
        expr: 'max by (namespace) (task_stream_window_start_seconds)',
      },
      {
        record: 'namespace:task_stream_invalid_events:rate5m',
        expr: 'sum by (namespace) (rate(task_stream_invalid_events_total[5m]))',
      },
    ],
  },
];

export const overview: PanelSpec[] = [
  {
    title: 'Task events per minute, by status (stream job)',
    unit: 'short',
    targets: [
      {
        expr: `max by (status) (namespace_status:task_stream_window_events:max${inCluster})`,
        legend: '{{status}}',
      },
    ],
  },
  {
    title: 'Task failure ratio per minute (stream job)',
    unit: 'percentunit',
    targets: [
      { expr: `max (namespace:task_stream_window_failure_ratio:max${inCluster})`, legend: 'failed / finished' },
    ],
  },
  {
    title: 'Task processing time p50/p95 per minute (stream job)',
    unit: 's',
    targets: [
      {
        expr: `max by (status, quantile) (namespace_status_quantile:task_stream_window_processing_seconds:max${inCluster})`,
        legend: '{{status}} p{{quantile}}',
      },
    ],
  },
  {
    title: 'Stream lag: age of the newest aggregated minute',
    unit: 's',
    targets: [{ expr: `time() - max (namespace:task_stream_window_start_seconds:max${inCluster})`, legend: 'age' }],
  },
];
