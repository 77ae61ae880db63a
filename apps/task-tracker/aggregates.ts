// The task-tracker's aggregates: the series it is summarised in on every cluster, which federation carries to the
// central cluster, and the hybrid overview's panels over them (the monitoring component collects both).
import type { PanelSpec, RuleGroup } from '../../generators/telemetry';

const inCluster = '{cluster="$cluster"}';

const TASK_TRACKER_REQUESTS = 'task_tracker_http_requests_total';

/** What every cluster running the task-tracker records, and federation carries to the central cluster. */
export const aggregates: RuleGroup[] = [
  {
    name: 'task-tracker.aggregates',
    rules: [
      {
        record: 'namespace_job_code:task_tracker_http_requests:rate5m',
        expr: `sum by (namespace, job, code) (rate(${TASK_TRACKER_REQUESTS}[5m]))`,
      },
      {
        record: 'namespace_job:task_tracker_http_requests_errors:ratio_rate5m',
        expr:
          `(sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}{code=~"5.."}[5m])) or sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}[5m])) * 0)` +
          ` / sum by (namespace, job) (rate(${TASK_TRACKER_REQUESTS}[5m]))`,
      },
      {
        record: 'namespace_job_le:task_tracker_http_request_duration_seconds_bucket:rate5m',
        expr: 'sum by (namespace, job, le) (rate(task_tracker_http_request_duration_seconds_bucket[5m]))',
      },
      ...['0.5', '0.99'].map((quantile) => ({
        record: 'namespace_job_quantile:task_tracker_http_request_duration_seconds:histogram_quantile',
        // From the raw buckets: the recorded ones of a central cluster also hold the federated sources' series.
        expr: `histogram_quantile(${quantile}, sum by (namespace, job, le) (rate(task_tracker_http_request_duration_seconds_bucket[5m])))`,
        labels: { quantile },
      })),
      {
        record: 'namespace_job:task_tracker_http_requests_in_flight:sum',
        expr: 'sum by (namespace, job) (task_tracker_http_requests_in_flight)',
      },
      {
        record: 'namespace_job:task_tracker_tasks_created:rate5m',
        expr: 'sum by (namespace, job) (rate(task_tracker_tasks_created_total[5m]))',
      },
      {
        record: 'namespace_job_outcome:task_tracker_tasks_processed:rate5m',
        expr: 'sum by (namespace, job, outcome) (rate(task_tracker_tasks_processed_total[5m]))',
      },
      {
        record: 'namespace_job:task_tracker_tasks_queue_depth:sum',
        expr: 'sum by (namespace, job) (task_tracker_tasks_queue_depth)',
      },
      {
        record: 'namespace_job_version:task_tracker_build_info:count',
        expr: 'count by (namespace, job, version, revision) (task_tracker_build_info)',
      },
    ],
  },
];

/** Its panels in the hybrid overview: per cluster, from the aggregates alone. */
export const overview: PanelSpec[] = [
  {
    title: 'Requests by status code',
    unit: 'reqps',
    targets: [
      { expr: `sum by (code) (namespace_job_code:task_tracker_http_requests:rate5m${inCluster})`, legend: '{{code}}' },
    ],
  },
  {
    title: 'Error ratio (5xx)',
    unit: 'percentunit',
    targets: [
      {
        expr: `max by (job) (namespace_job:task_tracker_http_requests_errors:ratio_rate5m${inCluster})`,
        legend: '{{job}}',
      },
    ],
  },
  {
    title: 'Request latency',
    unit: 's',
    targets: [
      {
        expr: `max by (quantile) (namespace_job_quantile:task_tracker_http_request_duration_seconds:histogram_quantile${inCluster})`,
        legend: 'p{{quantile}}',
      },
    ],
  },
  {
    title: 'Requests in flight',
    unit: 'short',
    targets: [
      { expr: `sum (namespace_job:task_tracker_http_requests_in_flight:sum${inCluster})`, legend: 'in flight' },
    ],
  },
  {
    title: 'Tasks created and processed',
    unit: 'ops',
    targets: [
      { expr: `sum (namespace_job:task_tracker_tasks_created:rate5m${inCluster})`, legend: 'created' },
      {
        expr: `sum by (outcome) (namespace_job_outcome:task_tracker_tasks_processed:rate5m${inCluster})`,
        legend: 'processed {{outcome}}',
      },
    ],
  },
  {
    title: 'Task queue depth',
    unit: 'short',
    targets: [{ expr: `sum (namespace_job:task_tracker_tasks_queue_depth:sum${inCluster})`, legend: 'queued' }],
  },
  {
    title: 'Running versions',
    unit: 'short',
    targets: [
      {
        expr: `sum by (version) (namespace_job_version:task_tracker_build_info:count${inCluster})`,
        legend: '{{version}}',
      },
    ],
  },
];
