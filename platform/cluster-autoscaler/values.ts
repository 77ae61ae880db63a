// What the cluster model sets for the cluster autoscaler on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';
import type { Cluster } from '../../generators/model';

export interface ClusterAutoscalerValues {
  /** A node whose pods request less than this share of its CPU and memory is a scale-down candidate. */
  scaleDownUtilizationThreshold: number;
  /** How long a node stays a candidate before it is removed. */
  scaleDownUnneededTime: string;
  /** No scale-down for this long after a scale-up, so a burst's new nodes are not removed at once. */
  scaleDownDelayAfterAdd: string;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

const DURATION = /^[1-9][0-9]*[smh]$/;

export const CLUSTER_AUTOSCALER_KEYS: Shape = {
  scaleDownUtilizationThreshold: true,
  scaleDownUnneededTime: true,
  scaleDownDelayAfterAdd: true,
  ...RESOURCE_KEYS,
};

export function validateClusterAutoscaler(values: ClusterAutoscalerValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (cluster.provider !== 'aws')
    fail('', `scales Auto Scaling Groups: it runs on aws clusters only, not on a ${cluster.provider} cluster`);
  const threshold = values.scaleDownUtilizationThreshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1))
    fail('scaleDownUtilizationThreshold', `must be a share above 0 and at most 1, got ${JSON.stringify(threshold)}`);
  for (const key of ['scaleDownUnneededTime', 'scaleDownDelayAfterAdd'] as const) {
    if (!DURATION.test(values[key] ?? '')) fail(key, `${JSON.stringify(values[key])} is not a duration like 10m`);
  }
  resourceProblems(values, '', fail);
  return problems;
}
