// Writes a rendering to clusters/ by swapping whole folders, and compares a rendering with what is on disk.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { HEADER, listFiles, OUTPUT_DIR, SOPS_SUFFIX } from './layout';
import { isAlive } from './pid-file';
import { secretMetadata, type Rendering, type SecretRef } from './render';

// Folders beside clusters/, by state. Each state is entered by one rename, so a killed render leaves only whole trees
// behind: `new` is being written (never used), `ready` is a complete new tree, `old` the complete previous tree, and
// `trash` is being deleted (never used).
const PREFIX = '.clusters.render-';
const STATES = ['new', 'ready', 'old', 'trash'] as const;
type State = (typeof STATES)[number];
export const LOCK_FILE = '.clusters.render.lock';
/** What every rendered file starts with (the graph's Markdown wraps it in a comment). */
const GENERATED_MARK = HEADER.slice(2, 40);

export interface WriteHooks {
  /** Runs after the new tree is staged and before it replaces the old one (tests inject failures here). */
  beforeSwap?: () => void;
}

function leftovers(root: string, state?: State): string[] {
  const names = readdirSync(root).filter((f) => STATES.some((s) => f.startsWith(`${PREFIX}${s}-`)));
  return names.filter((f) => !state || f.startsWith(`${PREFIX}${state}-`)).sort();
}

/** Deletes a folder by first moving it to `trash`, so that a kill mid-delete never leaves a half tree under a used name. */
function discard(root: string, name: string): void {
  const trash = name.startsWith(`${PREFIX}trash-`)
    ? name
    : `${PREFIX}trash-${process.pid}-${name.slice(PREFIX.length)}`;
  if (trash !== name) renameSync(join(root, name), join(root, trash));
  rmSync(join(root, trash), { recursive: true, force: true });
}

/**
 * Puts back what a killed render left: when clusters/ is missing (a kill between the two renames of the swap), the
 * previous tree if it was moved aside, else the complete new one; then removes every other leftover.
 */
export function recoverOutput(root: string): void {
  const out = join(root, OUTPUT_DIR);
  if (!existsSync(out)) {
    const whole = leftovers(root, 'old')[0] ?? leftovers(root, 'ready')[0];
    if (whole) renameSync(join(root, whole), out);
  }
  for (const name of leftovers(root)) discard(root, name);
  for (const name of readdirSync(root).filter((f) => f.startsWith(`${LOCK_FILE}.`))) {
    if (!isAlive(Number(name.slice(LOCK_FILE.length + 1)))) rmSync(join(root, name), { force: true });
  }
}

/** Serialises renders: the lock names its holder's pid, and one left by a killed render is taken over. */
function lock(root: string): () => void {
  const path = join(root, LOCK_FILE);
  // Written whole, then linked: a reader never sees a lock without its pid.
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, path);
        return () => rmSync(path, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (isAlive(holder)) {
        throw new Error(
          `another render (pid ${holder}) is writing ${OUTPUT_DIR}/ and holds ${LOCK_FILE}: renders run one at a time; ` +
            `run this one again when it has finished (if no render runs, delete ${LOCK_FILE})`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new Error(`cannot take ${LOCK_FILE}: other renders keep taking it; run this one again`);
  } finally {
    rmSync(mine, { force: true });
  }
}

function tracked(root: string): Set<string> {
  try {
    const listing = execFileSync('git', ['ls-files', '-z', '--', OUTPUT_DIR], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return new Set(listing.toString().split('\0').filter(Boolean));
  } catch {
    return new Set();
  }
}

function isGenerated(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    return head
      .subarray(0, readSync(fd, head, 0, head.length, 0))
      .toString('utf8')
      .includes(GENERATED_MARK);
  } finally {
    closeSync(fd);
  }
}

/**
 * What must hold before clusters/ is replaced: every folder is writable (else the swap succeeds and the clean-up
 * fails), and every file the rendering drops is generated or in Git (else it would be lost).
 */
function preflight(root: string, rendering: Rendering): void {
  const out = join(root, OUTPUT_DIR);
  if (!existsSync(out)) return;
  const files = listFiles(out);
  const folders = [out, ...new Set(files.map((f) => dirname(f)))];
  const readOnly = folders.filter((d) => (statSync(d).mode & 0o200) === 0).map((d) => relative(root, d));
  if (readOnly.length) {
    throw new Error(
      `${readOnly.join(', ')} ${readOnly.length > 1 ? 'are' : 'is'} read-only: render replaces ${OUTPUT_DIR}/; make it writable (nothing was written)`,
    );
  }
  const declared = new Set(rendering.secrets.map((s) => s.path));
  const inGit = tracked(root);
  const unmanaged = files
    .map((f) => relative(root, f).split('\\').join('/'))
    .filter((p) => !rendering.files.has(p) && !declared.has(p) && !inGit.has(p) && !isGenerated(join(root, p)));
  if (unmanaged.length) {
    throw new Error(
      `${OUTPUT_DIR}/ holds files that render does not manage and Git does not track, which the new tree would drop: ` +
        `${unmanaged.join(', ')}; move them out of ${OUTPUT_DIR}/ or commit them (nothing was written)`,
    );
  }
}

/**
 * Replaces clusters/ with the rendering, so that it ends either wholly replaced or exactly as before, even when the
 * process is killed: the new tree is staged beside it, marked complete by a rename, and swapped in by renames (see
 * STATES); the next render (or recoverOutput) puts a whole tree back. Encrypted secrets the rendering still declares
 * are carried over.
 */
export function writeRendering(root: string, rendering: Rendering, hooks: WriteHooks = {}): void {
  const unlock = lock(root);
  try {
    recoverOutput(root);
    preflight(root, rendering);
    const out = join(root, OUTPUT_DIR);
    const staging = `${PREFIX}new-${process.pid}`;
    const ready = `${PREFIX}ready-${process.pid}`;
    const previous = `${PREFIX}old-${process.pid}`;
    try {
      for (const [path, content] of rendering.files) {
        const target = join(root, staging, relative(OUTPUT_DIR, path));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      }
      for (const secret of rendering.secrets) {
        const from = join(root, secret.path);
        if (existsSync(from)) cpSync(from, join(root, staging, relative(OUTPUT_DIR, secret.path)));
      }
      renameSync(join(root, staging), join(root, ready));
      hooks.beforeSwap?.();
    } catch (error) {
      for (const name of [staging, ready]) if (existsSync(join(root, name))) discard(root, name);
      throw error;
    }
    if (existsSync(out)) renameSync(out, join(root, previous));
    renameSync(join(root, ready), out);
    if (existsSync(join(root, previous))) discard(root, previous);
  } finally {
    unlock();
  }
}

export interface Drift {
  cluster: string;
  /** Rendered but missing on disk. */
  added: string[];
  changed: string[];
  /** On disk under clusters/ but no longer rendered. */
  orphaned: string[];
  /** Declared Secrets whose file's metadata is not the declaration's: what is wrong, naming the file. */
  secrets: string[];
}

/** What differs between a declared Secret's file and its declaration's metadata (undefined when they agree). */
function secretFileProblem(root: string, ref: SecretRef): string | undefined {
  let metadata: unknown;
  try {
    metadata = (parse(readFileSync(join(root, ref.path), 'utf8')) as { metadata?: unknown } | null)?.metadata;
  } catch (error) {
    return `${ref.path}: cannot be read as YAML (${(error as Error).message.split('\n')[0]})`;
  }
  const want = secretMetadata(ref);
  if (isDeepStrictEqual(metadata, want)) return undefined;
  const found = JSON.stringify(metadata ?? null);
  return `${ref.path}: metadata is ${found}, but the component declares ${JSON.stringify(want)}`;
}

/** Per cluster folder, how the files on disk differ from the rendering. Empty when they match. */
export function findDrift(root: string, rendering: Rendering): Drift[] {
  const onDisk = new Set(listFiles(join(root, OUTPUT_DIR)).map((f) => relative(root, f).split('\\').join('/')));
  const declaredSecrets = new Set(rendering.secrets.map((s) => s.path));
  const byCluster = new Map<string, Drift>();
  const drift = (path: string) => {
    const cluster = path.split('/')[1] ?? '';
    let d = byCluster.get(cluster);
    if (!d) byCluster.set(cluster, (d = { cluster, added: [], changed: [], orphaned: [], secrets: [] }));
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
  for (const ref of rendering.secrets.filter((s) => onDisk.has(s.path))) {
    const problem = secretFileProblem(root, ref);
    if (problem) drift(ref.path).secrets.push(problem);
  }
  return [...byCluster.values()].sort((a, b) => a.cluster.localeCompare(b.cluster));
}
