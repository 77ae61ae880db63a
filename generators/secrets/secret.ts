// Creates a Secret that a component declared with `ctx.secret(...)`, encrypted by the real sops to its cluster's age key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Catalogue } from '../component';
import type { Estate } from '../model';
import { goTool } from '../go-tools';
import { renderEstate, type SecretRef } from '../render';
import { ageRecipients, isEncryptedValue, SOPS_CONFIG, sopsConfigProblems } from './sops';

export interface SecretRequest {
  cluster: string;
  namespace: string;
  name: string;
  /** Key → value; values are written base64-encoded under `data`. */
  entries: Map<string, Buffer>;
}

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** `KEY=value` and `--from-file KEY=path` arguments → entries; throws naming the bad argument. */
export function parseEntries(args: string[], readFile: (path: string) => Buffer = readFileSync): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < args.length; i++) {
    const fromFile = args[i] === '--from-file';
    const arg = fromFile ? args[++i] : args[i];
    const eq = arg?.indexOf('=') ?? -1;
    if (!arg || eq <= 0)
      throw new Error(`expected KEY=value or --from-file KEY=path, got ${JSON.stringify(arg ?? args[i - 1])}`);
    const key = arg.slice(0, eq);
    if (!DATA_KEY.test(key))
      throw new Error(`key ${JSON.stringify(key)} is not a valid Secret data key (letters, digits, "-", "_", ".")`);
    if (entries.has(key)) throw new Error(`key ${JSON.stringify(key)} is given twice`);
    entries.set(key, fromFile ? readFile(arg.slice(eq + 1)) : Buffer.from(arg.slice(eq + 1)));
  }
  if (!entries.size) throw new Error('give at least one KEY=value or --from-file KEY=path');
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
  const cluster = estate.clusters.find((c) => c.name === request.cluster)!;
  const configPath = join(root, SOPS_CONFIG);
  const problems = sopsConfigProblems(existsSync(configPath) ? readFileSync(configPath, 'utf8') : undefined, cluster);
  if (problems.length) throw new Error(`${SOPS_CONFIG} does not fit the cluster model:\n  ${problems.join('\n  ')}`);

  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: request.name, namespace: request.namespace },
    type: 'Opaque',
    data: Object.fromEntries(
      [...request.entries].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString('base64')]),
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
