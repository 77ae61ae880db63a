// Writes a rendering to clusters/ by swapping whole folders, and compares a rendering with what is on disk.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { listFiles, OUTPUT_DIR, SOPS_SUFFIX } from './layout';
import type { Rendering } from './render';

const STAGING = '.clusters.render-new';
const PREVIOUS = '.clusters.render-old';

export interface WriteHooks {
  /** Runs after the new tree is staged and before it replaces the old one (tests inject failures here). */
  beforeSwap?: () => void;
}

/**
 * Replaces clusters/ with the rendering. The new tree is staged beside it and swapped in by rename, so a failure at any
 * point leaves the previous output in place. Encrypted secrets that the rendering still declares are carried over.
 */
export function writeRendering(root: string, rendering: Rendering, hooks: WriteHooks = {}): void {
  const out = join(root, OUTPUT_DIR);
  const staging = join(root, `${STAGING}-${process.pid}`);
  const previous = join(root, `${PREVIOUS}-${process.pid}`);
  const leftover = readdirSync(root).find((f) => f.startsWith(PREVIOUS));
  if (leftover && !existsSync(out)) renameSync(join(root, leftover), out);
  try {
    for (const [path, content] of rendering.files) {
      const target = join(staging, relative(OUTPUT_DIR, path));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    for (const secret of rendering.secrets) {
      const from = join(root, secret.path);
      if (existsSync(from)) cpSync(from, join(staging, relative(OUTPUT_DIR, secret.path)));
    }
    hooks.beforeSwap?.();
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (existsSync(out)) renameSync(out, previous);
  renameSync(staging, out);
  rmSync(previous, { recursive: true, force: true });
}

export interface Drift {
  cluster: string;
  /** Rendered but missing on disk. */
  added: string[];
  changed: string[];
  /** On disk under clusters/ but no longer rendered. */
  orphaned: string[];
}

/** Per cluster folder, how the files on disk differ from the rendering. Empty when they match. */
export function findDrift(root: string, rendering: Rendering): Drift[] {
  const onDisk = new Set(listFiles(join(root, OUTPUT_DIR)).map((f) => relative(root, f).split('\\').join('/')));
  const declaredSecrets = new Set(rendering.secrets.map((s) => s.path));
  const byCluster = new Map<string, Drift>();
  const drift = (path: string) => {
    const cluster = path.split('/')[1] ?? '';
    let d = byCluster.get(cluster);
    if (!d) byCluster.set(cluster, (d = { cluster, added: [], changed: [], orphaned: [] }));
    return d;
  };
  for (const [path, content] of rendering.files) {
    if (!onDisk.has(path)) drift(path).added.push(path);
    else if (readFileSync(join(root, path), 'utf8') !== content) drift(path).changed.push(path);
  }
  for (const path of [...onDisk].sort()) {
    if (rendering.files.has(path)) continue;
    if (path.endsWith(SOPS_SUFFIX) && declaredSecrets.has(path)) continue;
    drift(path).orphaned.push(path);
  }
  return [...byCluster.values()].sort((a, b) => a.cluster.localeCompare(b.cluster));
}
