// SLO rules of the task-tracker: error-budget burn over several windows (the multiwindow, multi-burn-rate alerts of
// the Google SRE workbook), p99 latency, and a missing scrape target.
import type { AlertingRule, RecordingRule, RuleGroup } from '../../generators/telemetry';

/** The Prometheus job of the service: the ServiceMonitor names it after the Service. */
export const JOB = 'task-tracker';
/** 99.5% of API requests succeed (no 5xx) over 30 days. */
export const AVAILABILITY_OBJECTIVE = 0.995;
/** 99% of API requests finish within this many seconds; a bucket boundary of the duration histogram. */
export const LATENCY_OBJECTIVE_SECONDS = 0.5;

const ERROR_BUDGET = 1 - AVAILABILITY_OBJECTIVE;
/** Probe and test routes are not what users see. */
const API_REQUESTS = `job="${JOB}",route!~"/healthz|/readyz|/debug/delay"`;
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
type Window = (typeof WINDOWS)[number];

export const errorRatio = (window: Window) => `namespace_job:task_tracker_slo_errors:ratio_rate${window}`;
export const LATENCY_P99 = 'namespace_job:task_tracker_slo_request_duration_seconds:p99_rate5m';

function errorRatioRule(window: Window): RecordingRule {
  const requests = (selector: string) =>
    `sum by (namespace, job) (rate(task_tracker_http_requests_total{${selector}}[${window}]))`;
  return {
    record: errorRatio(window),
    // `or … * 0` makes the ratio 0, not absent, while requests arrive without errors.
    expr: `(${requests(`${API_REQUESTS},code=~"5.."`)} or ${requests(API_REQUESTS)} * 0) / ${requests(API_REQUESTS)}`,
  };
}

/** Both windows burn faster than `factor` times the sustainable rate: the long one proves it matters, the short one that it still happens. */
function burning(factor: number, long: Window, short: Window): string {
  const threshold = Number((factor * ERROR_BUDGET).toFixed(6));
  return `(${errorRatio(long)} > ${threshold} and ${errorRatio(short)} > ${threshold})`;
}

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))}%`;

const alerts: AlertingRule[] = [
  {
    alert: 'TaskTrackerErrorBudgetBurnFast',
    expr: `${burning(14.4, '1h', '5m')} or ${burning(6, '6h', '30m')}`,
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'task-tracker burns its error budget fast',
      description: `{{ $labels.namespace }}/{{ $labels.job }}: {{ $value | humanizePercentage }} of API requests fail; at this rate the 30-day budget of the ${percent(AVAILABILITY_OBJECTIVE)} availability objective is gone within days.`,
    },
  },
  {
    alert: 'TaskTrackerErrorBudgetBurnSlow',
    expr: `${burning(3, '1d', '2h')} or ${burning(1, '3d', '6h')}`,
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'task-tracker burns its error budget steadily',
      description: `{{ $labels.namespace }}/{{ $labels.job }}: {{ $value | humanizePercentage }} of API requests fail; the ${percent(AVAILABILITY_OBJECTIVE)} availability objective will be missed if this continues.`,
    },
  },
  {
    alert: 'TaskTrackerLatencyHigh',
    expr: `${LATENCY_P99} > ${LATENCY_OBJECTIVE_SECONDS}`,
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'task-tracker p99 latency is above its objective',
      description: `{{ $labels.namespace }}/{{ $labels.job }}: p99 of API requests is {{ $value | humanizeDuration }}, above ${LATENCY_OBJECTIVE_SECONDS}s.`,
    },
  },
  {
    alert: 'TaskTrackerTargetMissing',
    // `up` also arrives federated from other clusters, labelled with their `cluster`; only local targets count.
    expr: `absent(up{job="${JOB}",cluster=""} == 1)`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No task-tracker target is up',
      description: `Prometheus has scraped no healthy task-tracker target (job ${JOB}) for 5 minutes: the service is down or no longer discovered.`,
    },
  },
];

/** The rule groups of the task-tracker PrometheusRule, as promtool reads them under `groups:`. */
export function taskTrackerRuleGroups(): RuleGroup[] {
  return [
    {
      name: 'task-tracker.slo.recording',
      rules: [
        ...WINDOWS.map(errorRatioRule),
        {
          record: LATENCY_P99,
          expr: `histogram_quantile(0.99, sum by (namespace, job, le) (rate(task_tracker_http_request_duration_seconds_bucket{${API_REQUESTS}}[5m])))`,
        },
      ],
    },
    { name: 'task-tracker.slo.alerts', rules: alerts },
  ];
}
