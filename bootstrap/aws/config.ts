// Stack settings: the cluster model (generators/estate/clusters.ts) plus the keys of Pulumi.<stack>.yaml, validated
// together before any resource is declared.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { contains, overlaps, parseCidr, type Cidr } from '../../generators/cidr';
import type { AwsCluster, DatabaseSites, Estate, VpnPeer } from '../../generators/model';
import { versions } from '../../generators/versions';
import { defaultPaths } from '../talos/paths';
import { awsAmiName } from '../talos/schematic';
import { type Arch, workerTypeProblems } from './worker-types';

export type { Arch } from './worker-types';

export const PROJECT = 'aws-bootstrap';
export const MODEL_FILE = 'generators/estate/clusters.ts';
/**
 * The nodes' AMI is this account's own: imported from the Image Factory disk image of the schematic that carries the
 * ECR credential provider (bootstrap/talos/schematic.ts), which Sidero's public AMIs lack (bootstrap/README.md).
 */
export const TALOS_AMI_OWNER = 'self';
/** S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** EC2 rejects user-data above 16 KB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;
/** AWS reserves the first four addresses and the last address of every subnet. */
const FIRST_USABLE_HOST = 4;

export type NatGateways = 'per-az' | 'single';

/** The `aws-bootstrap:*` keys of Pulumi.<stack>.yaml, as read (unvalidated). */
export interface StackConfig {
  onPremCluster?: unknown;
  network?: unknown;
  adminCidrs?: unknown;
  publicApi?: unknown;
  nodes?: unknown;
  talosOutDir?: unknown;
  talosControlPlaneConfig?: unknown;
  talosWorkerConfig?: unknown;
  preview?: unknown;
  failover?: unknown;
  grafana?: unknown;
}
export const STACK_CONFIG_KEYS: (keyof StackConfig)[] = [
  'onPremCluster',
  'network',
  'adminCidrs',
  'publicApi',
  'nodes',
  'talosOutDir',
  'talosControlPlaneConfig',
  'talosWorkerConfig',
  'preview',
  'failover',
  'grafana',
];
/** Keys set with `pulumi config set --secret`: they hold the Talos machine configs (cluster CA keys, tokens). */
export const SECRET_CONFIG_KEYS: (keyof StackConfig)[] = ['talosControlPlaneConfig', 'talosWorkerConfig'];

const TEXT_KEYS: (keyof StackConfig)[] = ['onPremCluster', 'talosOutDir', ...SECRET_CONFIG_KEYS];

/** The committed stack config as Pulumi hands it to the program: structured values as JSON text. */
export function stackFileConfig(stack: string): Record<string, string> {
  const path = join(import.meta.dirname, `Pulumi.${stack}.yaml`);
  if (!existsSync(path)) throw new ConfigError([`bootstrap/aws/Pulumi.${stack}.yaml: no such stack file`]);
  const file = parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

/**
 * The `aws-bootstrap:*` keys of the stack's config, as Pulumi hands it over (structured values as JSON text), parsed.
 * Machine configs and names stay text. Unknown keys are kept so validation can name them.
 */
export function readStackConfig(config: Record<string, string>): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    try {
      raw[key] = TEXT_KEYS.includes(key as keyof StackConfig) ? value : JSON.parse(value);
    } catch {
      raw[key] = value;
    }
  }
  return raw;
}

export interface Settings {
  stack: string;
  region: string;
  cluster: AwsCluster;
  onPrem: { name: string; nodeCidr: string; vpnPeer: VpnPeer };
  logArchive: Estate['logArchive'];
  /** The databases' sites: this stack creates their backup bucket. */
  database?: DatabaseSites;
  /** The app's public hostname and the Route 53 failover records in front of both sites' ingress. */
  failover?: Failover;
  vpcCidr: string;
  natGateways: NatGateways;
  /** One per AZ, in AZ order; `publicSubnets[i]` and `privateSubnets[i]` share AZ i. */
  publicSubnets: string[];
  privateSubnets: string[];
  adminCidrs: string[];
  /** On-prem side of the VPN: the on-prem node CIDR and the admin CIDRs, without duplicates. */
  vpnRoutes: string[];
  /** Internet-facing API load balancer open to 0.0.0.0/0 on 6443 (otherwise internal, admin/VPN CIDRs and nodes only). */
  publicApi: boolean;
  talos: { version: string; arch: Arch; amiName: string };
  controlPlane: { instanceType: string; privateIps: string[] };
  /**
   * The worker group. `desired` is its size at creation only: afterwards the cluster autoscaler owns it. Capacity up
   * to `onDemandBase` is on-demand, and `spotShare` percent of the capacity above it is Spot.
   */
  workers: {
    /** One size class (worker-types.ts); the first is the launch template's and the autoscaler's sizing basis. */
    instanceTypes: string[];
    min: number;
    max: number;
    desired: number;
    onDemandBase: number;
    spotShare: number;
  };
  rootVolumeGiB: number;
  /** Where bootstrap/talos gen-config wrote this cluster's files (repo-relative or absolute): the OIDC documents. */
  talosOutDir: string;
  /** Absent on the first `pulumi up` (network only); the Talos scripts set both, then nodes are declared. */
  machineConfigs?: { controlPlane: string; worker: string };
  /** What the pull-request preview reads besides the AWS APIs: the stack's S3 backend and its secrets key. */
  preview: { stateBucket: string; secretsKeyArn: string };
  grafana: GrafanaAuthentication;
}

/**
 * How people sign in to the Amazon Managed Grafana workspace (bootstrap/aws/analysis.ts). AWS_SSO: IAM Identity Center
 * of the account's organization, `adminGroupIds` its groups whose members administer the workspace. SAML: the
 * identity provider's metadata URL, the assertion attribute holding the role, and the values that make an admin.
 */
export type GrafanaAuthentication =
  | { provider: 'AWS_SSO'; adminGroupIds: string[] }
  | { provider: 'SAML'; idpMetadataUrl: string; roleAssertion: string; adminRoleValues: string[] };

export interface Failover {
  /** The public hosted zone that holds `hostname`. */
  zoneId: string;
  hostname: string;
  /** The public IPv4 address of each site's ingress (on aws: the Elastic IP of the ingress NLB), by cluster name. */
  endpoints: Record<string, string>;
  /** The site that the PRIMARY record answers with: `database.primarySite`. */
  primary: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid bootstrap/aws configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Fail = (field: string, message: string) => void;

function unknownKeys(value: object, known: readonly string[], fail: (key: string) => void): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) fail(key);
}

function record(value: unknown, field: string, fail: Fail, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) {
    fail(field, 'is missing');
    return {};
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(field, `must be an object, got ${JSON.stringify(value)}`);
    return {};
  }
  unknownKeys(value, known, (key) => fail(`${field}.${key}`, `is not a known setting (known: ${known.join(', ')})`));
  return value as Record<string, unknown>;
}

function integer(value: unknown, field: string, fail: Fail, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    fail(field, `must be an integer, got ${JSON.stringify(value)}`);
    return NaN;
  }
  if (value < min) fail(field, `must be at least ${min}, got ${value}`);
  return value;
}

function text(value: unknown, field: string, fail: Fail, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string' || value === '') {
    fail(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
    return '';
  }
  if (pattern && !pattern.test(value)) fail(field, `${JSON.stringify(value)} is not ${hint}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, fail: Fail, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function bool(value: unknown, field: string, fail: Fail): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(field, `must be true or false, got ${JSON.stringify(value)}`);
  return value === true;
}

function cidrList(value: unknown, field: string, fail: Fail): Cidr[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(field, `must be a non-empty list of IPv4 CIDRs, got ${JSON.stringify(value)}`);
    return [];
  }
  return value.flatMap((item, i) => {
    const cidr = typeof item === 'string' ? parseCidr(item) : undefined;
    if (!cidr)
      fail(`${field}[${i}]`, `${JSON.stringify(item)} is not an IPv4 CIDR with zero host bits (like 10.10.0.0/20)`);
    return cidr ? [cidr] : [];
  });
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);
const within = (outer: Cidr, inner: Cidr) => outer.first <= inner.first && inner.last <= outer.last;

function hostAddress(cidr: Cidr, hostNumber: number): string {
  const address = cidr.first + hostNumber;
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

function checkMachineConfig(value: string, role: 'controlplane' | 'worker', field: string, fail: Fail): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > USER_DATA_LIMIT_BYTES) {
    fail(
      field,
      `is ${bytes} bytes; EC2 user-data is limited to ${USER_DATA_LIMIT_BYTES} (generate it with --with-docs=false --with-examples=false)`,
    );
  }
  const type = /^machine:\n(?: {4}.*\n)*? {4}type: (\w+)$/m.exec(value)?.[1];
  if (type !== role)
    fail(field, `must be a Talos machine config of machine.type ${role}, got ${type ?? 'no machine.type'}`);
}

/**
 * `failover`: a hosted zone and one public address per database site; the hostname is the one every cluster's
 * task-tracker serves (`publicHostname` in the model), the primary is `database.primarySite`.
 */
function loadFailover(value: unknown, estate: Estate, fail: Fail, failModel: Fail): Failover | undefined {
  const failover = record(value, 'failover', fail, ['zoneId', 'endpoints']);
  const zoneId = text(failover.zoneId, 'failover.zoneId', fail, /^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id (Z…)');
  const primary = estate.database?.primarySite;
  if (!primary) {
    failModel('database.primarySite', 'is missing: the failover records need the primary site');
    return undefined;
  }
  const sites = estate.clusters.map((c) => c.name);
  const endpoints = record(failover.endpoints, 'failover.endpoints', fail, sites);
  for (const site of sites) {
    const address = endpoints[site];
    const ip = typeof address === 'string' ? parseCidr(`${address}/32`) : undefined;
    if (!ip || PRIVATE_RANGES.some((r) => contains(r, address as string)))
      fail(`failover.endpoints.${site}`, `${JSON.stringify(address)} is not a public IPv4 address of its ingress`);
  }
  const hostnames = [
    ...new Set(estate.clusters.map((c) => (c.apps as Record<string, any>)['task-tracker']?.publicHostname)),
  ];
  if (hostnames.length !== 1 || typeof hostnames[0] !== 'string') {
    failModel(
      'apps.task-tracker.publicHostname',
      `must be one hostname on every cluster, got ${hostnames.map((h) => JSON.stringify(h)).join(', ')}`,
    );
    return undefined;
  }
  return { zoneId, hostname: hostnames[0], endpoints: endpoints as Record<string, string>, primary };
}

/** Identity Center group ids: a UUID, maybe behind a 10-hex-digit directory prefix (Identity Store API, GroupId). */
const IDENTITY_STORE_ID = /^([0-9a-f]{10}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function textList(value: unknown, field: string, fail: Fail, pattern?: RegExp, hint?: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(field, `must be a non-empty list, got ${JSON.stringify(value)}`);
    return [];
  }
  return value.map((item, i) => text(item, `${field}[${i}]`, fail, pattern, hint));
}

function loadGrafana(value: unknown, fail: Fail): GrafanaAuthentication {
  const grafana = record(value, 'grafana', fail, ['authentication', 'adminGroupIds', 'saml']);
  const provider = oneOf(grafana.authentication, 'grafana.authentication', fail, ['AWS_SSO', 'SAML'] as const);
  const other = (key: string, used: string) => {
    if (grafana[key] !== undefined) fail(`grafana.${key}`, `is for authentication ${used}, not ${provider}`);
  };
  if (provider === 'SAML') {
    other('adminGroupIds', 'AWS_SSO');
    const saml = record(grafana.saml, 'grafana.saml', fail, ['idpMetadataUrl', 'roleAssertion', 'adminRoleValues']);
    return {
      provider,
      idpMetadataUrl: text(saml.idpMetadataUrl, 'grafana.saml.idpMetadataUrl', fail, /^https:\/\/\S+$/, 'an https URL'),
      roleAssertion: text(saml.roleAssertion, 'grafana.saml.roleAssertion', fail),
      adminRoleValues: textList(saml.adminRoleValues, 'grafana.saml.adminRoleValues', fail),
    };
  }
  other('saml', 'SAML');
  const adminGroupIds = textList(
    grafana.adminGroupIds,
    'grafana.adminGroupIds',
    fail,
    IDENTITY_STORE_ID,
    'an IAM Identity Center group id',
  );
  return { provider: 'AWS_SSO', adminGroupIds };
}

/**
 * The IRSA role ARNs in the model and in clusters/ name the cluster's `accountId` (generators/irsa.ts): the stack must
 * deploy into that account, or the pods would assume roles that do not exist.
 */
export function checkAccount(settings: Settings, deployingAccountId: string): void {
  const { name, accountId } = settings.cluster;
  if (deployingAccountId !== accountId) {
    throw new ConfigError([
      `${MODEL_FILE}: cluster "${name}" accountId ${accountId} is not the account of the deploying credentials (${deployingAccountId}): set it to that account and run npm run render (README "AWS bootstrap (Pulumi)")`,
    ]);
  }
}

/**
 * Validates the stack's config against the cluster model and returns the settings the program declares from.
 * Throws a ConfigError that lists every problem, each naming the file, the object and the field.
 */
export function loadSettings(stack: string, region: string | undefined, raw: StackConfig, estate: Estate): Settings {
  const problems: string[] = [];
  const stackFile = `Pulumi.${stack}.yaml`;
  const fail: Fail = (field, message) => problems.push(`${stackFile}: ${PROJECT}:${field} ${message}`);
  const failModel = (object: string, message: string) => problems.push(`${MODEL_FILE}: ${object} ${message}`);

  const cluster = estate.clusters.find((c): c is AwsCluster => c.name === stack && c.provider === 'aws');
  if (!cluster) {
    const names = estate.clusters.filter((c) => c.provider === 'aws').map((c) => c.name);
    throw new ConfigError([
      `${stackFile}: the stack name must be an aws cluster of ${MODEL_FILE} (one of ${names.join(', ') || 'none'}), got "${stack}"`,
    ]);
  }
  if (region !== cluster.region) {
    problems.push(
      `${stackFile}: aws:region must be the region of cluster "${cluster.name}" in ${MODEL_FILE} (${cluster.region}), got ${JSON.stringify(region)}`,
    );
  }
  if (estate.logArchive.region !== cluster.region) {
    failModel(
      'logArchive.region',
      `(${estate.logArchive.region}) must be the region of cluster "${cluster.name}" (${cluster.region}): this stack creates the bucket`,
    );
  }
  if (!Number.isInteger(estate.logArchive.retentionDays) || estate.logArchive.retentionDays < 31) {
    failModel(
      'logArchive.retentionDays',
      `must be an integer of at least 31 (objects move to STANDARD_IA after 30 days), got ${estate.logArchive.retentionDays}`,
    );
  }

  const modelCidr = (object: string, value: string) => {
    const cidr = parseCidr(value);
    if (!cidr) failModel(object, `${JSON.stringify(value)} is not an IPv4 CIDR with zero host bits`);
    return cidr;
  };
  const vpc = modelCidr(`cluster "${cluster.name}" network.nodeCidr (the VPC)`, cluster.network.nodeCidr);
  for (const key of ['podCidr', 'serviceCidr'] as const) {
    const other = modelCidr(`cluster "${cluster.name}" network.${key}`, cluster.network[key]);
    if (vpc && other && overlaps(vpc, other)) {
      failModel(
        `cluster "${cluster.name}" network.nodeCidr`,
        `(the VPC, ${vpc.text}) overlaps its network.${key} ${other.text}`,
      );
    }
  }

  const onPremName = text(raw.onPremCluster, 'onPremCluster', fail);
  const onPremCluster = estate.clusters.find((c) => c.name === onPremName);
  let onPrem: Settings['onPrem'] | undefined;
  if (onPremName && onPremCluster?.provider !== 'metal') {
    fail('onPremCluster', `must name a metal cluster of ${MODEL_FILE}, got "${onPremName}"`);
  } else if (onPremCluster?.provider === 'metal') {
    const peer = onPremCluster.vpnPeer;
    if (!peer)
      failModel(`cluster "${onPremName}" vpnPeer`, 'is missing: the VPN needs the site router address and ASN');
    else {
      if (!parseCidr(`${peer.publicIp}/32`) || PRIVATE_RANGES.some((r) => contains(r, peer.publicIp))) {
        failModel(
          `cluster "${onPremName}" vpnPeer.publicIp`,
          `${JSON.stringify(peer.publicIp)} is not a public IPv4 address`,
        );
      }
      if (!Number.isInteger(peer.bgpAsn) || peer.bgpAsn < 1 || peer.bgpAsn > 4294967295) {
        failModel(`cluster "${onPremName}" vpnPeer.bgpAsn`, `must be an ASN (1..4294967295), got ${peer.bgpAsn}`);
      }
      onPrem = { name: onPremName, nodeCidr: onPremCluster.network.nodeCidr, vpnPeer: peer };
    }
    const onPremNodes = modelCidr(`cluster "${onPremName}" network.nodeCidr`, onPremCluster.network.nodeCidr);
    if (vpc && onPremNodes && overlaps(vpc, onPremNodes)) {
      failModel(
        `cluster "${cluster.name}" network.nodeCidr`,
        `(the VPC, ${vpc.text}) overlaps the on-prem node CIDR ${onPremNodes.text} of cluster "${onPremName}" (the far side of the VPN)`,
      );
    }
  }

  unknownKeys(raw, STACK_CONFIG_KEYS, (key) =>
    fail(key, `is not a known setting (known: ${STACK_CONFIG_KEYS.join(', ')})`),
  );
  const network = record(raw.network, 'network', fail, ['azCount', 'natGateways', 'publicSubnets', 'privateSubnets']);
  const azCount = integer(network.azCount, 'network.azCount', fail, 0);
  if (azCount < 2) fail('network.azCount', `must be at least 2 for a highly available control plane, got ${azCount}`);
  const natGateways = oneOf(network.natGateways, 'network.natGateways', fail, ['per-az', 'single'] as const);
  const subnets = {
    publicSubnets: cidrList(network.publicSubnets, 'network.publicSubnets', fail),
    privateSubnets: cidrList(network.privateSubnets, 'network.privateSubnets', fail),
  };
  const allSubnets: { field: string; cidr: Cidr }[] = [];
  for (const [key, list] of Object.entries(subnets)) {
    if (Array.isArray(network[key]) && (network[key] as unknown[]).length !== azCount) {
      fail(`network.${key}`, `must list one subnet per AZ (${azCount}), got ${(network[key] as unknown[]).length}`);
    }
    list.forEach((cidr, i) => {
      const field = `network.${key}[${i}]`;
      if (vpc && !within(vpc, cidr))
        fail(
          field,
          `${cidr.text} is outside the VPC ${vpc.text} (${MODEL_FILE} cluster "${cluster.name}" network.nodeCidr)`,
        );
      for (const other of allSubnets)
        if (overlaps(cidr, other.cidr)) fail(field, `${cidr.text} overlaps ${other.field} ${other.cidr.text}`);
      allSubnets.push({ field, cidr });
    });
  }

  const adminCidrs = cidrList(raw.adminCidrs, 'adminCidrs', fail);
  adminCidrs.forEach((cidr, i) => {
    if (!PRIVATE_RANGES.some((range) => within(range, cidr))) {
      fail(
        `adminCidrs[${i}]`,
        `${cidr.text} is not a private range: admins reach the nodes over the VPN (set publicApi for an internet-facing API)`,
      );
    }
    if (vpc && overlaps(vpc, cidr))
      fail(
        `adminCidrs[${i}]`,
        `${cidr.text} overlaps the VPC ${vpc.text}: admin networks are on the on-prem side of the VPN`,
      );
  });

  const nodes = record(raw.nodes, 'nodes', fail, ['arch', 'rootVolumeGiB', 'controlPlane', 'workers']);
  const arch = oneOf(nodes.arch, 'nodes.arch', fail, ['amd64', 'arm64'] as const);
  const rootVolumeGiB = integer(nodes.rootVolumeGiB, 'nodes.rootVolumeGiB', fail, 10);
  const controlPlane = record(nodes.controlPlane, 'nodes.controlPlane', fail, ['count', 'instanceType', 'hostNumber']);
  const controlPlaneCount = integer(controlPlane.count, 'nodes.controlPlane.count', fail, 1);
  if (controlPlaneCount % 2 === 0)
    fail('nodes.controlPlane.count', `must be odd so etcd keeps a quorum, got ${controlPlaneCount}`);
  if (controlPlaneCount > azCount)
    fail(
      'nodes.controlPlane.count',
      `(${controlPlaneCount}) must not exceed network.azCount (${azCount}): one control plane per AZ`,
    );
  const hostNumber = integer(controlPlane.hostNumber, 'nodes.controlPlane.hostNumber', fail, FIRST_USABLE_HOST);
  const privateIps = subnets.privateSubnets.slice(0, controlPlaneCount).map((subnet, i) => {
    if (hostNumber >= subnet.last - subnet.first) {
      fail('nodes.controlPlane.hostNumber', `${hostNumber} is outside private subnet ${i} (${subnet.text})`);
    }
    return hostAddress(subnet, hostNumber);
  });
  const instanceType = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
  const controlPlaneType = text(
    controlPlane.instanceType,
    'nodes.controlPlane.instanceType',
    fail,
    instanceType,
    'an EC2 instance type',
  );
  const workers = record(nodes.workers, 'nodes.workers', fail, [
    'instanceTypes',
    'min',
    'max',
    'desired',
    'onDemandBase',
    'spotShare',
  ]);
  const workerTypes = Array.isArray(workers.instanceTypes)
    ? workers.instanceTypes.map((type, i) =>
        text(type, `nodes.workers.instanceTypes[${i}]`, fail, instanceType, 'an EC2 instance type'),
      )
    : [];
  if (workerTypes.length === 0)
    fail(
      'nodes.workers.instanceTypes',
      `must be a non-empty list of EC2 instance types, got ${JSON.stringify(workers.instanceTypes)}`,
    );
  for (const [i, message] of workerTypeProblems(workerTypes, arch))
    fail(i === undefined ? 'nodes.workers.instanceTypes' : `nodes.workers.instanceTypes[${i}]`, message);
  const min = integer(workers.min, 'nodes.workers.min', fail, 0);
  const max = integer(workers.max, 'nodes.workers.max', fail, 1);
  const desired = integer(workers.desired, 'nodes.workers.desired', fail, 0);
  if (min > max) fail('nodes.workers', `min (${min}) must not exceed max (${max})`);
  if (desired < min || desired > max)
    fail('nodes.workers.desired', `(${desired}) must lie between min (${min}) and max (${max})`);
  // Every node takes one address of a private subnet (pods take theirs from the pod CIDR); AWS keeps five per subnet.
  const nodeAddresses = subnets.privateSubnets.reduce((sum, s) => sum + s.last - s.first + 1 - 5, 0);
  if (max + controlPlaneCount > nodeAddresses)
    fail(
      'nodes.workers.max',
      `(${max}) plus ${controlPlaneCount} control planes exceeds the ${nodeAddresses} node addresses of network.privateSubnets`,
    );
  const onDemandBase = integer(workers.onDemandBase, 'nodes.workers.onDemandBase', fail, 0);
  if (onDemandBase > max) fail('nodes.workers.onDemandBase', `(${onDemandBase}) must not exceed max (${max})`);
  const spotShare = integer(workers.spotShare, 'nodes.workers.spotShare', fail, 0);
  if (spotShare > 100) fail('nodes.workers.spotShare', `is a percentage of 0 to 100, got ${spotShare}`);

  const talosOutDir =
    raw.talosOutDir === undefined ? defaultPaths(cluster).out : text(raw.talosOutDir, 'talosOutDir', fail);

  let machineConfigs: Settings['machineConfigs'];
  const cpConfig = raw.talosControlPlaneConfig;
  const workerConfig = raw.talosWorkerConfig;
  if ((cpConfig === undefined) !== (workerConfig === undefined)) {
    fail(
      cpConfig === undefined ? 'talosControlPlaneConfig' : 'talosWorkerConfig',
      'is missing: set both machine configs (the Talos scripts do) or neither',
    );
  } else if (cpConfig !== undefined) {
    const controlPlaneConfig = text(cpConfig, 'talosControlPlaneConfig', fail);
    const workerConfigText = text(workerConfig, 'talosWorkerConfig', fail);
    checkMachineConfig(controlPlaneConfig, 'controlplane', 'talosControlPlaneConfig', fail);
    checkMachineConfig(workerConfigText, 'worker', 'talosWorkerConfig', fail);
    machineConfigs = { controlPlane: controlPlaneConfig, worker: workerConfigText };
  }

  const preview = record(raw.preview, 'preview', fail, ['stateBucket', 'secretsKeyArn']);
  const stateBucket = text(preview.stateBucket, 'preview.stateBucket', fail, BUCKET_NAME, 'an S3 bucket name');
  const keyArn = new RegExp(`^arn:aws:kms:${cluster.region}:${cluster.accountId}:key/[0-9a-f-]{36}$`);
  const secretsKeyArn = text(
    preview.secretsKeyArn,
    'preview.secretsKeyArn',
    fail,
    keyArn,
    `a KMS key ARN in ${cluster.region} of account ${cluster.accountId} (the stack's awskms:// secrets provider)`,
  );

  const publicApi = bool(raw.publicApi, 'publicApi', fail);
  const database = estate.database;
  if (database && database.backups.region !== cluster.region) {
    failModel(
      'database.backups.region',
      `(${database.backups.region}) must be the region of cluster "${cluster.name}" (${cluster.region}): this stack creates the bucket`,
    );
  }
  const failover = raw.failover === undefined ? undefined : loadFailover(raw.failover, estate, fail, failModel);
  const grafana = loadGrafana(raw.grafana, fail);
  if (problems.length || !onPrem) throw new ConfigError(problems);
  const vpnRoutes = [...new Set([onPrem.nodeCidr, ...adminCidrs.map((c) => c.text)])];
  return {
    stack,
    region: cluster.region,
    cluster,
    onPrem,
    logArchive: estate.logArchive,
    database,
    failover,
    vpcCidr: cluster.network.nodeCidr,
    natGateways,
    publicSubnets: subnets.publicSubnets.map((c) => c.text),
    privateSubnets: subnets.privateSubnets.map((c) => c.text),
    adminCidrs: adminCidrs.map((c) => c.text),
    vpnRoutes,
    publicApi,
    talos: { version: versions.talos, arch, amiName: awsAmiName(arch) },
    controlPlane: { instanceType: controlPlaneType, privateIps },
    workers: { instanceTypes: workerTypes, min, max, desired, onDemandBase, spotShare },
    rootVolumeGiB,
    talosOutDir,
    machineConfigs,
    preview: { stateBucket, secretsKeyArn },
    grafana,
  };
}
