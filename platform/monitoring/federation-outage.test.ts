// Issue 23 defect 5: an outage on the central cluster must still fire while the source is healthy. The series that
// reach aws from onprem are exactly those the rendered ScrapeConfig's match[] selects; with raw `up` among them, the
// chart's KubeAPIDown (`absent(up{job="apiserver"} == 1)`, kube-prometheus-stack 82.15.1
// templates/prometheus/rules-1.14/kubernetes-system-apiserver.yaml) was satisfied by onprem's apiserver.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildGoTool } from '../../generators/go-tools';
import { renderedDocs, renderedObject, run } from './prometheus.testkit';
import { PROMTOOL } from './tools';

/** What onprem's Prometheus holds, healthy: raw series and its recorded aggregates, labelled as federation sees them. */
const ONPREM = [
  'up{job="apiserver", instance="10.30.0.11:6443", cluster="onprem", site="fra-dc1"}',
  'namespace_job:up:sum{namespace="default", job="apiserver", cluster="onprem", site="fra-dc1"}',
];

/** Whether a series' name is selected by one of the exact `match[]` selectors that federation uses. */
function crosses(series: string, selectors: string[]): boolean {
  const name = series.slice(0, series.indexOf('{'));
  return selectors.some((s) => {
    const byName = /__name__\s*(=~|=)\s*"([^"]*)"/.exec(s);
    return byName ? byName[2]!.split('|').includes(name) : s.trim() === name;
  });
}

async function apiserverDownFires(selectors: string[]): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'federation-outage-'));
  const rules = {
    groups: [
      { name: 'chart', rules: [{ alert: 'KubeAPIDown', expr: 'absent(up{job="apiserver"} == 1)', for: '15m' }] },
    ],
  };
  writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  // aws's own apiserver target is down: its up is 0. Only what crosses is added from onprem.
  const input = [{ series: 'up{job="apiserver", instance="10.10.64.10:6443"}', values: '0x30' }];
  for (const series of ONPREM.filter((s) => crosses(s, selectors))) input.push({ series, values: '1x30' });
  const test = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: input,
        alert_rule_test: [{ eval_time: '20m', alertname: 'KubeAPIDown', exp_alerts: [{ exp_labels: {} }] }],
      },
    ],
  };
  writeFileSync(join(dir, 'test.yaml'), stringify(test));
  // The pinned promtool, not one on PATH: a fresh machine has none, and Debian's is Prometheus 2.
  return run(buildGoTool(PROMTOOL), ['test', 'rules', 'test.yaml'], dir);
}

describe('an aws-only outage while onprem is healthy (issue 23 defect 5: federated raw up hides outages)', () => {
  it('fires KubeAPIDown on aws with what the rendered federation lets cross', async () => {
    const scrape = renderedObject(renderedDocs(), 'aws', 'ScrapeConfig', 'federate-onprem');
    const selectors = (scrape.object.spec as { params: { 'match[]': string[] } }).params['match[]'];
    expect(ONPREM.filter((s) => crosses(s, selectors))).toEqual([ONPREM[1]]);
    const result = await apiserverDownFires(selectors);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it('stays silent when raw up crosses too, which is why it must not', async () => {
    const result = await apiserverDownFires(['{__name__="up"}']);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/FAILED/);
  });
});
