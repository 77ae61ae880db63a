// promtool (the clusters' Prometheus release, GO_TOOLS) unit-tests the rendered log-export alerts on synthetic
// collector series.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { PROMTOOL } from '../monitoring/tools';
import { parseManifests } from '../../generators/manifests';
import { renderEstate } from '../../generators/render';
import { NAMESPACE } from './api';
import { catalogue } from '../../generators/estate/catalogue';

const promtool = buildGoTool(PROMTOOL);
const dir = mkdtempSync(join(tmpdir(), 'log-export-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = [...renderEstate(estate, catalogue).files]
  .flatMap(([file, text]) => parseManifests(file, text).docs)
  .find((d) => d.cluster === 'aws' && d.object.kind === 'PrometheusRule' && d.object.metadata?.name === 'log-export')!;

const labels = `namespace="${NAMESPACE}", pod="log-export-agent-x1", exporter="s3ndjson"`;
const series = (name: string, values: string) => ({ series: `${name}{${labels}}`, values });

function promtoolTest(
  name: string,
  inputs: { series: string; values: string }[],
  at: string,
  firing: string[],
): string {
  const rules = join(dir, 'rules.yaml');
  // Annotations are prose; the tests pin which alerts fire and with which labels.
  const spec = structuredClone(rule.object.spec) as { groups: { rules: { annotations?: unknown }[] }[] };
  for (const r of spec.groups.flatMap((g) => g.rules)) delete r.annotations;
  writeFileSync(rules, stringify(spec));
  const all = [
    'LogExportShippingStalled',
    'LogExportShippingErrors',
    'LogExportBufferFilling',
    'LogExportBufferNearlyFull',
  ];
  const test = join(dir, `${name}.yaml`);
  writeFileSync(
    test,
    stringify({
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: inputs,
          alert_rule_test: all.map((alertname) => ({
            eval_time: at,
            alertname,
            exp_alerts: firing.includes(alertname)
              ? [
                  {
                    exp_labels: {
                      severity: alertname === 'LogExportBufferNearlyFull' ? 'critical' : 'warning',
                      pod: 'log-export-agent-x1',
                      ...(alertname === 'LogExportShippingStalled' ? {} : { exporter: 's3ndjson' }),
                    },
                  },
                ]
              : [],
          })),
        },
      ],
    }),
  );
  try {
    return execFileSync(promtool, ['test', 'rules', test], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool test rules failed:\n${e.stdout}${e.stderr}`);
  }
}

describe('log-export alerts (promtool test rules)', () => {
  it('stay quiet while records are read and shipped and the queue is small', () => {
    promtoolTest(
      'healthy',
      [
        series('otelcol_receiver_accepted_log_records_total', '0+100x60'),
        series('otelcol_exporter_sent_log_records_total', '0+100x60'),
        series('otelcol_exporter_send_failed_log_records_total', '0x60'),
        series('otelcol_exporter_queue_size', '3x60'),
        series('otelcol_exporter_queue_capacity', '5000x60'),
      ],
      '60m',
      [],
    );
  });

  it('fire when S3 stops accepting: shipping stalls and the on-disk queue grows past 50 % and 80 %', () => {
    promtoolTest(
      'outage',
      [
        series('otelcol_receiver_accepted_log_records_total', '0+100x60'),
        series('otelcol_exporter_sent_log_records_total', '0+100x10 1000x50'),
        series('otelcol_exporter_send_failed_log_records_total', '0x60'),
        series('otelcol_exporter_queue_size', '0+75x60'),
        series('otelcol_exporter_queue_capacity', '5000x60'),
      ],
      '60m',
      ['LogExportShippingStalled', 'LogExportBufferFilling', 'LogExportBufferNearlyFull'],
    );
  });

  it('fire when S3 rejects records for good', () => {
    promtoolTest(
      'rejected',
      [
        series('otelcol_receiver_accepted_log_records_total', '0+100x30'),
        series('otelcol_exporter_sent_log_records_total', '0+100x30'),
        series('otelcol_exporter_send_failed_log_records_total', '0x20 5x10'),
        series('otelcol_exporter_queue_size', '0x30'),
        series('otelcol_exporter_queue_capacity', '5000x30'),
      ],
      '30m',
      ['LogExportShippingErrors'],
    );
  });

  it('fails when an expected alert does not fire (the test can fail)', () => {
    expect(() =>
      promtoolTest(
        'wrong',
        [series('otelcol_exporter_queue_size', '0x30'), series('otelcol_exporter_queue_capacity', '5000x30')],
        '30m',
        ['LogExportBufferFilling'],
      ),
    ).toThrow(/FAILED/);
  });
});
