// promtool (the clusters' Prometheus release) unit-tests the rendered stream-job alerts on synthetic series.
import { describe, expect, it } from 'vitest';
import { promtoolTestRules, renderedRuleGroups, type RuleCase } from '../monitoring/rule-tests.testkit';

const groups = renderedRuleGroups('onprem', 'task-stream');
const scope = 'namespace="streaming"';
const up = (values: string) => ({ series: `up{${scope}, job="task-stream", pod="task-stream-0"}`, values });
// The newest aggregated minute, a Unix time: a healthy job moves it on every minute.
const windowStart = (values: string) => ({ series: `task_stream_window_start_seconds{${scope}}`, values });
const published = (values: string) => ({
  series: 'task_tracker_events_published_total{namespace="task-tracker", pod="tt-0"}',
  values,
});
const invalid = (values: string) => ({ series: `task_stream_invalid_events_total{${scope}}`, values });
const none = { TaskStreamDown: [], TaskStreamAggregatesStale: [], TaskStreamInvalidEvents: [] };
const healthy = [up('1x40'), windowStart('0+60x40'), published('0+30x40'), invalid('0x40')];

const cases: RuleCase[] = [
  {
    name: 'healthy: scraped, a new minute every minute, events published, none invalid',
    series: healthy,
    at: '40m',
    expect: none,
  },
  {
    name: 'not scraped for 10 minutes',
    series: [up('1x20 0x20'), windowStart('0+60x40'), published('0+30x40'), invalid('0x40')],
    at: '40m',
    expect: { ...none, TaskStreamDown: [{ severity: 'critical' }] },
  },
  {
    name: 'events published, the newest minute stuck for 20 minutes (staleAfterMinutes 10 on onprem)',
    series: [up('1x40'), windowStart('0+60x20 1200x20'), published('0+30x40'), invalid('0x40')],
    at: '40m',
    expect: { ...none, TaskStreamAggregatesStale: [{ severity: 'warning' }] },
  },
  {
    name: 'no events published: a stuck minute is a quiet spell, not an alert',
    series: [up('1x40'), windowStart('0+60x20 1200x20'), published('0+30x20 600x20'), invalid('0x40')],
    at: '40m',
    expect: none,
  },
  {
    name: 'three invalid records in the last 15 minutes',
    series: [up('1x40'), windowStart('0+60x40'), published('0+30x40'), invalid('0x35 3x5')],
    at: '40m',
    expect: { ...none, TaskStreamInvalidEvents: [{ severity: 'warning' }] },
  },
];

describe('stream job alerts (promtool test rules)', () => {
  it('fire exactly as each case expects', () => {
    expect(promtoolTestRules(groups, cases)).toContain('SUCCESS');
  });

  it('can fail: a healthy job expected stale fails the test', () => {
    const wrong = { ...cases[0]!, expect: { ...none, TaskStreamAggregatesStale: [{ severity: 'warning' }] } };
    expect(() => promtoolTestRules(groups, [wrong])).toThrow(/TaskStreamAggregatesStale/);
  });
});
