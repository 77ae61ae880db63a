// Reads rendered YAML back: every document of every file under the given folders, with where it came from. A file's
// parse depends on its bytes and the parser alone, so each is kept in a cache by content: unchanged files are not
// parsed again (the YAML parser is most of the cost of every gate that reads the tree).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { parseAllDocuments } from 'yaml';
import { cachedBytes, codeCacheDir } from './content-cache';
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The file's bytes as text, or why they are not UTF-8 (YAML and every tool that reads it expects UTF-8). */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { error: string } {
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = Buffer.byteLength(lossy.slice(0, lossy.indexOf('\uFFFD')));
    return {
      error: `not UTF-8 text (invalid byte 0x${bytes[at]?.toString(16).padStart(2, '0')} at offset ${at}); save it as UTF-8`,
    };
  }
}

/**
 * Parses one file's content; strict: duplicate keys, YAML errors, text that is not UTF-8 and alias bombs (the parser
 * refuses to expand excessive aliases) are reported naming the file, empty documents skipped.
 */
export function parseManifests(
  file: string,
  content: string | Uint8Array,
): { docs: ManifestDoc[]; errors: ParseError[] } {
  const docs: ManifestDoc[] = [];
  const errors: ParseError[] = [];
  const decoded = typeof content === 'string' ? { text: content } : decodeUtf8(content);
  if ('error' in decoded) return { docs, errors: [{ file, index: 0, message: decoded.error }] };
  const cluster = file.startsWith('clusters/') ? file.split('/')[1] : undefined;
  parseAllDocuments(decoded.text, { uniqueKeys: true, strict: true }).forEach((doc, index) => {
    if (doc.errors.length) {
      errors.push({ file, index, message: doc.errors.map((e) => e.message.split('\n')[0]).join('; ') });
      return;
    }
    let object: unknown;
    try {
      object = doc.toJS();
    } catch (error) {
      errors.push({ file, index, message: (error as Error).message.split('\n')[0]! });
      return;
    }
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      errors.push({ file, index, message: 'document is not a mapping' });
      return;
    }
    docs.push({ file, cluster, index, object: object as KubeObject });
  });
  return { docs, errors };
}

/** Parsed files by content. Its folder's name covers the parser's version and this module's code. */
const parseCacheDir = () => codeCacheDir('manifests', import.meta.url);

type Parsed = { docs: Omit<ManifestDoc, 'file' | 'cluster'>[]; errors: Omit<ParseError, 'file'>[] };

/** parseManifests through the cache; v8 serialisation keeps every value YAML yields (NaN, Infinity, -0) as parsed. */
function parseCached(file: string, bytes: Buffer, cacheDir: string | false): ReturnType<typeof parseManifests> {
  if (cacheDir === false) return parseManifests(file, bytes);
  const cluster = file.startsWith('clusters/') ? file.split('/')[1] : undefined;
  const parsed = deserialize(
    cachedBytes(cacheDir, bytes, () => {
      const fresh = parseManifests(file, bytes);
      return serialize({
        docs: fresh.docs.map(({ index, object }) => ({ index, object })),
        errors: fresh.errors.map(({ index, message }) => ({ index, message })),
      } satisfies Parsed);
    }),
  ) as Parsed;
  return {
    docs: parsed.docs.map((d) => ({ file, cluster, ...d })),
    errors: parsed.errors.map((e) => ({ file, ...e })),
  };
}

/** The objects of one YAML file outside the checked trees (a vendored release manifest), through the parse cache. */
export function readManifestFile(path: string): KubeObject[] {
  const { docs, errors } = parseCached(path, readFileSync(path), parseCacheDir());
  if (errors.length) throw new Error(`${path}: ${errors.map((e) => `document ${e.index}: ${e.message}`).join('; ')}`);
  return docs.map((d) => d.object);
}

/**
 * Every YAML document under `dirs` (repo-relative) of the tree at `root`, in file order. `parseCache: false` parses
 * every file afresh and leaves the cache alone.
 */
export function loadManifests(
  root: string,
  dirs: string[] = ['clusters', 'flux-system'],
  { parseCache = true }: { parseCache?: boolean } = {},
): { docs: ManifestDoc[]; errors: ParseError[] } {
  const docs: ManifestDoc[] = [];
  const errors: ParseError[] = [];
  const cacheDir = parseCache && parseCacheDir();
  for (const dir of dirs) {
    for (const abs of listFiles(join(root, dir)).sort()) {
      const file = relative(root, abs).split('\\').join('/');
      if (!isYaml(file)) continue;
      const parsed = parseCached(file, readFileSync(abs), cacheDir);
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
