// Reads rendered YAML back: every document of every file under the given folders, with where it came from.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { listFiles } from './layout';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface ManifestDoc {
  /** Repo-relative path with forward slashes. */
  file: string;
  /** `clusters/<cluster>/…` → the cluster; undefined for files shared by every cluster (flux-system/). */
  cluster: string | undefined;
  /** Position of the document in its file, from 0. */
  index: number;
  object: KubeObject;
  /**
   * `<chart> <version>` for an object `helm template` rendered from a HelmRelease (generators/charts.ts): it is not in
   * Git, and `file` names the HelmRelease's file followed by ` (chart <chart> <version>)`.
   * @default undefined: the object is in `file`
   */
  chart?: string;
}

export interface ParseError {
  file: string;
  index: number;
  message: string;
}

export function isYaml(file: string): boolean {
  return file.endsWith('.yaml') || file.endsWith('.yml');
}

/** Parses one file's text; strict: duplicate keys and YAML errors are reported, empty documents skipped. */
export function parseManifests(file: string, text: string): { docs: ManifestDoc[]; errors: ParseError[] } {
  const docs: ManifestDoc[] = [];
  const errors: ParseError[] = [];
  const cluster = file.startsWith('clusters/') ? file.split('/')[1] : undefined;
  parseAllDocuments(text, { uniqueKeys: true, strict: true }).forEach((doc, index) => {
    if (doc.errors.length) {
      errors.push({ file, index, message: doc.errors.map((e) => e.message.split('\n')[0]).join('; ') });
      return;
    }
    const object = doc.toJS() as unknown;
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      errors.push({ file, index, message: 'document is not a mapping' });
      return;
    }
    docs.push({ file, cluster, index, object: object as KubeObject });
  });
  return { docs, errors };
}

/** Every YAML document under `dirs` (repo-relative) of the tree at `root`, in file order. */
export function loadManifests(
  root: string,
  dirs: string[] = ['clusters', 'flux-system'],
): { docs: ManifestDoc[]; errors: ParseError[] } {
  const docs: ManifestDoc[] = [];
  const errors: ParseError[] = [];
  for (const dir of dirs) {
    for (const abs of listFiles(join(root, dir)).sort()) {
      const file = relative(root, abs).split('\\').join('/');
      if (!isYaml(file)) continue;
      const parsed = parseManifests(file, readFileSync(abs, 'utf8'));
      docs.push(...parsed.docs);
      errors.push(...parsed.errors);
    }
  }
  return { docs, errors };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how reports name an object. */
export function objectRef(o: KubeObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind ?? '?'}/${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}
