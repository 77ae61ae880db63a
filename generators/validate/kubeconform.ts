// Runs kubeconform, built from its pinned Go module for wasip1, under node:wasi (kubeconform-worker.mjs), in parallel
// batches: no native binary, no container, no network. Files kubeconform passed before, byte for byte, against the
// same schemas with the same validator, are not run again (the pass cache).
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { folderDigest } from '../cache-seal';
import { goTool } from '../go-tools';
import { repoRoot } from '../repo';
import { SCHEMA_FILE_TEMPLATE } from './schemas';

/** A host folder visible read-only inside the sandbox at `guest` (an absolute sandbox path such as `/repo`). */
export interface Mount {
  guest: string;
  host: string;
}

/** One entry of kubeconform's `-output json` report: only documents that failed. */
export interface KubeconformResult {
  /** Sandbox path, as passed in. */
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusInvalid' | 'statusError';
  msg: string;
}

/** Where the schema folder appears inside the sandbox. */
export const SCHEMA_MOUNT = '/schemas';

/** kubeconform's arguments: strict, JSON output, and only the local schema folder as schema location. */
export function kubeconformArgs(files: string[]): string[] {
  return ['-strict', '-output', 'json', '-schema-location', `${SCHEMA_MOUNT}/${SCHEMA_FILE_TEMPLATE}`, ...files];
}

/** The slice of the WebAssembly global this module uses (the project's TypeScript lib has no DOM types). */
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;
const WORKER = new URL('./kubeconform-worker.mjs', import.meta.url);
/** Below this much YAML per batch, one more wasm start-up and its schema compiles cost more than a parallel batch saves. */
const MIN_BATCH_BYTES = 512 * 1024;
/** Where passes are remembered, one folder per validator and schema set; see runKubeconform. */
export const PASS_CACHE = join(repoRoot, '.cache', 'kubeconform-passes');
/** Pass folders of other validators or schema sets, unused this long, are removed when a new one is made. */
const PASS_CACHE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

interface Validator {
  bytes: Buffer;
  /** sha256 of the wasm binary and of the code that runs it and reads its verdicts. */
  digest: string;
  module?: object;
}

let validator: Validator | undefined;

function kubeconformValidator(): Validator {
  if (!validator) {
    const bytes = readFileSync(goTool('kubeconform-wasm'));
    const digest = createHash('sha256').update(bytes);
    for (const code of [WORKER, import.meta.url]) digest.update(readFileSync(fileURLToPath(code)));
    validator = { bytes, digest: digest.digest('hex') };
  }
  return validator;
}

function kubeconformModule(): object {
  const v = kubeconformValidator();
  if (!v.module) {
    // Each validation runs the 18 MB module briefly: V8's optimising tier burns more CPU compiling it than it saves
    // (measured: first run 2.4 s → 1.2 s of CPU, later runs 0.7 s → 0.85 s).
    setFlagsFromString('--liftoff-only');
    v.module = new wasm.Module(v.bytes);
  }
  return v.module;
}

export interface KubeconformRun {
  /** Sandbox paths of the files to validate, all inside the mounts. */
  files: string[];
  mounts: Mount[];
  /** Host folder of the schemas, mounted at SCHEMA_MOUNT. */
  schemaDir: string;
  /** Extra environment for the program (PWD is always the first mount). */
  env?: Record<string, string>;
  /**
   * Folder of the pass cache, or false for a clean run that neither reads nor writes it.
   * @default PASS_CACHE
   */
  passCache?: string | false;
}

function hostPath(file: string, mounts: Mount[]): string {
  const mount = mounts.find((m) => file.startsWith(`${m.guest}/`));
  if (!mount) throw new Error(`${file} is in no mount of the sandbox`);
  return join(mount.host, file.slice(mount.guest.length + 1));
}

/** A file to validate: its sandbox path, its size and the kinds it declares. */
export interface Pending {
  file: string;
  bytes: number;
  kinds: string;
}

/**
 * The kinds a file's documents declare (YAML, or the JSON of a prepared document), for batching only: kubeconform
 * reads the file itself, so a wrong guess here costs time, never a verdict.
 */
function kindsIn(text: string): string {
  const kinds = Array.from(text.matchAll(/(?:^kind:[ \t]*["']?|"kind":")([\w.-]+)/gm), (m) => m[1]);
  return [...new Set(kinds)].sort().join(',');
}

/**
 * What a kind's schema adds to a batch, per byte of schema, in bytes of input. Compiling a schema (jsonschema/v6, in
 * wasm) costs about 14 times as much per byte as reading and validating a file: a CPU profile of the real repo's two
 * batches (issue 19) had 0.65 MB of schemas and 0.91 MB of files take 4.0 s, and 0.27 MB and 1.06 MB take 1.9 s.
 */
const SCHEMA_COST = 14;

const schemaSizes = new Map<string, Map<string, number>>();

/** The bytes of each kind's largest schema in `schemaDir`, by lower-case kind (`<group>/<kind>_<version>.json`). */
function schemaBytes(schemaDir: string): Map<string, number> {
  let sizes = schemaSizes.get(schemaDir);
  if (sizes) return sizes;
  sizes = new Map();
  for (const entry of readdirSync(schemaDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const kind = entry.name.slice(0, entry.name.indexOf('_'));
    const { size } = statSync(join(entry.parentPath, entry.name));
    sizes.set(kind, Math.max(size, sizes.get(kind) ?? 0));
  }
  schemaSizes.set(schemaDir, sizes);
  return sizes;
}

/**
 * Files split into at most `cores` batches, fewer when the input is small. Each wasm instance compiles the schema of
 * every kind it meets (kubeconform v0.8.0 keeps them in `schemaMemoryCache`, pkg/validator/validator.go, one per
 * instance), and a compile costs as much as validating dozens of objects: so files are ordered by kind and cut into
 * runs of equal cost, a file's bytes plus the compile of each kind first met there, and a kind is compiled in two
 * instances only where a cut falls inside it.
 */
export function batches(pending: Pending[], schemaDir: string, cores = availableParallelism()): string[][] {
  const sorted = [...pending].sort(
    (a, b) => a.kinds.localeCompare(b.kinds) || b.bytes - a.bytes || a.file.localeCompare(b.file),
  );
  const bytes = sorted.reduce((sum, f) => sum + f.bytes, 0);
  const count = Math.max(1, Math.min(cores, Math.floor(bytes / MIN_BATCH_BYTES)));
  const sizes = schemaBytes(schemaDir);
  const met = new Set<string>();
  const costs = sorted.map((f) => {
    const kinds = f.kinds.split(',').filter((k) => k && !met.has(k));
    for (const k of kinds) met.add(k);
    return f.bytes + SCHEMA_COST * kinds.reduce((sum, k) => sum + (sizes.get(k.toLowerCase()) ?? 0), 0);
  });
  const total = costs.reduce((sum, c) => sum + c, 0);
  const result = Array.from({ length: count }, () => [] as string[]);
  let before = 0;
  sorted.forEach((f, i) => {
    const cost = costs[i]!;
    result[Math.min(count - 1, Math.floor(((before + cost / 2) * count) / total))]!.push(f.file);
    before += cost;
  });
  return result.filter((files) => files.length > 0);
}

function runBatch(files: string[], run: KubeconformRun, outputPrefix: string): Promise<KubeconformResult[]> {
  const stdoutPath = `${outputPrefix}.stdout.json`;
  const stderrPath = `${outputPrefix}.stderr.txt`;
  const worker = new Worker(WORKER, {
    workerData: {
      module: kubeconformModule(),
      args: ['kubeconform', ...kubeconformArgs(files)],
      env: { PWD: run.mounts[0]?.guest ?? '/', ...run.env },
      preopens: Object.fromEntries(
        [...run.mounts, { guest: SCHEMA_MOUNT, host: run.schemaDir }].map((m) => [m.guest, m.host]),
      ),
      stdoutPath,
      stderrPath,
    },
  });
  return new Promise((resolve, reject) => {
    let exitCode: number | undefined;
    worker.once('message', (code: number) => (exitCode = code));
    worker.once('error', reject);
    worker.once('exit', () => {
      if (exitCode === undefined) return reject(new Error('kubeconform (wasm) worker stopped without an exit code'));
      const output = readFileSync(stdoutPath, 'utf8');
      if (exitCode !== 0 && !output.trim().startsWith('{')) {
        return reject(
          new Error(
            `kubeconform (wasm) exited with ${exitCode}: ${readFileSync(stderrPath, 'utf8').trim() || output.trim()}`,
          ),
        );
      }
      resolve((JSON.parse(output) as { resources: KubeconformResult[] }).resources);
    });
  });
}

/** Validates the files in as few kubeconform runs as keep every core busy. */
async function validateFiles(files: Pending[], run: KubeconformRun): Promise<KubeconformResult[]> {
  if (!files.length) return [];
  const scratch = mkdtempSync(join(tmpdir(), 'kubeconform-'));
  try {
    const outputs = await Promise.all(
      batches(files, run.schemaDir).map((batch, i) => runBatch(batch, run, join(scratch, String(i)))),
    );
    return outputs.flat();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The passes of one validator (wasm bytes and the code around it), one set of arguments and one schema set (the bytes
 * of every schema file): a folder with one empty file per passed file content. Anything that can change a verdict is
 * in the folder's name or the entry's, so an entry never outlives what it vouches for.
 */
function passFolder(cache: string, run: KubeconformRun): string {
  const key = createHash('sha256')
    .update(kubeconformValidator().digest)
    .update(JSON.stringify({ args: kubeconformArgs([]), env: run.env ?? {} }))
    .update(folderDigest(run.schemaDir))
    .digest('hex');
  return join(cache, key.slice(0, 32));
}

/** kubeconform reads a file by its name's ending (YAML or JSON, others skipped) and its bytes, nothing else. */
function contentKey(file: string, bytes: Buffer): string {
  return createHash('sha256').update(extname(file)).update('\0').update(bytes).digest('hex');
}

function readPasses(folder: string): Set<string> {
  return new Set(existsSync(folder) ? readdirSync(folder) : []);
}

function recordPasses(folder: string, keys: string[]): void {
  if (!keys.length) return;
  if (!existsSync(folder)) {
    const cache = join(folder, '..');
    for (const other of existsSync(cache) ? readdirSync(cache) : []) {
      const path = join(cache, other);
      // Another run may have removed it since the listing.
      const mtimeMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - mtimeMs > PASS_CACHE_MAX_AGE_MS) rmSync(path, { recursive: true, force: true });
    }
    mkdirSync(folder, { recursive: true });
  }
  for (const key of keys) writeFileSync(join(folder, key), '');
}

/**
 * Validates the files and returns what failed. Files with the same bytes (and name ending) are validated once and
 * share their results; files the pass cache knows are skipped. Only a file with no result at all, from a batch that
 * completed, is recorded as passed: a failure is always validated again.
 */
export async function runKubeconform(run: KubeconformRun): Promise<KubeconformResult[]> {
  if (!run.files.length) return [];
  const folder = run.passCache === false ? undefined : passFolder(run.passCache ?? PASS_CACHE, run);
  const passed = folder ? readPasses(folder) : new Set<string>();
  const sameContent = new Map<string, string[]>();
  const pending = new Map<string, Pending>();
  for (const file of run.files) {
    const bytes = readFileSync(hostPath(file, run.mounts));
    const key = contentKey(file, bytes);
    const files = sameContent.get(key);
    if (files) files.push(file);
    else {
      sameContent.set(key, [file]);
      if (!passed.has(key)) pending.set(file, { file, bytes: bytes.length, kinds: kindsIn(bytes.toString('latin1')) });
    }
  }
  const keyOf = new Map([...sameContent].map(([key, files]) => [files[0]!, key]));
  const results = await validateFiles([...pending.values()], run);
  if (folder && results.every((r) => pending.has(r.filename))) {
    const failed = new Set(results.map((r) => r.filename));
    recordPasses(
      folder,
      [...pending.keys()].filter((file) => !failed.has(file)).map((file) => keyOf.get(file)!),
    );
  }
  return results.flatMap((r) => {
    const key = keyOf.get(r.filename);
    return key ? sameContent.get(key)!.map((filename) => ({ ...r, filename })) : [r];
  });
}
