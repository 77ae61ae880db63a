// What the cluster model sets for Kafka on one cluster (generators/estate/clusters.ts), and the checks on it.
import type { Problem } from '../../generators/component';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';

export interface KafkaTopicValues {
  name: string;
  partitions: number;
  /** How long records are kept; absent on a compacted topic, which keeps the last record per key. */
  retentionHours?: number;
  compacted?: boolean;
}

/** ACL operations of KafkaUser `spec.authorization.acls[].operations` (the v1 KafkaUser CRD of Strimzi 1.2.0). */
export const ACL_OPERATIONS = [
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'AlterConfigs',
  'DescribeConfigs',
  'IdempotentWrite',
  'All',
] as const;
export type AclOperation = (typeof ACL_OPERATIONS)[number];
export const ACL_RESOURCES = ['topic', 'group', 'transactionalId', 'cluster'] as const;

export interface KafkaAclValues {
  resource: (typeof ACL_RESOURCES)[number];
  /** The resource's name, or its prefix with `prefix: true`; none for `cluster`. */
  name?: string;
  prefix?: boolean;
  operations: AclOperation[];
}

export interface KafkaUserValues {
  name: string;
  /** Where the client runs: its credentials Secret is for this namespace, and only it may reach the listener. */
  namespace: string;
  acls: KafkaAclValues[];
}

export interface KafkaValues {
  /** Size of each broker's volume, of the cluster's storage class. */
  storageGi: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
  topics: KafkaTopicValues[];
  users: KafkaUserValues[];
  /**
   * The generation of the cluster CA that `npm run kafka-credentials` issued; raise it by one before issuing a new
   * CA, so that Strimzi rolls the brokers onto it (strimzi.io/ca-cert-generation). @default 0
   */
  caGeneration?: number;
}

export const KAFKA_KEYS: Shape = {
  storageGi: true,
  ...RESOURCE_KEYS,
  topics: [{ name: true, partitions: true, retentionHours: true, compacted: true }],
  users: [{ name: true, namespace: true, acls: [{ resource: true, name: true, prefix: true, operations: true }] }],
  caGeneration: true,
};

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const positiveInteger = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;

export function validateKafka(values: KafkaValues): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!positiveInteger(values.storageGi))
    fail('storageGi', `must be a whole number of GiB above 0, got ${values.storageGi}`);
  resourceProblems(values, '', fail);
  const generation = values.caGeneration ?? 0;
  if (!Number.isInteger(generation) || generation < 0)
    fail('caGeneration', `must be a whole number from 0, got ${JSON.stringify(values.caGeneration)}`);
  const topics = new Set<string>();
  (values.topics ?? []).forEach((topic, i) => {
    const at = `topics[${i}]`;
    if (!NAME.test(topic.name ?? ''))
      fail(`${at}.name`, `${JSON.stringify(topic.name)} is not a topic name like task-events`);
    if (topics.has(topic.name)) fail(`${at}.name`, `topic ${topic.name} is listed twice`);
    topics.add(topic.name);
    if (!positiveInteger(topic.partitions))
      fail(`${at}.partitions`, `must be a whole number of partitions above 0, got ${JSON.stringify(topic.partitions)}`);
    if (topic.compacted && topic.retentionHours !== undefined)
      fail(`${at}.retentionHours`, 'a compacted topic keeps the last record per key: drop retentionHours');
    if (!topic.compacted && !positiveInteger(topic.retentionHours))
      fail(
        `${at}.retentionHours`,
        `must be a whole number of hours above 0, got ${JSON.stringify(topic.retentionHours)}`,
      );
  });
  const users = new Set<string>();
  (values.users ?? []).forEach((user, i) => {
    const at = `users[${i}]`;
    if (!NAME.test(user.name ?? ''))
      fail(`${at}.name`, `${JSON.stringify(user.name)} is not a user name like task-stream`);
    if (users.has(user.name)) fail(`${at}.name`, `user ${user.name} is listed twice`);
    users.add(user.name);
    if (!NAME.test(user.namespace ?? ''))
      fail(`${at}.namespace`, `${JSON.stringify(user.namespace)} is not a namespace name`);
    (user.acls ?? []).forEach((acl, j) => {
      const aclAt = `${at}.acls[${j}]`;
      if (!ACL_RESOURCES.includes(acl.resource))
        fail(`${aclAt}.resource`, `${JSON.stringify(acl.resource)} is not one of ${ACL_RESOURCES.join(', ')}`);
      if (acl.resource === 'cluster' ? acl.name !== undefined : !acl.name)
        fail(`${aclAt}.name`, acl.resource === 'cluster' ? 'the cluster resource has no name' : 'names no resource');
      if (acl.resource === 'topic' && acl.name && !acl.prefix && !topics.has(acl.name))
        fail(`${aclAt}.name`, `topic ${acl.name} is not one of the topics: ${[...topics].join(', ')}`);
      const unknown = (acl.operations ?? []).filter((o) => !ACL_OPERATIONS.includes(o));
      if (!acl.operations?.length || unknown.length)
        fail(
          `${aclAt}.operations`,
          `must list operations of ${ACL_OPERATIONS.join(', ')}; got ${JSON.stringify(acl.operations)}`,
        );
    });
  });
  return problems;
}
