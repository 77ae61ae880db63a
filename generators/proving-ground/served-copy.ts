// The repository Flux reads in the proving ground: this repository's committed HEAD, cloned, with the declared
// deviations (deviations.ts) as one commit on top, pushed to a bare repository under the loopback Git server.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { Catalogue } from '../component';
import type { Estate } from '../model';
import { chartsOf } from '../registries';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { createSecret } from '../secrets/secret';
import { SOPS_CONFIG } from '../secrets/sops';
import type { CrdSource } from '../validate/schemas';
import { writeRendering } from '../writer';
import {
  chartRenderings,
  patchCommitStatus,
  patchFlux,
  readTree,
  replaceCharts,
  type Timeouts,
  undeclaredChanges,
} from './deviations';

export interface ServedCopy {
  /** The work tree commits are made in. */
  work: string;
  /** The bare repository the Git server serves. */
  bare: string;
  /** A file as this repository's HEAD has it, and the files of a folder there. */
  atHead(file: string): string;
  filesAtHead(folder: string): string[];
  /** Commit `message` of everything in the work tree and push it; returns the new commit. */
  commit(message: string): Promise<string>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export function cloneHead(work: string, bare: string): ServedCopy {
  const head = git(repoRoot, 'rev-parse', 'HEAD');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, work]);
  git(work, 'checkout', '--quiet', '-B', 'main', head);
  for (const [k, v] of [
    ['user.name', 'proving ground'],
    ['user.email', 'proving-ground@127.0.0.1'],
  ])
    git(work, 'config', k!, v!);
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  git(work, 'push', '--quiet', bare, 'main');
  return {
    work,
    bare,
    atHead: (file) => execFileSync('git', ['show', `${head}:${file}`], { cwd: work, encoding: 'utf8' }),
    filesAtHead: (folder) => git(work, 'ls-tree', '-r', '--name-only', head, `${folder}/`).split('\n').filter(Boolean),
    async commit(message) {
      git(work, 'add', '--all');
      git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      await promisify(execFile)('git', ['push', '--quiet', '--force', bare, 'main'], { cwd: work });
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}

export interface DeviationOptions {
  estate: Estate;
  catalogue: Catalogue;
  cluster: string;
  gitUrl: string;
  /** Scheme and host of the GitHub commit-status API stand-in, where the commit-status Providers post. */
  commitStatusOrigin: string;
  /** The throw-away age recipient every Secret is encrypted to. */
  ageRecipient: string;
  crdSources: Readonly<Record<string, readonly CrdSource[]>>;
  timeouts: Timeouts;
}

/** The estate as the served copy renders it: the cluster's SOPS recipient is the throw-away one. */
function withRecipient(estate: Estate, recipient: string): Estate {
  return { ...estate, clusters: estate.clusters.map((c) => ({ ...c, flux: { ...c.flux, ageRecipient: recipient } })) };
}

/**
 * Encrypts a test value for every key of every Secret the cluster declares (through `npm run secret`'s own code, to
 * the throw-away recipient) and returns `namespace/name` → key → value, for the check after decryption.
 */
export function reencryptSecrets(work: string, o: DeviationOptions): Map<string, Record<string, string>> {
  const config = join(work, SOPS_CONFIG);
  const cluster = o.estate.clusters.find((c) => c.name === o.cluster)!;
  writeFileSync(config, readFileSync(config, 'utf8').replaceAll(cluster.flux.ageRecipient, o.ageRecipient));
  const estate = withRecipient(o.estate, o.ageRecipient);
  const expected = new Map<string, Record<string, string>>();
  for (const secret of renderEstate(estate, o.catalogue).secrets.filter((s) => s.cluster === o.cluster)) {
    const inGit = parse(readFileSync(join(work, secret.path), 'utf8')) as { data?: Record<string, string> };
    const keys = secret.keys.length ? secret.keys : Object.keys(inGit.data ?? {});
    const values = Object.fromEntries(keys.map((k) => [k, `proving-ground ${secret.namespace}/${secret.name} ${k}`]));
    const entries = new Map(Object.entries(values).map(([k, v]) => [k, Buffer.from(v)]));
    createSecret(
      work,
      estate,
      { cluster: o.cluster, namespace: secret.namespace, name: secret.name, entries },
      o.catalogue,
    );
    expected.set(`${secret.namespace}/${secret.name}`, values);
  }
  return expected;
}

/**
 * Applies the declared deviations to the work tree and fails if anything else differs from the rendered cluster.
 * Returns the files removed and added, and the objects of each chart rendered from its module, by served file.
 */
export function deviate(work: string, o: DeviationOptions, before = readTree(work, o.cluster)) {
  const charts = chartRenderings(before, chartsOf(o.catalogue), o.estate.clusters);
  const files = replaceCharts(work, o.cluster, o.crdSources, charts);
  patchFlux(work, o.cluster, o.gitUrl, o.timeouts);
  patchCommitStatus(work, o.cluster, o.commitStatusOrigin);
  const problems = undeclaredChanges(before, readTree(work, o.cluster), charts);
  if (problems.length)
    throw new Error(`the served copy differs beyond its declared deviations:\n  ${problems.join('\n  ')}`);
  return { ...files, charts };
}

/** Renders `estate` into the work tree, as `npm run render` would, then applies the deviations again. */
export function rerender(work: string, estate: Estate, o: DeviationOptions): void {
  writeRendering(work, renderEstate(estate, o.catalogue));
  deviate(work, { ...o, estate });
}
