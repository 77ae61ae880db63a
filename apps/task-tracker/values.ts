// What the cluster model sets for the task-tracker app on each cluster, and the checks on it.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { leaves } from '../../generators/shape';
import { listenerNameProblem } from '../../platform/gateway/api';

export interface TaskTrackerValues {
  /** Bounds of the HorizontalPodAutoscaler; the Deployment itself has no fixed replica count. */
  replicas: { min: number; max: number };
  /** Host the Gateway serves the API on; must lie under the cluster's `domain`. */
  hostname: string;
  /**
   * The app's public name, the same on every site: Route 53 failover records (bootstrap/aws) resolve it to the primary
   * site's Gateway, and every site serves it besides its own `hostname`, which local clients keep using.
   */
  publicHostname: string;
  /** The Gateway listener (`platform.gateway.listeners[].name`) whose HTTPS the route attaches to for `hostname`. */
  listener: string;
  /** The listener that serves `publicHostname` on this site. */
  publicListener: string;
  /** This site's member of the tasks database (platform/cloudnative-pg); its role comes from the model. */
  database: { instances: number; storageGi: number };
}

export const TASK_TRACKER_KEYS = {
  replicas: leaves('min', 'max'),
  hostname: true,
  publicHostname: true,
  listener: true,
  publicListener: true,
  database: leaves('instances', 'storageGi'),
} as const;

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
  const { instances, storageGi } = values.database ?? {};
  // Two instances at least: CloudNativePG fails over within the site before anyone has to fail over the site.
  if (!Number.isInteger(instances) || instances! < 2 || instances! > 5)
    problems.push({
      field: 'database.instances',
      message: `must be a whole number from 2 to 5, got ${JSON.stringify(instances)}`,
    });
  if (!Number.isInteger(storageGi) || storageGi! < 1)
    problems.push({
      field: 'database.storageGi',
      message: `must be a whole number of GiB, got ${JSON.stringify(storageGi)}`,
    });
  if (typeof values.publicHostname !== 'string' || !HOSTNAME.test(values.publicHostname))
    problems.push({
      field: 'publicHostname',
      message: `must be a DNS name, got ${JSON.stringify(values.publicHostname)}`,
    });
  for (const field of ['listener', 'publicListener'] as const) {
    const message = listenerNameProblem(values[field]);
    if (message) problems.push({ field, message });
  }
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
