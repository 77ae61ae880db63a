import { contains, overlaps, parseCidr, type Cidr } from './cidr';
import { versionOf, type Catalogue, type Problem } from './component';
import { IMAGE_REGISTRIES, type Cluster, type Estate } from './model';
import { installed } from './registries';
import { leaves, unknownKeys, type Shape } from './shape';
import { versions } from './versions';
import { labelValueProblem, versionProblems } from './versions-check';

export const MODEL_FILE = 'generators/estate/clusters.ts';

export class ModelError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid cluster model (${MODEL_FILE}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ModelError';
  }
}

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
/** The issuer is served from the root of its host: the OIDC documents are objects at the root of bootstrap/aws's bucket. */
const ISSUER_URL = /^https:\/\/([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const INTERFACE = /^[a-z][a-z0-9._-]{0,14}$/;
const PROVIDERS = { aws: 'region', metal: 'site' } as const;
const LOAD_BALANCERS = { aws: 'aws-nlb', metal: 'metallb' } as const;

type Check = (field: string, message: string) => void;

const TALOS: Shape = {
  cni: leaves('name'),
  install: { disk: true, diskSelector: leaves('type', 'size', 'model') },
};
const CLUSTER: Shape = {
  ...leaves('name', 'provider', 'kubernetesVersion', 'registry', 'domain', 'storageClass', 'platform', 'apps'),
  ingress: leaves('className', 'controllerNamespace', 'loadBalancer'),
  network: leaves('nodeCidr', 'podCidr', 'serviceCidr'),
  flux: leaves('path', 'ageRecipient'),
  talos: TALOS,
};
/** The keys of each kind of cluster (generators/model.ts): any other is a typo that the model check names. */
const CLUSTER_SHAPES: Record<keyof typeof PROVIDERS, Shape> = {
  aws: { ...CLUSTER, ...leaves('region', 'accountId', 'serviceAccountIssuer') },
  metal: {
    ...CLUSTER,
    site: true,
    vpnPeer: leaves('publicIp', 'bgpAsn'),
    loadBalancerPool: leaves('first', 'last'),
    talos: { ...TALOS, endpoint: true, vip: leaves('address', 'link') },
  },
};
const ESTATE: Shape = {
  repository: leaves('url', 'branch'),
  logArchive: leaves('bucket', 'region', 'retentionDays'),
  database: { primarySite: true, backups: leaves('bucket', 'region', 'retentionDays') },
  clusters: true,
};
/** The sections a cluster's checks and its components read: without them nothing else can be checked. */
const SECTIONS = ['ingress', 'network', 'flux', 'talos'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Whether an age recipient's bech32 checksum (BIP 173, which age uses with the prefix "age") holds. */
export function bech32ChecksumHolds(text: string): boolean {
  const at = text.lastIndexOf('1');
  const prefix = text.slice(0, at);
  const data = [...text.slice(at + 1)].map((c) => BECH32.indexOf(c));
  if (at < 1 || data.length < 6 || data.includes(-1)) return false;
  const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let check = 1;
  const values = [
    ...[...prefix].map((c) => c.charCodeAt(0) >> 5),
    0,
    ...[...prefix].map((c) => c.charCodeAt(0) & 31),
    ...data,
  ];
  for (const v of values) {
    const top = check >> 25;
    check = ((check & 0x1ffffff) << 5) ^ v;
    GENERATORS.forEach((g, i) => {
      if ((top >> i) & 1) check ^= g;
    });
  }
  return check === 1;
}

/**
 * Validate fetches the schemas of `k8s.io/kubernetes@v<version>` from the Go module proxy, which a render cannot
 * reach: so a version is accepted when it is of the pinned minor (`versions.kubernetes`) and not newer than the pin,
 * whose patch releases all exist. A newer or other release is a bump of the pin (Renovate proposes it).
 */
function kubernetesVersionProblem(version: string): string | undefined {
  const [major, minor, patch] = version.split('.').map(Number);
  const [pinMajor, pinMinor, pinPatch] = versions.kubernetes.split('.').map(Number);
  if (major === pinMajor && minor === pinMinor && patch! <= pinPatch!) return undefined;
  return (
    `${version} is not a Kubernetes release of the pinned family: generators/versions.ts pins kubernetes ` +
    `${versions.kubernetes}, so use ${pinMajor}.${pinMinor}.0 to ${versions.kubernetes} (to move on, bump the pin)`
  );
}

/** The control-plane VIP and the endpoint that points at it (bootstrap/talos reads both). */
function checkMetalTalos(talos: Record<string, any>, fail: Check): void {
  const vip = talos.vip;
  if (!isObject(vip)) fail('talos.vip', "is missing: give { address, link } of the control planes' shared address");
  else {
    text(vip.address, 'talos.vip.address', fail, IPV4, 'an IPv4 address');
    text(vip.link, 'talos.vip.link', fail, INTERFACE, 'a network interface name');
  }
  if (!text(talos.endpoint, 'talos.endpoint', fail)) return;
  let url: URL | undefined;
  try {
    url = new URL(talos.endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || !/^https:\/\/[^/]+:6443$/.test(talos.endpoint)) {
    fail(
      'talos.endpoint',
      `${JSON.stringify(talos.endpoint)} is not https://<VIP>:6443 (the scheme and port are required)`,
    );
  } else if (isObject(vip) && url.hostname !== vip.address) {
    fail('talos.endpoint', `${talos.endpoint} does not point at the VIP ${vip.address}`);
  }
}

function checkTalos(c: Record<string, any>, fail: Check): void {
  const talos = c.talos as Record<string, any>;
  if (talos.cni?.name !== 'calico')
    fail('talos.cni.name', `${JSON.stringify(talos.cni?.name)} is not a supported CNI; use calico`);
  const install = talos.install;
  if (!isObject(install) || 'disk' in install === 'diskSelector' in install) {
    fail('talos.install', 'must be either { disk: "/dev/…" } or { diskSelector: { … } }');
  } else if ('disk' in install)
    text(install.disk, 'talos.install.disk', fail, /^\/dev\/\S+$/, 'a device path like /dev/sda');
  if (c.provider === 'metal') checkMetalTalos(talos, fail);
}

function text(value: unknown, field: string, fail: Check, pattern?: RegExp, hint?: string): value is string {
  if (value === undefined || value === null || value === '') {
    fail(field, 'is missing');
    return false;
  }
  if (typeof value !== 'string') {
    fail(field, `must be a string, got ${JSON.stringify(value)}`);
    return false;
  }
  if (pattern && !pattern.test(value)) {
    fail(field, `${JSON.stringify(value)} is not ${hint}`);
    return false;
  }
  return true;
}

function checkComponents(
  kind: 'platform' | 'apps',
  values: unknown,
  known: Catalogue['platform'],
  cluster: Cluster,
  estate: Estate,
  fail: Check,
): void {
  if (!isObject(values)) return;
  for (const [name, componentValues] of Object.entries(values)) {
    const component = known[name];
    if (!component) {
      fail(
        `${kind}.${name}`,
        `unknown ${kind === 'apps' ? 'app' : 'platform component'}; known: ${Object.keys(known).sort().join(', ') || 'none'}`,
      );
      continue;
    }
    if (!isObject(componentValues)) {
      fail(`${kind}.${name}`, 'must be an object of values');
      continue;
    }
    unknownKeys(componentValues, component.keys, `${kind}.${name}`, fail);
    const version = labelValueProblem(versionOf(component, cluster));
    if (version) fail(`${kind}.${name}`, `the component's version ${version}`);
    let problems: Problem[];
    try {
      problems = component.validate(componentValues, cluster, estate);
    } catch (error) {
      // A value of the wrong type can still throw inside a component's checks: name the values, not the line.
      problems = [
        {
          field: '',
          message: `cannot be checked: ${(error as Error).message}; compare them with the component's values type`,
        },
      ];
    }
    for (const p of problems) fail([kind, name, p.field].filter(Boolean).join('.'), p.message);
  }
}

/** Why `address` cannot come from the cluster's load-balancer pool, or undefined when it can. */
export function outsidePool(cluster: Cluster, address: string): string | undefined {
  if (cluster.provider !== 'metal') return `the cluster has no load-balancer pool (provider ${cluster.provider})`;
  const { first, last } = cluster.loadBalancerPool;
  const value = (ip: string) => parseCidr(`${ip}/32`)?.first;
  const at = value(address);
  if (at === undefined) return `${JSON.stringify(address)} is not an IPv4 address`;
  return at >= value(first)! && at <= value(last)!
    ? undefined
    : `${address} is outside loadBalancerPool ${first}-${last}`;
}

/** Every address a component asks for (`Component.addresses`) comes from the pool, and no two ask for the same. */
function checkAddresses(cluster: Cluster, catalogue: Catalogue, fail: Check): void {
  const taken = new Map<string, string>();
  for (const { component, values } of installed(cluster, catalogue)) {
    const kind = component.name in catalogue.apps ? 'apps' : 'platform';
    for (const { field, address } of component.addresses?.(values, cluster) ?? []) {
      const at = `${kind}.${component.name}.${field}`;
      const problem = outsidePool(cluster, address);
      if (problem) fail(at, problem);
      const other = taken.get(address);
      if (other) fail(at, `asks for ${address}, which ${other} already takes`);
      taken.set(address, at);
    }
  }
}

/** The pool lies inside the node network, in order, and clear of the control-plane VIP. */
function checkLoadBalancerPool(c: Record<string, any>, fail: Check): void {
  const pool = c.loadBalancerPool;
  const address = (key: 'first' | 'last') => {
    const value = pool?.[key];
    const parsed = typeof value === 'string' ? parseCidr(`${value}/32`) : undefined;
    if (!parsed) fail(`loadBalancerPool.${key}`, `${JSON.stringify(value)} is not an IPv4 address`);
    return parsed?.first;
  };
  const first = address('first');
  const last = address('last');
  if (first === undefined || last === undefined) return;
  const range = `${pool.first}-${pool.last}`;
  if (first > last) fail('loadBalancerPool', `${range} is empty: first must not come after last`);
  const nodes = parseCidr(c.network?.nodeCidr ?? '');
  if (nodes && !(contains(nodes, pool.first) && contains(nodes, pool.last))) {
    fail('loadBalancerPool', `${range} is not inside the node network ${nodes.text}`);
  }
  const vip = parseCidr(`${c.talos?.vip?.address}/32`)?.first;
  if (vip !== undefined && first <= vip && vip <= last)
    fail('loadBalancerPool', `${range} contains the control-plane VIP ${c.talos.vip.address}`);
}

function checkRegistry(c: Record<string, any>, fail: Check): void {
  if (!IMAGE_REGISTRIES.includes(c.registry)) {
    fail('registry', `${JSON.stringify(c.registry)} is unknown; use one of ${IMAGE_REGISTRIES.join(', ')}`);
  } else if (c.registry === 'ecr' && c.provider !== 'aws') {
    // The nodes would have neither the ECR credential provider nor an instance role to pull with.
    fail('registry', `"ecr" is the registry of an aws cluster's own account; a ${c.provider} cluster pulls from ghcr`);
  }
}

/** Whether the cluster has what its components' checks read; their checks run only when every cluster has. */
function isSound(cluster: unknown): boolean {
  if (!isObject(cluster) || !(String(cluster.provider) in PROVIDERS)) return false;
  return [...SECTIONS, 'platform', 'apps'].every((section) => isObject(cluster[section]));
}

function checkComponentsOf(cluster: Cluster, estate: Estate, catalogue: Catalogue, fail: Check): void {
  checkComponents('platform', cluster.platform, catalogue.platform, cluster, estate, fail);
  checkComponents('apps', cluster.apps, catalogue.apps, cluster, estate, fail);
  checkAddresses(cluster, catalogue, fail);
}

function checkCluster(cluster: Cluster, fail: Check): void {
  if (!isObject(cluster)) {
    fail('', `must be a cluster object, got ${JSON.stringify(cluster)}`);
    return;
  }
  const c = cluster as unknown as Record<string, any>;
  text(c.name, 'name', fail, DNS_LABEL, 'a DNS label (lowercase letters, digits, "-")');
  const provider = c.provider as keyof typeof PROVIDERS;
  if (!(provider in PROVIDERS)) {
    fail('provider', `${JSON.stringify(c.provider)} is unknown; use one of ${Object.keys(PROVIDERS).join(', ')}`);
  } else {
    text(c[PROVIDERS[provider]], PROVIDERS[provider], fail);
    unknownKeys(c, CLUSTER_SHAPES[provider], '', fail);
  }
  const absent = SECTIONS.filter((section) => !isObject(c[section]));
  for (const section of absent) fail(section, `is missing or not an object (see generators/model.ts for its fields)`);
  if (absent.length || !(provider in PROVIDERS)) return;
  checkTalos(c, fail);
  if (provider === 'aws') {
    text(c.accountId, 'accountId', fail, /^\d{12}$/, 'a 12-digit AWS account id');
    text(
      c.serviceAccountIssuer,
      'serviceAccountIssuer',
      fail,
      ISSUER_URL,
      'an https URL of a host alone (no path, port or trailing slash)',
    );
  }
  if (
    text(c.kubernetesVersion, 'kubernetesVersion', fail, SEMVER, 'an exact version like 1.35.4 (no "v", no ranges)')
  ) {
    const [major, minor] = (c.kubernetesVersion as string).split('.').map(Number);
    if (major !== 1 || minor! < 30)
      fail('kubernetesVersion', `${c.kubernetesVersion} is not a supported Kubernetes release (1.30 or newer)`);
    else {
      const problem = kubernetesVersionProblem(c.kubernetesVersion);
      if (problem) fail('kubernetesVersion', problem);
    }
  }
  checkRegistry(c, fail);
  text(c.domain, 'domain', fail, DOMAIN, 'a DNS domain');
  text(c.ingress?.className, 'ingress.className', fail, DNS_LABEL, 'a DNS label');
  if (provider in LOAD_BALANCERS && c.ingress?.loadBalancer !== LOAD_BALANCERS[provider]) {
    fail(
      'ingress.loadBalancer',
      `${JSON.stringify(c.ingress?.loadBalancer)} does not fit provider ${provider}; use ${LOAD_BALANCERS[provider]}`,
    );
  }
  text(c.storageClass, 'storageClass', fail, DNS_LABEL, 'a StorageClass name');
  if (provider === 'metal') checkLoadBalancerPool(c, fail);
  for (const key of ['nodeCidr', 'podCidr', 'serviceCidr']) {
    text(c.network?.[key], `network.${key}`, fail) &&
      !parseCidr(c.network[key]) &&
      fail(`network.${key}`, `${JSON.stringify(c.network[key])} is not an IPv4 CIDR with zero host bits`);
  }
  if (text(c.flux?.path, 'flux.path', fail) && c.flux.path !== `clusters/${c.name}`) {
    fail('flux.path', `${JSON.stringify(c.flux.path)} must be "clusters/${c.name}"`);
  }
  if (text(c.flux?.ageRecipient, 'flux.ageRecipient', fail, AGE_RECIPIENT, 'an age public key (age1…)')) {
    if (!bech32ChecksumHolds(c.flux.ageRecipient)) {
      fail(
        'flux.ageRecipient',
        `${c.flux.ageRecipient} has a wrong bech32 checksum (a typo?): copy it again from age-keygen -y`,
      );
    }
  }
  for (const kind of ['platform', 'apps']) if (!isObject(c[kind])) fail(kind, 'is missing (use {} for none)');
}

/**
 * `database`: exactly one site is primary, and it is a cluster of the estate; the backups' bucket and retention are
 * usable. Failing over changes `primarySite` alone, so this keeps a failover from leaving two primaries or none.
 */
function checkDatabase(estate: Estate, problems: string[]): void {
  const database = estate.database as Record<string, any> | undefined;
  if (database === undefined) return;
  const fail = (field: string, message: string) => problems.push(`estate: field database.${field} ${message}`);
  const names = (estate.clusters ?? []).map((c) => c?.name);
  const primary = database.primarySite;
  if (Array.isArray(primary)) {
    fail('primarySite', `names ${primary.length} sites (${primary.join(', ')}): exactly one site is primary`);
  } else if (primary === undefined || primary === null || primary === '') {
    fail('primarySite', `is missing: exactly one site is primary; use one of ${names.join(', ')}`);
  } else if (!names.includes(primary)) {
    fail(
      'primarySite',
      `${JSON.stringify(primary)} is no cluster of the estate, so no site is primary; use one of ${names.join(', ')}`,
    );
  }
  text(database.backups?.bucket, 'backups.bucket', (f, m) => fail(f, m), S3_BUCKET, 'an S3 bucket name');
  text(database.backups?.region, 'backups.region', (f, m) => fail(f, m));
  const days = database.backups?.retentionDays;
  if (!Number.isInteger(days) || days < 1)
    fail('backups.retentionDays', `must be a whole number of days, got ${JSON.stringify(days)}`);
}

/** Every problem in the estate, each naming the cluster and the field. Empty when the model is valid. */
export function findProblems(estate: Estate, catalogue: Catalogue): string[] {
  const problems: string[] = [];
  unknownKeys(estate, ESTATE, '', (field, message) => problems.push(`estate: field ${field} ${message}`));
  if (!Array.isArray(estate.clusters)) return [...problems, 'estate: field clusters must be a list of clusters'];
  if (!estate.repository?.url) problems.push('estate: field repository.url is missing');
  if (!estate.repository?.branch) problems.push('estate: field repository.branch is missing');
  if (!estate.clusters?.length) problems.push('estate: field clusters is empty');
  checkDatabase(estate, problems);
  const sound = estate.clusters.every(isSound);
  const seen = new Map<string, number>();
  const cidrs: { owner: string; cidr: Cidr }[] = [];
  (estate.clusters ?? []).forEach((cluster, index) => {
    const label = typeof cluster?.name === 'string' && cluster.name ? `cluster "${cluster.name}"` : `cluster #${index}`;
    const fail: Check = (field, message) => problems.push(`${label}: ${field ? `field ${field} ` : ''}${message}`);
    checkCluster(cluster, fail);
    if (sound) checkComponentsOf(cluster, estate, catalogue, fail);
    if (!isObject(cluster)) return;
    if (seen.has(cluster.name)) fail('name', `duplicates cluster #${seen.get(cluster.name)}`);
    seen.set(cluster.name, index);
    for (const key of ['nodeCidr', 'podCidr', 'serviceCidr'] as const) {
      const cidr = parseCidr(cluster.network?.[key] ?? '');
      if (!cidr) continue;
      const owner = `${label} network.${key}`;
      for (const other of cidrs) {
        if (overlaps(cidr, other.cidr))
          fail(`network.${key}`, `${cidr.text} overlaps ${other.owner} (${other.cidr.text})`);
      }
      cidrs.push({ owner, cidr });
    }
  });
  return problems;
}

export class VersionsError extends Error {
  override name = 'VersionsError';
}

/** The pins and the model, checked before anything renders. */
export function assertValidModel(estate: Estate, catalogue: Catalogue): void {
  const pins = versionProblems();
  if (pins.length) throw new VersionsError(`invalid pins:\n${pins.map((p) => `  - ${p}`).join('\n')}`);
  const problems = findProblems(estate, catalogue);
  if (problems.length) throw new ModelError(problems);
}
