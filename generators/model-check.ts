import { contains, overlaps, parseCidr, type Cidr } from './cidr';
import type { Catalogue, Problem } from './component';
import type { Cluster, Estate } from './model';
import { installed } from './registries';

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
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const PROVIDERS = { aws: 'region', metal: 'site' } as const;
const LOAD_BALANCERS = { aws: 'aws-nlb', metal: 'metallb' } as const;

type Check = (field: string, message: string) => void;

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
  if (values === undefined || values === null || typeof values !== 'object' || Array.isArray(values)) {
    fail(kind, 'is missing (use {} for none)');
    return;
  }
  for (const [name, componentValues] of Object.entries(values)) {
    const component = known[name];
    if (!component) {
      fail(
        `${kind}.${name}`,
        `unknown ${kind === 'apps' ? 'app' : 'platform component'}; known: ${Object.keys(known).sort().join(', ') || 'none'}`,
      );
      continue;
    }
    if (componentValues === null || typeof componentValues !== 'object') {
      fail(`${kind}.${name}`, 'must be an object of values');
      continue;
    }
    for (const p of component.validate(componentValues, cluster, estate) as Problem[])
      fail([kind, name, p.field].filter(Boolean).join('.'), p.message);
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

function checkCluster(cluster: Cluster, estate: Estate, catalogue: Catalogue, fail: Check): void {
  const c = cluster as unknown as Record<string, any>;
  text(c.name, 'name', fail, DNS_LABEL, 'a DNS label (lowercase letters, digits, "-")');
  const provider = c.provider as keyof typeof PROVIDERS;
  if (!(provider in PROVIDERS)) {
    fail('provider', `${JSON.stringify(c.provider)} is unknown; use one of ${Object.keys(PROVIDERS).join(', ')}`);
  } else {
    text(c[PROVIDERS[provider]], PROVIDERS[provider], fail);
  }
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
  }
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
  text(c.flux?.ageRecipient, 'flux.ageRecipient', fail, AGE_RECIPIENT, 'an age public key (age1…)');
  checkComponents('platform', c.platform, catalogue.platform, cluster, estate, fail);
  checkComponents('apps', c.apps, catalogue.apps, cluster, estate, fail);
  checkAddresses(cluster, catalogue, fail);
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
  if (!estate.repository?.url) problems.push('estate: field repository.url is missing');
  if (!estate.repository?.branch) problems.push('estate: field repository.branch is missing');
  if (!estate.clusters?.length) problems.push('estate: field clusters is empty');
  checkDatabase(estate, problems);
  const seen = new Map<string, number>();
  const cidrs: { owner: string; cidr: Cidr }[] = [];
  (estate.clusters ?? []).forEach((cluster, index) => {
    const label = typeof cluster?.name === 'string' && cluster.name ? `cluster "${cluster.name}"` : `cluster #${index}`;
    const fail: Check = (field, message) => problems.push(`${label}: field ${field} ${message}`);
    checkCluster(cluster, estate, catalogue, fail);
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

export function assertValidModel(estate: Estate, catalogue: Catalogue): void {
  const problems = findProblems(estate, catalogue);
  if (problems.length) throw new ModelError(problems);
}
