// Compares two sets of rendered manifests object by object, per cluster, and flags the changes that are risky to apply.
import { isDeepStrictEqual } from 'node:util';
import { objectRef, type KubeObject, type ManifestDoc } from '../manifests';

/** How changes to files shared by every cluster (the pinned Flux install) are grouped. */
export const SHARED_GROUP = 'all clusters (flux-system/)';

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[name=web].image`; absent values are undefined. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ChangedObject {
  ref: string;
  fields: FieldChange[];
}

export interface Risk {
  ref: string;
  reason: string;
}

export interface ClusterChanges {
  cluster: string;
  added: string[];
  changed: ChangedObject[];
  removed: string[];
  risks: Risk[];
}

/** Removing one of these deletes data or everything that depends on it. */
const RISKY_REMOVALS: Record<string, string> = {
  PersistentVolumeClaim: 'deleting a PersistentVolumeClaim can delete its volume and data',
  PersistentVolume: 'deleting a PersistentVolume can delete its data',
  Namespace: 'deleting a Namespace deletes every object in it',
  CustomResourceDefinition: 'deleting a CustomResourceDefinition deletes every custom resource of that kind',
  Kustomization: 'deleting a Flux Kustomization prunes every object it applied',
};

/** Fields the API server refuses to change: applying a change fails until the object is deleted and recreated. */
const IMMUTABLE_FIELDS: Record<string, string[]> = {
  Deployment: ['spec.selector'],
  ReplicaSet: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  Job: ['spec.selector', 'spec.template', 'spec.completionMode'],
  Service: ['spec.clusterIP', 'spec.clusterIPs'],
  PersistentVolumeClaim: [
    'spec.storageClassName',
    'spec.accessModes',
    'spec.volumeName',
    'spec.volumeMode',
    'spec.selector',
  ],
  StorageClass: ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'],
};

const FLUX_PRUNE_ANNOTATION = 'metadata.annotations["kustomize.toolkit.fluxcd.io/prune"]';
const ENCRYPTED = '(encrypted)';

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Arrays whose items all carry a distinct string `name` (containers, ports, env) are matched by name, not position. */
function namedItems(items: unknown[]): Map<string, unknown> | undefined {
  const byName = new Map<string, unknown>();
  for (const item of items) {
    if (!isMapping(item) || typeof item.name !== 'string' || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

export function diffFields(before: unknown, after: unknown, path = '', out: FieldChange[] = []): FieldChange[] {
  if (isDeepStrictEqual(before, after)) return out;
  if (isMapping(before) && isMapping(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) diffFields(before[key], after[key], childPath(path, key), out);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = namedItems(before);
    const b = namedItems(after);
    if (a && b) {
      for (const name of [...new Set([...a.keys(), ...b.keys()])])
        diffFields(a.get(name), b.get(name), `${path}[name=${name}]`, out);
      return out;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++)
      diffFields(before[i], after[i], `${path}[${i}]`, out);
    return out;
  }
  out.push({ path, before, after });
  return out;
}

/** SOPS re-encryption changes every ciphertext, so encrypted values compare as one marker and the metadata is dropped. */
function withoutCiphertext(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('ENC[') ? ENCRYPTED : value;
  if (Array.isArray(value)) return value.map(withoutCiphertext);
  if (isMapping(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'sops')
        .map(([k, v]) => [k, withoutCiphertext(v)]),
    );
  return value;
}

function isEncrypted(o: KubeObject): boolean {
  return isMapping(o.sops);
}

/** Kustomize build files (kustomization.yaml) list the rendered files; they are not applied to a cluster. */
function isBuildFile(o: KubeObject): boolean {
  return o.kind === 'Kustomization' && (o.apiVersion ?? '').startsWith('kustomize.config.k8s.io/');
}

function objectChanges(before: KubeObject, after: KubeObject): FieldChange[] {
  const fields = diffFields(withoutCiphertext(before), withoutCiphertext(after));
  if (isEncrypted(before) && isEncrypted(after) && !fields.length && !isDeepStrictEqual(before, after)) {
    fields.push({ path: 'data', before: ENCRYPTED, after: `${ENCRYPTED} re-encrypted or changed` });
  }
  return fields;
}

function risksOf(ref: string, kind: string, before: KubeObject, fields: FieldChange[]): Risk[] {
  const risks: Risk[] = [];
  for (const field of IMMUTABLE_FIELDS[kind] ?? []) {
    if (fields.some((f) => f.path === field || f.path.startsWith(`${field}.`) || f.path.startsWith(`${field}[`))) {
      risks.push({
        ref,
        reason: `\`${field}\` is immutable: Flux cannot apply this change without deleting and recreating the ${kind}`,
      });
    }
  }
  if (
    (kind === 'ConfigMap' || kind === 'Secret') &&
    before.immutable === true &&
    fields.some((f) => /^(data|binaryData|stringData)\b/.test(f.path))
  ) {
    risks.push({ ref, reason: `the ${kind} is immutable: its data cannot change in place` });
  }
  if (kind === 'Kustomization' && fields.some((f) => f.path === 'spec.prune')) {
    risks.push({
      ref,
      reason: 'Flux `spec.prune` changes: it decides whether objects removed from Git are deleted from the cluster',
    });
  }
  if (fields.some((f) => f.path === FLUX_PRUNE_ANNOTATION)) {
    risks.push({
      ref,
      reason:
        'the `kustomize.toolkit.fluxcd.io/prune` annotation changes: it decides whether Flux may delete this object',
    });
  }
  return risks;
}

function byCluster(docs: ManifestDoc[]): Map<string, Map<string, KubeObject>> {
  const clusters = new Map<string, Map<string, KubeObject>>();
  for (const doc of docs) {
    if (isBuildFile(doc.object)) continue;
    const cluster = doc.cluster ?? SHARED_GROUP;
    let objects = clusters.get(cluster);
    if (!objects) clusters.set(cluster, (objects = new Map()));
    const ref = objectRef(doc.object);
    if (objects.has(ref))
      throw new Error(`${doc.file} (document ${doc.index}): ${ref} is rendered twice for ${cluster}`);
    objects.set(ref, doc.object);
  }
  return clusters;
}

function byRef(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per cluster (sorted by name, clusters without changes included), what `head` adds, changes and removes against `base`. */
export function compareManifests(base: ManifestDoc[], head: ManifestDoc[]): ClusterChanges[] {
  const before = byCluster(base);
  const after = byCluster(head);
  const clusters = [...new Set([...before.keys(), ...after.keys()])].sort(byRef);
  return clusters.map((cluster) => {
    const old = before.get(cluster) ?? new Map<string, KubeObject>();
    const now = after.get(cluster) ?? new Map<string, KubeObject>();
    const result: ClusterChanges = { cluster, added: [], changed: [], removed: [], risks: [] };
    for (const ref of [...new Set([...old.keys(), ...now.keys()])].sort(byRef)) {
      const a = old.get(ref);
      const b = now.get(ref);
      if (!a) result.added.push(ref);
      else if (!b) {
        result.removed.push(ref);
        const reason = RISKY_REMOVALS[a.kind ?? ''];
        if (reason) result.risks.push({ ref, reason });
      } else {
        const fields = objectChanges(a, b);
        if (!fields.length) continue;
        result.changed.push({ ref, fields });
        result.risks.push(...risksOf(ref, a.kind ?? '', a, fields));
      }
    }
    return result;
  });
}
