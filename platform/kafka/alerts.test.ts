// promtool (the clusters' Prometheus release) unit-tests the rendered Kafka alerts on synthetic series.
import { describe, expect, it } from 'vitest';
import { promtoolTestRules, renderedRuleGroups, type RuleCase } from '../monitoring/rule-tests.testkit';

const groups = renderedRuleGroups('onprem', 'events');
const scope = 'namespace="kafka"';
const underReplicated = (pod: string, values: string) => ({
  series: `kafka_server_replicamanager_underreplicatedpartitions{${scope}, pod="${pod}"}`,
  values,
});
const offline = (values: string) => ({
  series: `kafka_controller_kafkacontroller_offlinepartitionscount{${scope}, pod="events-brokers-0"}`,
  values,
});
const lag = (partition: string, values: string) => ({
  series: `kafka_consumergroup_lag{${scope}, consumergroup="task-stream", topic="task-events", partition="${partition}"}`,
  values,
});
/** The operator's CA expiry gauge, in ms since the epoch; promtool's clock starts at 0. */
const caExpiry = (type: string, days: number) => ({
  series: `strimzi_certificate_expiration_timestamp_ms{${scope}, type="${type}", cluster="events"}`,
  values: `${days * 86_400_000}x180`,
});
const none = {
  KafkaUnderReplicatedPartitions: [],
  KafkaOfflinePartitions: [],
  KafkaConsumerGroupLag: [],
  KafkaClusterCaExpiresSoon: [],
};

const cases: RuleCase[] = [
  {
    name: 'healthy: every partition in sync, all online, the stream job keeping up',
    series: [underReplicated('events-brokers-0', '0x30'), offline('0x30'), lag('0', '10x30'), lag('1', '990x30')],
    at: '30m',
    expect: none,
  },
  {
    name: 'a broker leads under-replicated partitions for 10 minutes (a short blip does not fire)',
    series: [
      underReplicated('events-brokers-0', '0x15 2x15'),
      underReplicated('events-brokers-1', '0x25 1x5'),
      offline('0x30'),
      lag('0', '0x30'),
    ],
    at: '30m',
    expect: { ...none, KafkaUnderReplicatedPartitions: [{ severity: 'warning', pod: 'events-brokers-0' }] },
  },
  {
    name: 'a partition without a leader',
    series: [underReplicated('events-brokers-0', '3x30'), offline('0x27 1x3'), lag('0', '0x30')],
    at: '30m',
    expect: {
      ...none,
      KafkaUnderReplicatedPartitions: [{ severity: 'warning', pod: 'events-brokers-0' }],
      KafkaOfflinePartitions: [{ severity: 'critical' }],
    },
  },
  {
    name: 'the stream job lags over 1000 records summed across partitions for 15 minutes',
    series: [underReplicated('events-brokers-0', '0x30'), offline('0x30'), lag('0', '600x30'), lag('1', '600x30')],
    at: '30m',
    expect: {
      ...none,
      KafkaConsumerGroupLag: [{ severity: 'warning', consumergroup: 'task-stream', topic: 'task-events' }],
    },
  },
  {
    name: 'the cluster CA (ours) expires in 59 days; the clients CA (renewed by Strimzi) in 20 does not count',
    series: [caExpiry('cluster-ca', 59), caExpiry('client-ca', 20)],
    at: '2h',
    expect: { ...none, KafkaClusterCaExpiresSoon: [{ severity: 'warning' }] },
  },
  {
    name: 'the cluster CA expires in 61 days: no alert yet',
    series: [caExpiry('cluster-ca', 61), caExpiry('client-ca', 20)],
    at: '2h',
    expect: none,
  },
];

describe('kafka alerts (promtool test rules)', () => {
  it('fire exactly as each case expects', () => {
    expect(promtoolTestRules(groups, cases)).toContain('SUCCESS');
  });

  it('can fail: a healthy cluster expected to have offline partitions fails the test', () => {
    const wrong = { ...cases[0]!, expect: { ...none, KafkaOfflinePartitions: [{ severity: 'critical' }] } };
    expect(() => promtoolTestRules(groups, [wrong])).toThrow(/KafkaOfflinePartitions/);
  });
});
