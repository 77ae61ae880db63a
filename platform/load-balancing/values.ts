// What the cluster model sets for MetalLB on a metallb cluster, and the checks on it.
import { parseCidr } from '../../generators/cidr';
import type { Cluster } from '../../generators/clusters';
import type { Problem } from '../../generators/component';

export interface LoadBalancingValues {
  /** The node interfaces that answer ARP for pool addresses (layer 2 mode). */
  interfaces?: string[];
}

/** Linux interface names: at most 15 characters. */
const INTERFACE = /^[a-z][a-z0-9._-]{0,14}$/;

/** Every address that a component asks MetalLB for, by the model field that asks. */
export function requestedAddresses(cluster: Cluster): { field: string; address: string }[] {
  const requested: { field: string; address: string }[] = [];
  const federation = cluster.platform.monitoring?.federation;
  if (federation?.role === 'source') requested.push({ field: 'platform.monitoring.federation.endpoint.address', address: federation.endpoint.address });
  const ingress = cluster.platform.ingress?.address;
  if (ingress !== undefined) requested.push({ field: 'platform.ingress.address', address: ingress });
  return requested;
}

/** Why `address` cannot come from the cluster's MetalLB pool, or undefined when it can. */
export function outsidePool(cluster: Cluster, address: string): string | undefined {
  if (cluster.provider !== 'metal') return `the cluster has no MetalLB pool (ingress.loadBalancer is ${cluster.ingress.loadBalancer})`;
  const { first, last } = cluster.loadBalancerPool;
  const value = (ip: string) => parseCidr(`${ip}/32`)?.first;
  const at = value(address);
  if (at === undefined) return `${JSON.stringify(address)} is not an IPv4 address`;
  return at >= value(first)! && at <= value(last)! ? undefined : `${address} is outside loadBalancerPool ${first}-${last}`;
}

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
  if (!Array.isArray(values.interfaces) || values.interfaces.length === 0) fail('interfaces', 'must list the node interfaces that announce pool addresses, e.g. ["enp1s0"]');
  else values.interfaces.forEach((name, i) => INTERFACE.test(name) || fail(`interfaces[${i}]`, `${JSON.stringify(name)} is not a network interface name`));
  const seen = new Map<string, string>();
  for (const { field, address } of requestedAddresses(cluster)) {
    const problem = outsidePool(cluster, address);
    if (problem) fail('pool', `${field}: ${problem} (generators/clusters.ts)`);
    const other = seen.get(address);
    if (other) fail('pool', `${field} and ${other} both ask for ${address}`);
    seen.set(address, field);
  }
  return problems;
}
