// promtool (the clusters' Prometheus release, built from its Go module) unit-tests the rendered Flux alerts on
// synthetic kube-state-metrics series, and checks that the dashboard's queries parse.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { componentDocs } from '../../generators/testing/component-gates.testkit';
import { promtoolCheckExpressions } from '../monitoring/rule-tests.testkit';
import { PROMTOOL } from '../monitoring/tools';
import { ALERTS, FETCH_FAILING_FOR, NOT_READY_FOR } from './alerts';
import { RESOURCE_INFO } from './api';
import { dashboardExpressions } from './dashboard';

const promtool = buildGoTool(PROMTOOL);
const dir = mkdtempSync(join(tmpdir(), 'flux-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = componentDocs('flux-feedback').find((d) => d.cluster === 'aws' && d.object.kind === 'PrometheusRule')!;

function run(args: string[], files: Record<string, unknown>): { ok: boolean; output: string } {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), stringify(content));
  const result = spawnSync(promtool, args, { cwd: dir, encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

interface FluxObject {
  kind: string;
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  suspended?: 'true';
  /** promtool's expanding notation, one sample a minute. */
  values: string;
}

const info = (o: FluxObject) => ({
  series: `${RESOURCE_INFO}{customresource_kind="${o.kind}", exported_namespace="flux-system", name="${o.name}", ready="${o.ready}", suspended="${o.suspended ?? ''}"}`,
  values: o.values,
});

/** Evaluates every Flux alert at `at` and expects exactly `firing` (alert name → the object it names). */
function expectAlerts(objects: FluxObject[], at: string, firing: Partial<Record<string, FluxObject>>) {
  // Annotations are prose; the tests pin which alerts fire and with which labels.
  const spec = structuredClone(rule.object.spec) as { groups: { rules: { annotations?: unknown }[] }[] };
  for (const r of spec.groups.flatMap((g) => g.rules)) delete r.annotations;
  return run(['test', 'rules', 'test.yaml'], {
    'rules.yaml': spec,
    'test.yaml': {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: objects.map(info),
          alert_rule_test: Object.values(ALERTS).map((alertname) => {
            const o = firing[alertname];
            const severity = alertname === ALERTS.notReady ? 'critical' : 'warning';
            const labels = o && {
              severity,
              customresource_kind: o.kind,
              exported_namespace: 'flux-system',
              name: o.name,
            };
            return { eval_time: at, alertname, exp_alerts: labels ? [{ exp_labels: labels }] : [] };
          }),
        },
      ],
    },
  });
}

const stuck: FluxObject = { kind: 'Kustomization', name: 'apps-task-tracker', ready: 'False', values: '1x40' };
const gitFailing: FluxObject = { kind: 'GitRepository', name: 'flux-system', ready: 'False', values: '1x40' };

describe('Flux alerts (promtool test rules)', () => {
  it('stay quiet while everything is ready, and for suspended objects that are not', () => {
    const result = expectAlerts(
      [
        { ...stuck, ready: 'True' },
        { ...gitFailing, ready: 'True' },
        { kind: 'HelmRelease', name: 'paused', ready: 'False', suspended: 'true', values: '1x40' },
        { kind: 'OCIRepository', name: 'paused', ready: 'False', suspended: 'true', values: '1x40' },
      ],
      '40m',
      {},
    );
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it(`fire ${ALERTS.notReady} for a Kustomization not ready for ${NOT_READY_FOR}, not before`, () => {
    expect(expectAlerts([stuck], '14m', {}).ok).toBe(true);
    expect(expectAlerts([stuck], '16m', { [ALERTS.notReady]: stuck }).ok).toBe(true);
  });

  it('fire it for a HelmRelease stuck progressing (Ready Unknown)', () => {
    const progressing: FluxObject = {
      kind: 'HelmRelease',
      name: 'kube-prometheus-stack',
      ready: 'Unknown',
      values: '1x40',
    };
    expect(expectAlerts([progressing], '20m', { [ALERTS.notReady]: progressing }).ok).toBe(true);
  });

  it(`fire ${ALERTS.fetchFailing} for a source failing for ${FETCH_FAILING_FOR}, and not for a recovered one`, () => {
    expect(expectAlerts([gitFailing], '9m', {}).ok).toBe(true);
    expect(expectAlerts([gitFailing], '11m', { [ALERTS.fetchFailing]: gitFailing }).ok).toBe(true);
    // Failing for 5 minutes, then ready: the failing series ends and a ready one starts.
    const recovered = [
      { ...gitFailing, values: '1x5' },
      { ...gitFailing, ready: 'True' as const, values: '_x5 1x35' },
    ];
    expect(expectAlerts(recovered, '30m', {}).ok).toBe(true);
  });

  it('fails when an expected alert does not fire (the test can fail)', () => {
    const result = expectAlerts([{ ...stuck, ready: 'True' }], '30m', { [ALERTS.notReady]: stuck });
    expect(result.output).toMatch(/FAILED/);
    expect(result.ok).toBe(false);
  });
});

describe('Flux dashboard', () => {
  it('has queries that are valid PromQL', () => {
    const result = promtoolCheckExpressions(dashboardExpressions());
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });
});
