// promtool (the clusters' Prometheus release) unit-tests the rendered node-termination-handler alerts on synthetic
// series of the handler's OpenTelemetry Prometheus exporter (its otel_scope_name label included).
import { describe, expect, it } from 'vitest';
import {
  promtoolCheckExpressions,
  promtoolTestRules,
  renderedRuleGroups,
  type RuleCase,
} from '../monitoring/rule-tests.testkit';
import { dashboardExpressions } from './dashboard';
import { nodeTerminationHandler } from './index';

const groups = renderedRuleGroups('aws', 'aws-node-termination-handler');
const scope = 'namespace="node-termination-handler", otel_scope_name="aws.node.termination.handler"';
const up = (pod: string, values: string) => ({
  series: `up{namespace="node-termination-handler", job="aws-node-termination-handler", pod="${pod}"}`,
  values,
});
const actions = (action: string, status: string, values: string) => ({
  series: `actions_total{${scope}, node_action="${action}", node_status="${status}"}`,
  values,
});
const eventErrors = (values: string) => ({
  series: `events_error_total{${scope}, event_error_where="handleEvent"}`,
  values,
});
const none = { NodeTerminationHandlerDown: [], NodeDrainFailed: [], NodeTerminationEventsFailing: [] };

const cases: RuleCase[] = [
  {
    name: 'healthy: both replicas scraped, drains succeed',
    series: [
      up('a', '1x30'),
      up('b', '1x30'),
      actions('cordon-and-drain', 'success', '0+1x30'),
      actions('cordon-and-drain', 'error', '0x30'),
      eventErrors('0x30'),
    ],
    at: '30m',
    expect: none,
  },
  {
    name: 'one replica lost: the other still scraped, no alert',
    series: [up('a', '1x30'), up('b', '1x10 0x20'), actions('cordon-and-drain', 'error', '0x30'), eventErrors('0x30')],
    at: '30m',
    expect: none,
  },
  {
    name: 'both replicas gone for 10 minutes',
    series: [up('a', '1x10 0x20'), up('b', '1x10 0x20')],
    at: '30m',
    expect: { ...none, NodeTerminationHandlerDown: [{ severity: 'critical' }] },
  },
  {
    name: 'a drain failed (PDB blocked the eviction), events failing for 5 minutes',
    series: [
      up('a', '1x30'),
      actions('cordon-and-drain', 'error', '0x25 1x5'),
      actions('cordon-and-drain', 'success', '0+1x30'),
      eventErrors('0x20 1+1x10'),
    ],
    at: '30m',
    expect: {
      ...none,
      NodeDrainFailed: [{ severity: 'critical', node_action: 'cordon-and-drain' }],
      NodeTerminationEventsFailing: [{ severity: 'warning', event_error_where: 'handleEvent' }],
    },
  },
];

describe('node-termination-handler alerts (promtool test rules)', () => {
  it('fire exactly as each case expects', () => {
    expect(promtoolTestRules(groups, cases)).toContain('SUCCESS');
  });

  it('can fail: a failed drain expected silent fails the test', () => {
    const wrong = { ...cases[3]!, expect: none };
    expect(() => promtoolTestRules(groups, [wrong])).toThrow(/NodeDrainFailed/);
  });
});

describe('node-lifecycle dashboard', () => {
  it('is loaded by the aws Grafana and its queries are valid PromQL', () => {
    const uids = nodeTerminationHandler.dashboards!({} as never, {} as never).map((d) => d.uid);
    expect(uids).toEqual(['node-lifecycle']);
    const result = promtoolCheckExpressions(dashboardExpressions());
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.ok).toBe(true);
  });

  it('can fail: a broken query fails the check', () => {
    expect(promtoolCheckExpressions([...dashboardExpressions(), 'rate(actions_total[1h']).ok).toBe(false);
  });
});
