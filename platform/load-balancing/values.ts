// What the cluster model sets for MetalLB on a metallb cluster, and the checks on it. The addresses components ask
// for are checked against the pool by the model check (`Component.addresses`).
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { leaves } from '../../generators/shape';

export interface LoadBalancingValues {
  /** The node interfaces that answer ARP for pool addresses (layer 2 mode). */
  interfaces?: string[];
}

export const LOAD_BALANCING_KEYS = leaves('interfaces');

/** Linux interface names: at most 15 characters. */
const INTERFACE = /^[a-z][a-z0-9._-]{0,14}$/;

export function validateLoadBalancing(values: LoadBalancingValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (cluster.ingress.loadBalancer !== 'metallb') {
    fail(
      '',
      `this component is MetalLB, for metallb clusters only: on this ${cluster.ingress.loadBalancer} cluster the AWS cloud controller manager ` +
        'that Talos installs (bootstrap/talos/cloud-controller-manager.ts) gives LoadBalancer Services their NLB; remove load-balancing from its platform',
    );
    return problems;
  }
  if (!Array.isArray(values.interfaces) || values.interfaces.length === 0)
    fail('interfaces', 'must list the node interfaces that announce pool addresses, e.g. ["enp1s0"]');
  else
    values.interfaces.forEach(
      (name, i) =>
        INTERFACE.test(name) || fail(`interfaces[${i}]`, `${JSON.stringify(name)} is not a network interface name`),
    );
  return problems;
}
