// promtool, of the clusters' Prometheus release (GO_TOOLS), on the rendered rules: syntax of every PrometheusRule of
// every cluster, the unit tests in rules.promtest.yaml, and the dashboard's PromQL.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { PROMTOOL } from './tools';
import type { ManifestDoc } from '../../generators/manifests';
import { dashboardExpressions } from './hybrid-overview';
import { renderedDocs, renderedObject, run } from './test-support';
import { overview } from '../../apps/task-tracker/aggregates';

const promtool = buildGoTool(PROMTOOL);
let dir: string;
let docs: ManifestDoc[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'monitoring-rules-'));
  docs = renderedDocs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeSpec(doc: ManifestDoc, file: string): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(doc.object.spec));
  return path;
}

describe('promtool check rules', () => {
  it('accepts every rendered PrometheusRule of every cluster', async () => {
    const rules = docs.filter((d) => d.object.kind === 'PrometheusRule');
    expect(new Set(rules.map((d) => d.cluster))).toEqual(new Set(['aws', 'onprem']));
    const files = rules.map((d) =>
      writeSpec(d, `${d.cluster}-${d.object.metadata?.namespace}-${d.object.metadata?.name}.yaml`),
    );
    const result = await run(promtool, ['check', 'rules', ...files]);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
    console.log(`promtool check rules: ${files.length} rendered PrometheusRules OK`);
  });

  it('rejects a broken rule (the check can fail)', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(
      path,
      stringify({
        groups: [{ name: 'broken', rules: [{ record: 'job:broken:sum', expr: 'sum by (job) (rate(x[5m])' }] }],
      }),
    );
    const result = await run(promtool, ['check', 'rules', path]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/unclosed|parse error/i);
  });
});

describe('promtool test rules', () => {
  it('passes the unit tests of the recording rules and federation alerts', async () => {
    writeSpec(renderedObject(docs, 'onprem', 'PrometheusRule', 'aggregates'), 'aggregates-onprem.yaml');
    writeSpec(renderedObject(docs, 'aws', 'PrometheusRule', 'federation'), 'federation-aws.yaml');
    copyFileSync(join(import.meta.dirname, 'rules.promtest.yaml'), join(dir, 'rules.promtest.yaml'));
    const result = await run(promtool, ['test', 'rules', 'rules.promtest.yaml'], dir);
    expect(result.output, result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it('fails when a recording rule computes something else (the unit tests can fail)', async () => {
    const aggregates = renderedObject(docs, 'onprem', 'PrometheusRule', 'aggregates');
    const spec = structuredClone(aggregates.object.spec) as {
      groups: { rules: { record?: string; expr: string }[] }[];
    };
    const rule = spec.groups.flatMap((g) => g.rules).find((r) => r.record === 'namespace_job:up:sum')!;
    rule.expr = 'count by (namespace, job) (up)';
    writeFileSync(join(dir, 'aggregates-onprem.yaml'), stringify(spec));
    writeSpec(renderedObject(docs, 'aws', 'PrometheusRule', 'federation'), 'federation-aws.yaml');
    copyFileSync(join(import.meta.dirname, 'rules.promtest.yaml'), join(dir, 'rules.promtest.yaml'));
    const result = await run(promtool, ['test', 'rules', 'rules.promtest.yaml'], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/namespace_job:up:sum/);
  });
});

describe('hybrid overview dashboard', () => {
  it('has only valid PromQL', async () => {
    const rules = dashboardExpressions(['onprem'], overview).map((expr, i) => ({
      record: `dashboard:expression_${i}:check`,
      expr: expr.replaceAll('$cluster', 'aws'),
    }));
    const path = join(dir, 'dashboard.yaml');
    writeFileSync(path, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const result = await run(promtool, ['check', 'rules', path]);
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
  });
});
