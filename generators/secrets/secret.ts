// Creates a Secret that a component declared with `ctx.secret(...)`, encrypted by the real sops to its cluster's age
// key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Catalogue } from '../component';
import type { Cluster, Estate } from '../model';
import { goTool } from '../go-tools';
import { renderEstate, secretMetadata, type SecretRef } from '../render';
import { ageRecipients, isEncryptedValue, SOPS_CONFIG, sopsConfigProblems } from './sops';

export interface SecretRequest {
  cluster: string;
  namespace: string;
  name: string;
  /** Key → value; values are written base64-encoded under `data`. */
  entries: Map<string, Buffer>;
}

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

export const SECRET_USAGE = `usage: npm run secret -- <cluster> <namespace> <name> [--from-file KEY=path]… [--stdin KEY]

Give exactly the keys the component declares for the Secret (ctx.secret(layer, namespace, name, keys)):
  --from-file KEY=path  the value is the file's content
  --stdin KEY           the value is read from standard input, one trailing newline dropped
                        (e.g. \`pass show s3 | npm run secret -- onprem log-export s3-writer --stdin KEY ...\`)
  KEY=value             also accepted, but npm echoes the command line: the value can end up in logs and history`;

const EXPECTED = 'expected --from-file KEY=path, --stdin KEY or KEY=value';

/** Where values come from: files and standard input (tests pass their own). */
export interface ValueSources {
  readFile(path: string): Buffer;
  readStdin(): Buffer;
}

const PROCESS_SOURCES: ValueSources = { readFile: (path) => readFileSync(path), readStdin: () => readFileSync(0) };

function checkedKey(key: string, entries: Map<string, Buffer>): string {
  if (!DATA_KEY.test(key))
    throw new Error(`key ${JSON.stringify(key)} is not a valid Secret data key (letters, digits, "-", "_", ".")`);
  if (entries.has(key)) throw new Error(`key ${JSON.stringify(key)} is given twice`);
  return key;
}

/** `--from-file KEY=path`, `--stdin KEY` and `KEY=value` arguments → entries; throws naming the bad argument. */
export function parseEntries(args: string[], sources: ValueSources = PROCESS_SOURCES): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  let stdinTaken = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--stdin') {
      const key = args[++i];
      if (!key || key.startsWith('-')) throw new Error(`${EXPECTED}, got "--stdin" without a KEY`);
      if (stdinTaken) throw new Error('--stdin can give one key only: standard input is read once');
      stdinTaken = true;
      const value = sources.readStdin();
      entries.set(checkedKey(key, entries), value.at(-1) === 10 ? value.subarray(0, -1) : value);
      continue;
    }
    const fromFile = args[i] === '--from-file';
    const arg = fromFile ? args[++i] : args[i];
    const eq = arg?.indexOf('=') ?? -1;
    if (!arg || eq <= 0) throw new Error(`${EXPECTED}, got ${JSON.stringify(arg ?? args[i - 1])}`);
    const key = checkedKey(arg.slice(0, eq), entries);
    const path = arg.slice(eq + 1);
    if (fromFile) {
      try {
        entries.set(key, sources.readFile(path));
      } catch (error) {
        throw new Error(
          `--from-file ${key}=${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    } else entries.set(key, Buffer.from(path));
  }
  if (!entries.size) throw new Error(`give at least one key\n\n${SECRET_USAGE}`);
  return entries;
}

function declaredSecret(estate: Estate, catalogue: Catalogue, request: SecretRequest): SecretRef {
  const cluster = estate.clusters.find((c) => c.name === request.cluster);
  if (!cluster)
    throw new Error(
      `unknown cluster ${JSON.stringify(request.cluster)}; known: ${estate.clusters.map((c) => c.name).join(', ')}`,
    );
  const secrets = renderEstate(estate, catalogue).secrets.filter((s) => s.cluster === request.cluster);
  const ref = secrets.find((s) => s.namespace === request.namespace && s.name === request.name);
  if (ref) return ref;
  const known = secrets.map((s) => `${s.namespace}/${s.name}`).join(', ') || 'none';
  throw new Error(
    `Secret ${request.namespace}/${request.name} is not declared for cluster "${request.cluster}" (declared: ${known}). ` +
      `Declare it in the component's render with ctx.secret('<layer>', '${request.namespace}', '${request.name}'), ` +
      'reference it by name from the workload, run `npm run render`, then run this command again.',
  );
}

/**
 * Encrypts the Secret with sops (rules from the repo's .sops.yaml) and writes it where the renderer declared it.
 * Values go from memory to sops' stdin; no plaintext touches the disk. Returns the repo-relative path written.
 */
export function createSecret(root: string, estate: Estate, request: SecretRequest, catalogue: Catalogue): string {
  const ref = declaredSecret(estate, catalogue, request);
  return writeSecret(root, estate.clusters.find((c) => c.name === request.cluster)!, ref, request.entries);
}

/** `createSecret` for a Secret already looked up in a rendering of the estate (a command writing many at once). */
export function writeSecret(root: string, cluster: Cluster, ref: SecretRef, entries: Map<string, Buffer>): string {
  const given = [...entries.keys()];
  const undeclared = given.filter((k) => !ref.keys.includes(k));
  const missing = ref.keys.filter((k) => !entries.has(k));
  if (undeclared.length || missing.length) {
    const what = [
      undeclared.length
        ? `${undeclared.join(', ')} ${undeclared.length > 1 ? 'are' : 'is'} not read by its consumer`
        : '',
      missing.length ? `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing` : '',
    ];
    throw new Error(
      `${ref.path}: Secret ${ref.namespace}/${ref.name} declares the keys ${ref.keys.join(', ')}; ` +
        `${what.filter(Boolean).join(' and ')} (nothing was written)`,
    );
  }
  for (const [key, value] of entries) {
    if (!value.length)
      throw new Error(`${ref.path}: key ${key} has an empty value: give it content (nothing was written)`);
  }
  const configPath = join(root, SOPS_CONFIG);
  const problems = sopsConfigProblems(existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined, cluster);
  if (problems.length) throw new Error(`${SOPS_CONFIG} does not fit the cluster model:\n  ${problems.join('\n  ')}`);

  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: secretMetadata(ref),
    type: 'Opaque',
    data: Object.fromEntries(
      [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString('base64')]),
    ),
  };
  const target = join(root, ref.path);
  const encrypted = execFileSync(goTool('sops'), ['--config', configPath, 'encrypt', '--filename-override', target], {
    input: stringify(secret),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  const written = parse(encrypted) as { data?: Record<string, unknown>; sops?: unknown };
  const recipients = ageRecipients(written.sops);
  if (recipients.join() !== cluster.flux.ageRecipient || !Object.values(written.data ?? {}).every(isEncryptedValue)) {
    throw new Error(
      `sops did not encrypt ${ref.path} for cluster "${cluster.name}" only (recipients: ${recipients.join(', ') || 'none'}); check ${SOPS_CONFIG}`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.partial`, encrypted);
  renameSync(`${target}.partial`, target);
  return ref.path;
}
