// The streaming model checks: its own bounds, and the Kafka topics and users its producer, job and exporter rely on.
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { Cluster } from '../../generators/model';
import type { KafkaValues } from '../kafka/values';
import { validateStreaming, type StreamingValues } from './values';

const onprem = estate.clusters.find((c) => c.name === 'onprem')!;
const values = onprem.platform.streaming as StreamingValues;
const kafka = onprem.platform.kafka as KafkaValues;
const withKafka = (k: KafkaValues | undefined): Cluster => ({ ...onprem, platform: { ...onprem.platform, kafka: k } });
const messages = (cluster: Cluster) => validateStreaming(values, cluster).map((p) => p.message);

describe('streaming values', () => {
  it('accepts the model as it is', () => {
    expect(validateStreaming(values, onprem)).toEqual([]);
  });

  it('needs Kafka on the same cluster', () => {
    expect(messages(withKafka(undefined))).toEqual([
      'needs platform.kafka on the same cluster: its brokers carry the topics',
    ]);
  });

  it('needs every topic it uses', () => {
    const topics = kafka.topics.filter((t) => t.name !== 'task-aggregates');
    expect(messages(withKafka({ ...kafka, topics }))).toEqual([
      'needs topic "task-aggregates" in platform.kafka.topics',
    ]);
  });

  it('needs every user its clients authenticate as, in the namespace the client runs in', () => {
    const users = kafka.users
      .filter((u) => u.name !== 'log-export')
      .map((u) => (u.name === 'task-tracker' ? { ...u, namespace: 'default' } : u));
    expect(messages(withKafka({ ...kafka, users }))).toEqual([
      'needs platform.kafka.users "task-tracker" in namespace "task-tracker", where its client runs, not "default"',
      'needs user "log-export" in platform.kafka.users',
    ]);
  });

  it('bounds the window grace', () => {
    expect(validateStreaming({ ...values, windowGraceSeconds: -1 }, onprem).map((p) => p.field)).toEqual([
      'windowGraceSeconds',
    ]);
  });
});
