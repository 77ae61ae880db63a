// Alerts on the collectors' own metrics: shipping stalled or failing, and the on-disk buffer growing toward its bound.
import { NAMESPACE } from './api';

/** Collector metrics the alerts read; the end-to-end test checks that the running collector exports each of them. */
export const ALERT_METRICS = [
  'otelcol_receiver_accepted_log_records_total',
  'otelcol_exporter_queue_size',
  'otelcol_exporter_queue_capacity',
  'otelcol_exporter_sent_log_records_total',
  'otelcol_exporter_send_failed_log_records_total',
] as const;

const scope = `namespace="${NAMESPACE}"`;
const fill = `max by (pod, exporter) (otelcol_exporter_queue_size{${scope}} / otelcol_exporter_queue_capacity{${scope}})`;

export function alertGroups() {
  const alert = (name: string, expr: string, duration: string, severity: string, summary: string) => ({
    alert: name,
    expr,
    for: duration,
    labels: { severity },
    annotations: { summary },
  });
  return [
    {
      name: 'log-export',
      rules: [
        alert(
          'LogExportShippingStalled',
          `sum by (pod) (increase(otelcol_receiver_accepted_log_records_total{${scope}}[15m])) > 0 and sum by (pod) (increase(otelcol_exporter_sent_log_records_total{${scope}}[15m])) == 0`,
          '15m',
          'warning',
          '{{ $labels.pod }} keeps reading records but has shipped nothing to S3 for 30 minutes (S3 unreachable or access denied?); they wait in its on-disk queue',
        ),
        alert(
          'LogExportShippingErrors',
          `sum by (pod, exporter) (increase(otelcol_exporter_send_failed_log_records_total{${scope}}[15m])) > 0`,
          '0m',
          'warning',
          '{{ $labels.pod }} dropped {{ $value }} records that S3 rejected permanently via {{ $labels.exporter }}',
        ),
        alert(
          'LogExportBufferFilling',
          `${fill} > 0.5`,
          '10m',
          'warning',
          '{{ $labels.pod }} on-disk queue for {{ $labels.exporter }} is {{ $value | humanizePercentage }} full',
        ),
        alert(
          'LogExportBufferNearlyFull',
          `${fill} > 0.8`,
          '5m',
          'critical',
          '{{ $labels.pod }} on-disk queue for {{ $labels.exporter }} is {{ $value | humanizePercentage }} full; when full the agent stops reading (block_on_overflow) and logs the kubelet rotates away meanwhile are lost',
        ),
      ],
    },
  ];
}
