// promtool (the clusters' Prometheus release) unit-tests the rendered cluster-autoscaler alerts on synthetic series.
import { describe, expect, it } from 'vitest';
import {
  promtoolCheckExpressions,
  promtoolTestRules,
  renderedRuleGroups,
  type RuleCase,
} from '../monitoring/rule-tests.testkit';
import { dashboardExpressions } from './dashboard';
import { clusterAutoscaler } from './index';

const groups = renderedRuleGroups('aws', 'cluster-autoscaler');
const scope = 'namespace="cluster-autoscaler"';
const up = (value: string) => ({ series: `up{${scope}, job="cluster-autoscaler", pod="ca-0"}`, values: value });
// last_activity is a Unix time: a healthy loop reports the evaluation time each minute.
const activity = (values: string) => ({
  series: `cluster_autoscaler_last_activity{${scope}, activity="main"}`,
  values,
});
const safe = (values: string) => ({ series: `cluster_autoscaler_cluster_safe_to_autoscale{${scope}}`, values });
const failedScaleUps = (values: string) => ({
  series: `cluster_autoscaler_failed_scale_ups_total{${scope}, reason="cloudProviderError"}`,
  values,
});
const none = {
  ClusterAutoscalerDown: [],
  ClusterAutoscalerLoopStalled: [],
  ClusterAutoscalerUnsafe: [],
  ClusterAutoscalerScaleUpFailing: [],
};

const cases: RuleCase[] = [
  {
    name: 'healthy: scraped, looping every minute, safe, no failed scale-up',
    series: [up('1x30'), activity('0+60x30'), safe('1x30'), failedScaleUps('0x30')],
    at: '30m',
    expect: none,
  },
  {
    name: 'not scraped for 10 minutes',
    series: [up('1x10 0x20'), activity('0+60x30'), safe('1x30'), failedScaleUps('0x30')],
    at: '30m',
    expect: { ...none, ClusterAutoscalerDown: [{ severity: 'critical' }] },
  },
  {
    name: 'main loop stuck for over 10 minutes',
    series: [up('1x30'), activity('0+60x10 600x20'), safe('1x30'), failedScaleUps('0x30')],
    at: '30m',
    expect: { ...none, ClusterAutoscalerLoopStalled: [{ severity: 'critical' }] },
  },
  {
    name: 'unsafe to autoscale for 15 minutes, and two failed scale-ups',
    series: [up('1x30'), activity('0+60x30'), safe('1x10 0x20'), failedScaleUps('0x20 1 2x9')],
    at: '30m',
    expect: {
      ...none,
      ClusterAutoscalerUnsafe: [{ severity: 'warning' }],
      ClusterAutoscalerScaleUpFailing: [{ severity: 'warning' }],
    },
  },
];

describe('cluster-autoscaler alerts (promtool test rules)', () => {
  it('fire exactly as each case expects', () => {
    expect(promtoolTestRules(groups, cases)).toContain('SUCCESS');
  });

  it('can fail: a healthy autoscaler expected down fails the test', () => {
    const wrong = { ...cases[0]!, expect: { ...none, ClusterAutoscalerDown: [{ severity: 'critical' }] } };
    expect(() => promtoolTestRules(groups, [wrong])).toThrow(/ClusterAutoscalerDown/);
  });
});

describe('node-autoscaling dashboard', () => {
  it('is loaded by the aws Grafana and its queries are valid PromQL', () => {
    expect(clusterAutoscaler.dashboards!({} as never, {} as never).map((d) => d.uid)).toEqual(['node-autoscaling']);
    const result = promtoolCheckExpressions(dashboardExpressions());
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('can fail: a broken query fails the check', () => {
    expect(promtoolCheckExpressions([...dashboardExpressions(), 'sum(']).ok).toBe(false);
  });
});
