// The SLO rules under the real promtool (the clusters' Prometheus release, GO_TOOLS): they load, and the alerts fire
// on the series they are meant for and only then.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { promtoolCheckExpressions } from '../../platform/monitoring/rule-tests.testkit';
import { PROMTOOL } from '../../platform/monitoring/tools';
import { dashboardExpressions } from './dashboard';
import { taskTrackerRuleGroups } from './rules';

const promtoolPath = buildGoTool(PROMTOOL);
const dir = mkdtempSync(join(tmpdir(), 'task-tracker-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(args: string[], files: Record<string, unknown>): { ok: boolean; output: string } {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), stringify(content));
  const run = spawnSync(promtoolPath, args, { cwd: dir, encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const series = (labels: string, values: string) => ({
  series: `task_tracker_http_requests_total{job="task-tracker",namespace="task-tracker",method="GET",${labels}}`,
  values,
});
const alertLabels = (alert: string, severity: string) => ({
  alertname: alert,
  severity,
  namespace: 'task-tracker',
  job: 'task-tracker',
});
const fastBurnDescription = (percent: string) =>
  `task-tracker/task-tracker: ${percent} of API requests fail; at this rate the 30-day budget of the 99.5% availability objective is gone within days.`;

function unitTest(tests: unknown[]): { ok: boolean; output: string } {
  return promtool(['test', 'rules', 'tests.yaml'], {
    'rules.yaml': { groups: taskTrackerRuleGroups() },
    'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests },
  });
}

describe('task-tracker SLO rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': { groups: taskTrackerRuleGroups() } });
    expect(result.output).toMatch(/SUCCESS: 12 rules found/);
    expect(result.ok).toBe(true);
  });

  it('fail promtool check rules when an expression is broken (the check can fail)', () => {
    const groups = taskTrackerRuleGroups();
    groups[0]!.rules[0]!.expr += ' +';
    expect(promtool(['check', 'rules', 'broken.yaml'], { 'broken.yaml': { groups } }).ok).toBe(false);
  });

  it('page on a fast error-budget burn, counting API routes only', () => {
    const result = unitTest([
      {
        interval: '1m',
        input_series: [
          series('route="/tasks",code="200"', '0+90x80'),
          series('route="/tasks",code="500"', '0+10x80'),
          // Probes succeed in bulk; counted, they would dilute the 10% error ratio below the threshold.
          series('route="/healthz",code="200"', '0+1000x80'),
        ],
        alert_rule_test: [
          {
            eval_time: '70m',
            alertname: 'TaskTrackerErrorBudgetBurnFast',
            exp_alerts: [
              {
                exp_labels: alertLabels('TaskTrackerErrorBudgetBurnFast', 'critical'),
                exp_annotations: {
                  summary: 'task-tracker burns its error budget fast',
                  description: fastBurnDescription('10%'),
                },
              },
            ],
          },
          {
            eval_time: '70m',
            alertname: 'TaskTrackerErrorBudgetBurnSlow',
            exp_alerts: [
              {
                exp_labels: alertLabels('TaskTrackerErrorBudgetBurnSlow', 'warning'),
                exp_annotations: {
                  summary: 'task-tracker burns its error budget steadily',
                  description:
                    'task-tracker/task-tracker: 10% of API requests fail; the 99.5% availability objective will be missed if this continues.',
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('stay quiet while errors stay within the budget, and without traffic', () => {
    const result = unitTest([
      {
        interval: '1m',
        input_series: [series('route="/tasks",code="200"', '0+999x80'), series('route="/tasks",code="500"', '0+1x80')],
        alert_rule_test: [
          'TaskTrackerErrorBudgetBurnFast',
          'TaskTrackerErrorBudgetBurnSlow',
          'TaskTrackerLatencyHigh',
        ].map((alertname) => ({ eval_time: '70m', alertname, exp_alerts: [] })),
      },
      {
        interval: '1m',
        input_series: [
          series('route="/tasks",code="200"', '0+0x80'),
          { series: 'up{job="task-tracker"}', values: '1x80' },
        ],
        alert_rule_test: ['TaskTrackerErrorBudgetBurnFast', 'TaskTrackerTargetMissing'].map((alertname) => ({
          eval_time: '70m',
          alertname,
          exp_alerts: [],
        })),
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('a unit test that expects the wrong alert fails (the tests can fail)', () => {
    const result = unitTest([
      {
        interval: '1m',
        input_series: [series('route="/tasks",code="200"', '0+999x80'), series('route="/tasks",code="500"', '0+1x80')],
        alert_rule_test: [
          {
            eval_time: '70m',
            alertname: 'TaskTrackerErrorBudgetBurnFast',
            exp_alerts: [{ exp_labels: alertLabels('TaskTrackerErrorBudgetBurnFast', 'critical') }],
          },
        ],
      },
    ]);
    expect(result.ok).toBe(false);
  });

  it('warn when p99 latency of the API stays above the objective', () => {
    const bucket = (le: string, values: string) => ({
      series: `task_tracker_http_request_duration_seconds_bucket{job="task-tracker",namespace="task-tracker",method="GET",route="/tasks",le="${le}"}`,
      values,
    });
    const result = unitTest([
      {
        interval: '1m',
        input_series: [
          bucket('0.1', '0+90x30'),
          bucket('0.5', '0+90x30'),
          bucket('1', '0+100x30'),
          bucket('+Inf', '0+100x30'),
        ],
        alert_rule_test: [
          { eval_time: '9m', alertname: 'TaskTrackerLatencyHigh', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'TaskTrackerLatencyHigh',
            exp_alerts: [
              {
                exp_labels: alertLabels('TaskTrackerLatencyHigh', 'warning'),
                exp_annotations: {
                  summary: 'task-tracker p99 latency is above its objective',
                  description: 'task-tracker/task-tracker: p99 of API requests is 950ms, above 0.5s.',
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('page when no local target is up', () => {
    const result = unitTest([
      {
        interval: '1m',
        input_series: [
          { series: 'up{job="task-tracker",instance="10.0.0.1:9090"}', values: '0x20' },
          // The same job in another cluster, federated in: it must not hide the local outage.
          { series: 'up{job="task-tracker",instance="10.40.0.7:9090",cluster="onprem"}', values: '1x20' },
        ],
        alert_rule_test: [
          { eval_time: '4m', alertname: 'TaskTrackerTargetMissing', exp_alerts: [] },
          {
            eval_time: '10m',
            alertname: 'TaskTrackerTargetMissing',
            exp_alerts: [
              {
                exp_labels: { alertname: 'TaskTrackerTargetMissing', severity: 'critical' },
                exp_annotations: {
                  summary: 'No task-tracker target is up',
                  description:
                    'Prometheus has scraped no healthy task-tracker target (job task-tracker) for 5 minutes: the service is down or no longer discovered.',
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('dashboard queries are valid PromQL once Grafana has filled in its variables', () => {
    const result = promtoolCheckExpressions(
      dashboardExpressions().map((e) => e.replaceAll('$__rate_interval', '5m').replaceAll('$namespace', '.+')),
    );
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });
});
