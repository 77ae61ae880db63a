// Shared by components' alert tests: `promtool test rules` (the clusters' Prometheus release, GO_TOOLS) on a rendered
// PrometheusRule, with synthetic series, pinning which alerts fire and with which labels. Annotations are prose and
// left out.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { PROMTOOL } from './tools';
import { renderedDocs, renderedObject } from './prometheus.testkit';

export interface RuleCase {
  name: string;
  series: { series: string; values: string }[];
  at: string;
  /** Every alert of the rule, by name, with the label sets it must fire with at `at` (none: it must not fire). */
  expect: Record<string, Record<string, string>[]>;
}

/** The rule groups of the named PrometheusRule that `cluster` renders, without annotations. */
export function renderedRuleGroups(cluster: string, name: string): unknown {
  const spec = structuredClone(renderedObject(renderedDocs(), cluster, 'PrometheusRule', name).object.spec) as {
    groups: { rules: { annotations?: unknown }[] }[];
  };
  for (const r of spec.groups.flatMap((g) => g.rules)) delete r.annotations;
  return spec;
}

/** Runs promtool on the cases; returns its output, or throws with it when a case fails. */
export function promtoolTestRules(groups: unknown, cases: RuleCase[]): string {
  const promtool = buildGoTool(PROMTOOL);
  const dir = mkdtempSync(join(tmpdir(), 'rule-tests-'));
  try {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, stringify(groups));
    const test = join(dir, 'test.yaml');
    writeFileSync(
      test,
      stringify({
        rule_files: [rules],
        evaluation_interval: '1m',
        tests: cases.map((c) => ({
          name: c.name,
          interval: '1m',
          input_series: c.series,
          alert_rule_test: Object.entries(c.expect).map(([alertname, firing]) => ({
            eval_time: c.at,
            alertname,
            exp_alerts: firing.map((exp_labels) => ({ exp_labels })),
          })),
        })),
      }),
    );
    return execFileSync(promtool, ['test', 'rules', test], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `promtool check rules` over dashboard queries, each as a recording rule: whether all parse, and promtool's output. */
export function promtoolCheckExpressions(expressions: readonly string[]): { ok: boolean; output: string } {
  const promtool = buildGoTool(PROMTOOL);
  const dir = mkdtempSync(join(tmpdir(), 'expressions-'));
  try {
    const rules = expressions.map((expr, i) => ({ record: `dashboard:query_${i}:check`, expr }));
    const file = join(dir, 'dashboard.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    return { ok: result.status === 0 && output.includes(`SUCCESS: ${rules.length} rules found`), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
