// What the cluster model sets for the ingress controller on one cluster, and the checks on it.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';

export interface IngressValues {
  /** Two or more keep serving through a node drain (the chart then adds a PodDisruptionBudget). */
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
  /** `metallb` clusters: the address of the controller's LoadBalancer Service, from the cluster's `loadBalancerPool`. */
  address?: string;
}

export const INGRESS_KEYS: Shape = { replicas: true, ...RESOURCE_KEYS, address: true };

const MAX_REPLICAS = 10;

export function validateIngress(values: IngressValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > MAX_REPLICAS) {
    fail('replicas', `must be a whole number from 2 to ${MAX_REPLICAS}, got ${JSON.stringify(values.replicas)}`);
  }
  resourceProblems(values, '', fail);
  if (cluster.ingress.loadBalancer === 'metallb') {
    if (values.address === undefined)
      fail('address', 'is missing: a metallb cluster needs the Service address from loadBalancerPool');
  } else if (values.address !== undefined) {
    fail('address', `the ${cluster.ingress.loadBalancer} load balancer picks its own address; remove it`);
  }
  return problems;
}
