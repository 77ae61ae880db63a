// What the cluster model sets for the edge on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import type { Cluster } from '../../generators/model';
import { leaves, RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';
import { LISTENER_NAME } from './api';

export interface Listener {
  /** Names the HTTPS listener `https-<name>`; an app's route names it (platform/gateway/api.ts `httpRoute`). */
  name: string;
  /** The one host it serves, under the cluster's `domain`; the Gateway's certificate covers it. */
  hostname: string;
  /** The only namespace whose HTTPRoutes may attach to it. */
  namespace: string;
  /**
   * A name every site serves, which the Route 53 failover records resolve to the primary site (bootstrap/aws
   * failover.ts), so it lies outside the cluster's domain. @default false
   */
  failover?: boolean;
}

export interface GatewayValues {
  /** Envoy proxy replicas: two or more keep serving through a node drain. */
  replicas: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
  /** `metallb` clusters: the address of the Envoy Service, from the cluster's `loadBalancerPool`. */
  address?: string;
  /** `aws-nlb` clusters: whether the NLB the cloud controller creates is reachable from the internet. */
  scheme?: 'internet-facing' | 'internal';
  listeners: Listener[];
  /** Requests a minute one client address may make through each Envoy replica; more get 429. */
  requestsPerMinute: number;
  /** Largest request body the Gateway buffers; a larger one gets 413 (a Kubernetes quantity, e.g. "64Ki"). */
  maxRequestBody: string;
}

export const GATEWAY_KEYS: Shape = {
  replicas: true,
  ...RESOURCE_KEYS,
  address: true,
  scheme: true,
  listeners: [leaves('name', 'hostname', 'namespace', 'failover')],
  requestsPerMinute: true,
  maxRequestBody: true,
};

const MAX_REPLICAS = 10;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/;
const HOSTNAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
/** BackendTrafficPolicy's requestBuffer.limit pattern (api/v1alpha1/backendtrafficpolicy_types.go, v1.9.1). */
const BODY_LIMIT = /^[1-9][0-9]*(Ki|Mi)$/;
const SCHEMES = ['internet-facing', 'internal'];

function listenerProblems(values: GatewayValues, cluster: Cluster, fail: (f: string, m: string) => void): void {
  if (!Array.isArray(values.listeners) || values.listeners.length === 0) {
    fail('listeners', 'must list at least one listener { name, hostname, namespace }');
    return;
  }
  const seen = { name: new Set<string>(), hostname: new Set<string>() };
  values.listeners.forEach((l, i) => {
    const at = `listeners[${i}]`;
    if (typeof l.name !== 'string' || !LISTENER_NAME.test(l.name))
      fail(`${at}.name`, `must be a DNS label of at most 42 characters, got ${JSON.stringify(l.name)}`);
    if (typeof l.hostname !== 'string' || !HOSTNAME.test(l.hostname))
      fail(`${at}.hostname`, `must be a DNS name, got ${JSON.stringify(l.hostname)}`);
    else if (l.failover !== undefined && typeof l.failover !== 'boolean')
      fail(`${at}.failover`, `must be true or false, got ${JSON.stringify(l.failover)}`);
    else if (!l.failover && !l.hostname.endsWith(`.${cluster.domain}`))
      fail(
        `${at}.hostname`,
        `"${l.hostname}" is not under the cluster's domain ${cluster.domain} (a name every site serves sets failover)`,
      );
    if (typeof l.namespace !== 'string' || !DNS_LABEL.test(l.namespace))
      fail(`${at}.namespace`, `must be a namespace name, got ${JSON.stringify(l.namespace)}`);
    for (const key of ['name', 'hostname'] as const) {
      if (seen[key].has(l[key])) fail(`${at}.${key}`, `${JSON.stringify(l[key])} is already another listener's`);
      seen[key].add(l[key]);
    }
  });
}

export function validateGateway(values: GatewayValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (!Number.isInteger(values.replicas) || values.replicas < 2 || values.replicas > MAX_REPLICAS) {
    fail('replicas', `must be a whole number from 2 to ${MAX_REPLICAS}, got ${JSON.stringify(values.replicas)}`);
  }
  resourceProblems(values, '', fail);
  if (cluster.ingress.loadBalancer === 'metallb') {
    if (values.address === undefined)
      fail('address', 'is missing: a metallb cluster needs the Service address from loadBalancerPool');
    if (values.scheme !== undefined) fail('scheme', 'is for aws-nlb clusters; a MetalLB address is on the site LAN');
  } else {
    if (values.address !== undefined)
      fail('address', `the ${cluster.ingress.loadBalancer} load balancer picks its own address; remove it`);
    if (!SCHEMES.includes(values.scheme as string))
      fail('scheme', `must be one of ${SCHEMES.join(', ')}, got ${JSON.stringify(values.scheme)}`);
  }
  listenerProblems(values, cluster, fail);
  if (!Number.isInteger(values.requestsPerMinute) || values.requestsPerMinute < 1 || values.requestsPerMinute > 100_000)
    fail(
      'requestsPerMinute',
      `must be a whole number from 1 to 100000, got ${JSON.stringify(values.requestsPerMinute)}`,
    );
  if (typeof values.maxRequestBody !== 'string' || !BODY_LIMIT.test(values.maxRequestBody))
    fail('maxRequestBody', `must be a size like "64Ki" or "1Mi", got ${JSON.stringify(values.maxRequestBody)}`);
  return problems;
}
