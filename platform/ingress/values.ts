// What the cluster model sets for the ingress controller on one cluster, and the checks on it.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';

export interface IngressValues {
  /** Two or more keep serving through a node drain (the chart then adds a PodDisruptionBudget). */
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
  /** `metallb` clusters: the address of the controller's LoadBalancer Service, from the cluster's `loadBalancerPool`. */
  address?: string;
}

const MAX_REPLICAS = 10;

export function validateIngress(values: IngressValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > MAX_REPLICAS) {
    fail('replicas', `must be a whole number from 2 to ${MAX_REPLICAS}, got ${JSON.stringify(values.replicas)}`);
  }
  if (!/^[1-9][0-9]*m?$/.test(values.requests?.cpu ?? ''))
    fail('requests.cpu', `${JSON.stringify(values.requests?.cpu)} is not a CPU quantity like 100m`);
  if (!/^[1-9][0-9]*(Mi|Gi)$/.test(values.requests?.memory ?? ''))
    fail('requests.memory', `${JSON.stringify(values.requests?.memory)} is not a memory quantity like 256Mi`);
  if (!/^[1-9][0-9]*(Mi|Gi)$/.test(values.memoryLimit ?? ''))
    fail('memoryLimit', `${JSON.stringify(values.memoryLimit)} is not a memory quantity like 512Mi`);
  if (cluster.ingress.loadBalancer === 'metallb') {
    if (values.address === undefined)
      fail('address', 'is missing: a metallb cluster needs the Service address from loadBalancerPool');
  } else if (values.address !== undefined) {
    fail('address', `the ${cluster.ingress.loadBalancer} load balancer picks its own address; remove it`);
  }
  return problems;
}
