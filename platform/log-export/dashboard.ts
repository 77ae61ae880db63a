// The log-export Grafana dashboard: the collectors' pipeline (Prometheus) and, through Athena, what reached S3. The
// Athena panel makes it a dashboard of Amazon Managed Grafana only (the in-cluster Grafana has no Athena).
import {
  athenaPanel,
  dashboard,
  panelGrid,
  type Dashboard,
  type PanelSpec,
  panelExpressions,
} from '../../generators/telemetry';
import { DATABASE, NAMESPACE, type Dataset } from './api';

const scope = `namespace="${NAMESPACE}"`;
const LOGS: Dataset = 'logs';

const pipeline: PanelSpec[] = [
  {
    title: 'Log records read and shipped per second',
    unit: 'ops',
    targets: [
      { expr: `sum(rate(otelcol_receiver_accepted_log_records_total{${scope}}[5m]))`, legend: 'read' },
      { expr: `sum(rate(otelcol_exporter_sent_log_records_total{${scope}}[5m]))`, legend: 'shipped' },
      { expr: `sum(rate(otelcol_exporter_send_failed_log_records_total{${scope}}[5m]))`, legend: 'failed' },
    ],
  },
  {
    title: 'Sending queue fill, by pod',
    unit: 'percentunit',
    targets: [
      {
        expr: `max by (pod) (otelcol_exporter_queue_size{${scope}} / otelcol_exporter_queue_capacity{${scope}})`,
        legend: '{{pod}}',
      },
    ],
  },
];

/**
 * Error lines per cluster, namespace and hour, from the `logs` table of the catalogue (datasets.ts): its partitions are
 * the key's placeholders, so the dashboard's range prunes by `dt` and the hour comes from `hour`. The services log
 * JSON through slog, whose level is upper case (`ERROR`); lower case is counted too.
 */
export function errorsPerNamespaceSql(): string {
  return [
    "SELECT date_add('hour', CAST(hour AS integer), date_parse(dt, '%Y-%m-%d')) AS time, cluster, namespace,",
    '  count(*) AS errors',
    `FROM ${DATABASE}.${LOGS}`,
    // Grafana's own time variables with a format (Grafana docs: "Global variables", $__from and $__to).
    "WHERE dt BETWEEN '${__from:date:YYYY-MM-DD}' AND '${__to:date:YYYY-MM-DD}'",
    "  AND upper(json_extract_scalar(body, '$.level')) = 'ERROR'",
    'GROUP BY 1, 2, 3',
    'ORDER BY 1',
  ].join('\n');
}

/** Every PromQL expression of the dashboard, for checks. */
export function dashboardExpressions(): string[] {
  return panelExpressions(pipeline);
}

export function logExportDashboard(): Dashboard {
  return dashboard({
    uid: 'log-export',
    title: 'Log export',
    tags: ['log-export', 'athena'],
    refresh: '5m',
    from: 'now-24h',
    panels: [
      ...panelGrid(pipeline),
      athenaPanel(
        {
          title: 'Error lines per namespace and hour (S3, through Athena)',
          unit: 'short',
          sql: errorsPerNamespaceSql(),
        },
        pipeline.length + 1,
        { x: 0, y: 8, w: 24, h: 10 },
      ),
    ],
  });
}
