// What the cluster model sets for metrics-server on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';

export interface MetricsValues {
  /** Two or more keep the resource metrics API (and so the HPAs) answering through a node drain; the chart adds a PDB. */
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

const MAX_REPLICAS = 5;
const CPU = /^[1-9][0-9]*m?$/;
const MEMORY = /^[1-9][0-9]*(Mi|Gi)$/;

export function validateMetrics(values: MetricsValues): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > MAX_REPLICAS) {
    fail('replicas', `must be a whole number from 2 to ${MAX_REPLICAS}, got ${JSON.stringify(values.replicas)}`);
  }
  if (!CPU.test(values.requests?.cpu ?? ''))
    fail('requests.cpu', `${JSON.stringify(values.requests?.cpu)} is not a CPU quantity like 100m`);
  if (!MEMORY.test(values.requests?.memory ?? ''))
    fail('requests.memory', `${JSON.stringify(values.requests?.memory)} is not a memory quantity like 64Mi`);
  if (!MEMORY.test(values.memoryLimit ?? ''))
    fail('memoryLimit', `${JSON.stringify(values.memoryLimit)} is not a memory quantity like 256Mi`);
  return problems;
}
