// What the cluster model sets for metrics-server on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';

export interface MetricsValues {
  /** Two or more keep the resource metrics API (and so the HPAs) answering through a node drain; the chart adds a PDB. */
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

export const METRICS_KEYS: Shape = { replicas: true, ...RESOURCE_KEYS };

const MAX_REPLICAS = 5;

export function validateMetrics(values: MetricsValues): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > MAX_REPLICAS) {
    fail('replicas', `must be a whole number from 2 to ${MAX_REPLICAS}, got ${JSON.stringify(values.replicas)}`);
  }
  resourceProblems(values, '', fail);
  return problems;
}
