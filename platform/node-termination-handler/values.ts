// What the cluster model sets for the node termination handler on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';
import type { Cluster } from '../../generators/model';
import { TERMINATION_HEARTBEAT_SECONDS } from './api';

export interface NodeTerminationHandlerValues {
  /** Two or more: a drain goes on when a replica is lost; the PodDisruptionBudget keeps one through a drain. */
  replicas: number;
  /** The node's whole drain; below the termination hook's heartbeat (api.ts). */
  nodeGracePeriodSeconds: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

export const NODE_TERMINATION_HANDLER_KEYS: Shape = { replicas: true, nodeGracePeriodSeconds: true, ...RESOURCE_KEYS };

export function validateNodeTerminationHandler(values: NodeTerminationHandlerValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (cluster.provider !== 'aws')
    fail('', `drains EC2 instances: it runs on aws clusters only, not on a ${cluster.provider} cluster`);
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > 3)
    fail('replicas', `must be 2 or 3 (one per control plane at most), got ${JSON.stringify(values.replicas)}`);
  const grace = values.nodeGracePeriodSeconds;
  if (!Number.isInteger(grace) || grace < 30 || grace >= TERMINATION_HEARTBEAT_SECONDS)
    fail(
      'nodeGracePeriodSeconds',
      `must be a whole number of seconds from 30 to below the termination hook's ${TERMINATION_HEARTBEAT_SECONDS}, got ${JSON.stringify(grace)}`,
    );
  resourceProblems(values, '', fail);
  return problems;
}
