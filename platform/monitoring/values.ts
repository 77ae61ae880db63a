// What the cluster model says about monitoring on one cluster, and the checks on it.
import { contains, parseCidr } from '../../generators/cidr';
import type { Cluster, Estate } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { leaves, RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';

export interface PrometheusValues {
  /** How long samples are kept, e.g. `15d`. Prometheus also stops at 85% of `storageGi`. */
  retention: string;
  /** Size of the PersistentVolumeClaim, on the cluster's storage class. */
  storageGi: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

/** The central cluster federates the aggregates of each source cluster and runs Grafana. */
export interface CentralFederation {
  role: 'central';
  sources: FederationScrape[];
  /** Where Grafana is served: a host under the cluster's domain, through this Gateway listener (platform/gateway). */
  grafana: { hostname: string; listener: string };
}

export interface FederationScrape {
  /** Name of a cluster whose monitoring role is `source`. */
  cluster: string;
  interval: string;
  timeout: string;
  /** The scrape fails (and alerts) above this many samples; keep it well above what the aggregates produce. */
  sampleLimit: number;
}

/** A source cluster records aggregates and exposes /federate, over mTLS, to the central clusters only. */
export interface SourceFederation {
  role: 'source';
  endpoint: FederationEndpoint;
}

export interface FederationEndpoint {
  /** DNS name under the cluster's domain; the server certificate is issued for it and clients verify it. */
  hostname: string;
  /** LoadBalancer address in the cluster's node network, reached over the VPN. */
  address: string;
  port: number;
}

/**
 * Where an aws cluster's Prometheus remote-writes everything it holds (its own series and the federated aggregates):
 * the Amazon Managed Service for Prometheus workspace that bootstrap/aws declares. Its id is known only after the first
 * `pulumi up` (output `analysis.prometheusEndpoint`); `pulumi up` fails while the two differ.
 */
export interface RemoteWrite {
  workspaceId: string;
}

export interface MonitoringValues {
  prometheus: PrometheusValues;
  federation: CentralFederation | SourceFederation;
  /** Required on aws clusters, absent elsewhere (the workspace is in the aws cluster's account and region). */
  remoteWrite?: RemoteWrite;
}

/** AMP workspace ids: `ws-` and a UUID (Amazon Managed Service for Prometheus API Reference, CreateWorkspace). */
export const WORKSPACE_ID = /^ws-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DURATION = /^[1-9][0-9]*(s|m|h|d|w)$/;

export const MONITORING_KEYS: Shape = {
  prometheus: { retention: true, storageGi: true, ...RESOURCE_KEYS },
  federation: {
    role: true,
    sources: [leaves('cluster', 'interval', 'timeout', 'sampleLimit')],
    endpoint: leaves('hostname', 'address', 'port'),
    grafana: leaves('hostname', 'listener'),
  },
  remoteWrite: leaves('workspaceId'),
};

/** Seconds in a Prometheus duration such as `30s` or `2m`. */
export function seconds(duration: string): number {
  const m = /^([0-9]+)(s|m|h|d|w)$/.exec(duration);
  if (!m) throw new Error(`"${duration}" is not a duration like 30s or 2m`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}

/** The monitoring values of the named cluster, if it runs monitoring. */
export function monitoringOf(
  estate: Estate,
  clusterName: string,
): { cluster: Cluster; values: MonitoringValues } | undefined {
  const cluster = estate.clusters.find((c) => c.name === clusterName);
  const values = cluster?.platform.monitoring as MonitoringValues | undefined;
  return cluster && values ? { cluster, values } : undefined;
}

/** The central clusters that federate `source`. */
export function centralsOf(estate: Estate, source: string): Cluster[] {
  return estate.clusters.filter((c) => {
    const federation = (c.platform.monitoring as MonitoringValues | undefined)?.federation;
    return federation?.role === 'central' && federation.sources.some((s) => s.cluster === source);
  });
}

export function validateMonitoring(values: MonitoringValues, cluster: Cluster, estate: Estate): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  const p = values.prometheus;
  if (!DURATION.test(p?.retention ?? ''))
    fail('prometheus.retention', `${JSON.stringify(p?.retention)} is not a duration like 15d`);
  if (!Number.isInteger(p?.storageGi) || p.storageGi < 5)
    fail('prometheus.storageGi', 'must be a whole number of GiB, at least 5');
  resourceProblems(p, 'prometheus', fail);
  if (cluster.provider === 'aws' && !WORKSPACE_ID.test(values.remoteWrite?.workspaceId ?? ''))
    fail(
      'remoteWrite.workspaceId',
      `${JSON.stringify(values.remoteWrite?.workspaceId)} is not an AMP workspace id (ws-<uuid>): set the id of the ` +
        'stack output analysis.prometheusEndpoint (bootstrap/aws); aws clusters remote-write there',
    );
  if (cluster.provider !== 'aws' && values.remoteWrite !== undefined)
    fail('remoteWrite', 'is for aws clusters only: the workspace is in their account and region');

  const federation = values.federation;
  if (federation?.role === 'source') {
    const { hostname, address, port } = federation.endpoint ?? ({} as FederationEndpoint);
    if (typeof hostname !== 'string' || !hostname.endsWith(`.${cluster.domain}`)) {
      fail(
        'federation.endpoint.hostname',
        `${JSON.stringify(hostname)} must be a host under the cluster domain ${cluster.domain}`,
      );
    }
    const nodes = parseCidr(cluster.network.nodeCidr);
    if (typeof address !== 'string' || !nodes || !contains(nodes, address)) {
      fail(
        'federation.endpoint.address',
        `${JSON.stringify(address)} must be an address in the node network ${cluster.network.nodeCidr}`,
      );
    }
    if (!Number.isInteger(port) || port < 1024 || port > 65535)
      fail('federation.endpoint.port', 'must be a port from 1024 to 65535');
    if (centralsOf(estate, cluster.name).length === 0)
      fail('federation', "no central cluster federates this source; add it to a central cluster's federation.sources");
  } else if (federation?.role === 'central') {
    const grafana = federation.grafana ?? ({} as CentralFederation['grafana']);
    if (typeof grafana.hostname !== 'string' || !grafana.hostname.endsWith(`.${cluster.domain}`))
      fail('federation.grafana.hostname', `${JSON.stringify(grafana.hostname)} must be a host under ${cluster.domain}`);
    if (typeof grafana.listener !== 'string' || grafana.listener === '')
      fail('federation.grafana.listener', 'must name the Gateway listener Grafana is served through');
    (federation.sources ?? []).forEach((s, i) => {
      const field = `federation.sources[${i}]`;
      const source = monitoringOf(estate, s.cluster);
      if (source?.values.federation.role !== 'source')
        fail(`${field}.cluster`, `${JSON.stringify(s.cluster)} is not a cluster whose monitoring role is source`);
      if (!DURATION.test(s.interval ?? ''))
        fail(`${field}.interval`, `${JSON.stringify(s.interval)} is not a duration like 30s`);
      if (!DURATION.test(s.timeout ?? ''))
        fail(`${field}.timeout`, `${JSON.stringify(s.timeout)} is not a duration like 10s`);
      else if (DURATION.test(s.interval ?? '') && seconds(s.timeout) >= seconds(s.interval))
        fail(`${field}.timeout`, `${s.timeout} must be shorter than the interval ${s.interval}`);
      if (!Number.isInteger(s.sampleLimit) || s.sampleLimit < 1)
        fail(`${field}.sampleLimit`, 'must be a positive whole number');
    });
  } else {
    fail(
      'federation.role',
      `${JSON.stringify((federation as { role?: unknown })?.role)} is unknown; use central or source`,
    );
  }
  return problems;
}
