// What the cluster model sets for the task-tracker app on each cluster, and the checks on it.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { leaves } from '../../generators/shape';

export interface TaskTrackerValues {
  /** Bounds of the HorizontalPodAutoscaler; the Deployment itself has no fixed replica count. */
  replicas: { min: number; max: number };
  /** Host the Gateway serves the API on; must lie under the cluster's `domain`. */
  hostname: string;
  /** The Gateway listener (`platform.gateway.listeners[].name`) whose HTTPS the route attaches to. */
  listener: string;
}

export const TASK_TRACKER_KEYS = { replicas: leaves('min', 'max'), hostname: true, listener: true } as const;

/** Upper bound on replicas, to catch typos such as 100 for 10. */
const MAX_REPLICAS = 50;
const HOSTNAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

export function validateValues(values: TaskTrackerValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const { min, max } = values.replicas ?? {};
  // Two replicas at least: the PDB then lets a node drain evict one while the other keeps serving.
  if (!Number.isInteger(min) || min! < 2)
    problems.push({
      field: 'replicas.min',
      message: `must be a whole number of at least 2, got ${JSON.stringify(min)}`,
    });
  if (!Number.isInteger(max) || max! < (min ?? 2) || max! > MAX_REPLICAS) {
    problems.push({
      field: 'replicas.max',
      message: `must be a whole number from replicas.min to ${MAX_REPLICAS}, got ${JSON.stringify(max)}`,
    });
  }
  if (typeof values.listener !== 'string' || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(values.listener))
    problems.push({
      field: 'listener',
      message: `must name a Gateway listener, got ${JSON.stringify(values.listener)}`,
    });
  if (typeof values.hostname !== 'string' || !HOSTNAME.test(values.hostname)) {
    problems.push({ field: 'hostname', message: `must be a DNS name, got ${JSON.stringify(values.hostname)}` });
  } else if (!values.hostname.endsWith(`.${cluster.domain}`)) {
    problems.push({
      field: 'hostname',
      message: `"${values.hostname}" is not under the cluster's domain ${cluster.domain}`,
    });
  }
  return problems;
}
