// One proving-ground run for one cluster: a loopback control plane, the served copy of HEAD, Flux installed the way
// `npm run talos -- flux` installs it, then the checks of checks.ts and the change scenarios of scenarios.ts. Beside
// the Git server, a loopback stand-in for GitHub's commit-status API (github-status-stand-in.ts) receives the commit
// statuses notification-controller posts for the Kustomizations, which the scenarios check.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Catalogue } from '../component';
import { FLUX_NAMESPACE } from '../flux';
import { goTool } from '../go-tools';
import { SOPS_SUFFIX } from '../layout';
import { parseManifests } from '../manifests';
import type { Cluster, Estate } from '../model';
import type { CrdSource } from '../validate/schemas';
import { readyOrderProblems, secretProblems, specMismatches, WORKLOAD_KINDS, workloadNotReady } from './checks';
import { type ControlPlane, startControlPlane } from './control-plane';
import { readTree, type Timeouts } from './deviations';
import { startFluxControllers } from './flux-controllers';
import { serveGit } from './git-server';
import { commitStatusToken, type GitHubStatusStandIn, serveGitHubStatusStandIn } from './github-status-stand-in';
import type { Running } from './processes';
import { waitFor } from './processes';
import { cloneHead, type DeviationOptions, deviate, reencryptSecrets, type ServedCopy } from './served-copy';

/** What `npm run talos -- flux` does, given a kubeconfig folder, the age key and the checkout to install from. */
export type InstallFlux = (args: { cluster: Cluster; outDir: string; ageKey: string; root: string }) => Promise<void>;

export interface RunOptions {
  estate: Estate;
  catalogue: Catalogue;
  cluster: string;
  crdSources: Readonly<Record<string, readonly CrdSource[]>>;
  installFlux: InstallFlux;
  log: (line: string) => void;
}

export const TIMEOUTS: Timeouts = { timeout: '90s', retryInterval: '10s', sourceInterval: '10s' };
const REQUEUE_DEPENDENCY = '5s';

type Json = Record<string, any>;

export interface Harness {
  cp: ControlPlane;
  served: ServedCopy;
  options: DeviationOptions;
  controllers: Running[];
  /** Where notification-controller posts the commit statuses. */
  github: GitHubStatusStandIn;
  /** The objects of each chart rendered from its module (deviation 1), by the served file that holds them. */
  charts: ReadonlyMap<string, readonly Json[]>;
  /** The commit with the declared deviations, the first Flux reconciles. */
  first: string;
  /** `namespace/name` → key → the value encrypted into the served copy. */
  expectedSecrets: Map<string, Record<string, string>>;
  /** The Kustomizations' Ready condition, by name. */
  kustomizations(): Promise<Map<string, { ready: string; message: string; at: number; revision?: string }>>;
  /** Waits until every Flux Kustomization of the served tree is Ready at the served commit. */
  waitReady(commit: string, timeoutMs?: number): Promise<Map<string, number>>;
}

function ageKey(dir: string): { file: string; recipient: string } {
  const file = join(dir, 'age.agekey');
  execFileSync(goTool('age-keygen'), ['-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const recipient = readFileSync(file, 'utf8').match(/public key: (age1\w+)/)?.[1];
  if (!recipient) throw new Error(`age-keygen wrote no public key into ${file}`);
  return { file, recipient };
}

/** The Flux Kustomizations of the served tree, with what each dependsOn. */
export function fluxUnits(work: string, cluster: string): Map<string, string[]> {
  const units = new Map<string, string[]>();
  for (const [file, text] of readTree(work, cluster)) {
    if (!file.endsWith('.yaml') || file.endsWith(SOPS_SUFFIX)) continue;
    for (const { object } of parseManifests(file, text).docs) {
      const o = object as Json;
      if (o.kind !== 'Kustomization' || !o.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/')) continue;
      units.set(
        o.metadata.name,
        (o.spec.dependsOn ?? []).map((d: { name: string }) => d.name),
      );
    }
  }
  return units;
}

export async function startHarness(o: RunOptions, dir: string, timings: Record<string, number>): Promise<Harness> {
  const cluster = o.estate.clusters.find((c) => c.name === o.cluster);
  if (!cluster)
    throw new Error(
      `unknown cluster ${JSON.stringify(o.cluster)}: known ${o.estate.clusters.map((c) => c.name).join(', ')}`,
    );
  const cp = await startControlPlane(dir, o.log);
  timings.apiServerReadyS = cp.apiServerReadyMs / 1000;
  const gitRoot = join(dir, 'git');
  mkdirSync(gitRoot);
  const server = await serveGit(gitRoot);
  const github = await serveGitHubStatusStandIn();
  const served = cloneHead(join(dir, 'work'), join(gitRoot, 'estate.git'));
  const key = ageKey(dir);
  const options: DeviationOptions = {
    estate: o.estate,
    catalogue: o.catalogue,
    cluster: o.cluster,
    gitUrl: server.url('estate'),
    commitStatusOrigin: github.origin,
    ageRecipient: key.recipient,
    crdSources: o.crdSources,
    timeouts: TIMEOUTS,
  };
  const before = readTree(served.work, o.cluster);
  const expectedSecrets = reencryptSecrets(served.work, options);
  github.acceptToken(commitStatusToken(before, expectedSecrets));
  const { charts } = deviate(served.work, options, before);
  const first = await served.commit('proving ground: declared deviations');
  const controllers: Running[] = [];
  const stopAll = cp.stop;
  cp.stop = async () => {
    for (const c of controllers) await c.stop();
    await server.close();
    await github.close();
    await stopAll();
  };
  const installStarted = Date.now();
  const controllersStarted = startFluxControllers(cp, dir, REQUEUE_DEPENDENCY).then((r) => controllers.push(...r));
  await Promise.all([o.installFlux({ cluster, outDir: dir, ageKey: key.file, root: served.work }), controllersStarted]);
  timings.fluxInstalledS = (Date.now() - installStarted) / 1000;

  const kustomizations: Harness['kustomizations'] = async () => {
    const list = JSON.parse(
      await cp.kubectl(['-n', FLUX_NAMESPACE, 'get', 'kustomizations.kustomize.toolkit.fluxcd.io', '-o', 'json']),
    );
    return new Map(
      (list.items as Json[]).map((k) => {
        const ready = (k.status?.conditions ?? []).find((c: Json) => c.type === 'Ready') ?? {};
        return [
          k.metadata.name,
          {
            ready: ready.status ?? 'Unknown',
            message: ready.message ?? '',
            at: Date.parse(ready.lastTransitionTime ?? '') || 0,
            revision: k.status?.lastAppliedRevision,
          },
        ];
      }),
    );
  };
  const harness: Harness = {
    cp,
    served,
    options,
    controllers,
    github,
    charts,
    first,
    expectedSecrets,
    kustomizations,
    async waitReady(commit, timeoutMs = 600_000) {
      const units = fluxUnits(served.work, o.cluster);
      let last = new Map<string, { ready: string; message: string; at: number; revision?: string }>();
      await waitFor(
        `every Kustomization Ready at ${commit.slice(0, 12)}`,
        async () => {
          last = await kustomizations();
          return [...units.keys()].every(
            (n) => last.get(n)?.ready === 'True' && last.get(n)?.revision?.endsWith(commit),
          );
        },
        timeoutMs,
      ).catch((error: Error) => {
        const waiting = [...units.keys()]
          .filter((n) => last.get(n)?.ready !== 'True')
          .map((n) => `${n}: ${last.get(n)?.message ?? 'absent'}`);
        throw new Error(`${error.message}\n  ${waiting.join('\n  ')}`);
      });
      return new Map([...units.keys()].map((n) => [n, last.get(n)!.at]));
    },
  };
  return harness;
}

/** Rendered objects of the served tree that Flux applies as they are (SOPS files hold ciphertext in Git). */
export function renderedObjects(work: string, cluster: string): Json[] {
  const objects: Json[] = [];
  for (const [file, text] of readTree(work, cluster)) {
    if (!file.endsWith('.yaml') || file.endsWith(SOPS_SUFFIX) || file.endsWith('/kustomization.yaml')) continue;
    objects.push(...parseManifests(file, text).docs.map((d) => d.object as Json));
  }
  return objects;
}

export const refOf = (o: Json) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The live objects of the served tree's rendered objects, by `Kind/namespace/name`, with their managedFields. */
export async function liveObjects(h: Harness): Promise<{ rendered: Json[]; live: Map<string, Json> }> {
  const rendered = renderedObjects(h.served.work, h.options.cluster);
  const file = join(h.served.work, '..', 'rendered.yaml');
  writeFileSync(file, rendered.map((o) => stringify(o)).join('---\n'));
  const args = ['get', '-f', file, '-o', 'json', '--ignore-not-found', '--show-managed-fields'];
  const list = JSON.parse(await h.cp.kubectl(args)) as { items: Json[] };
  rmSync(file);
  return { rendered, live: new Map(list.items.map((o) => [refOf(o), o])) };
}

/** Every rendered object exists with the rendered fields; every SOPS Secret holds the values encrypted into Git. */
export async function estateProblems(h: Harness): Promise<string[]> {
  const { rendered: objects, live } = await liveObjects(h);
  const byRef = live;
  const problems: string[] = [];
  for (const o of objects) {
    const ref = refOf(o);
    const found = byRef.get(ref);
    if (!found) problems.push(`${ref} is not in the cluster`);
    else problems.push(...specMismatches(o, found).map((m) => `${ref} ${m}`));
  }
  if (!h.expectedSecrets.size) problems.push('no SOPS Secret was served: the decryption went unchecked');
  for (const [name, values] of h.expectedSecrets) {
    const [namespace, secret] = name.split('/');
    const liveSecret = JSON.parse(
      await h.cp.kubectl(['-n', namespace!, 'get', 'secret', secret!, '-o', 'json']).catch(() => '{}'),
    );
    problems.push(...secretProblems(name, values, liveSecret.data));
  }
  return problems;
}

/** Every Deployment, DaemonSet and StatefulSet a chart of a pinned module rendered exists and is ready. */
async function chartWorkloadProblems(h: Harness, log: (l: string) => void): Promise<string[]> {
  const workloads = [...h.charts.values()].flat().filter((o) => WORKLOAD_KINDS.has(o.kind));
  const { live } = await liveObjects(h);
  const problems = workloads.flatMap((o) => {
    const found = live.get(refOf(o));
    const why = found ? workloadNotReady(found) : 'is not in the cluster';
    return why ? [`${refOf(o)}, rendered by its chart, ${why}`] : [];
  });
  log(
    `charts rendered from their modules: ${h.charts.size}; workloads ready: ${workloads.length - problems.length} ` +
      `of ${workloads.length} (${workloads.map(refOf).join(', ') || 'none'})`,
  );
  return problems;
}

/**
 * The baseline: the whole tree Ready in dependsOn order, every object as rendered, the workloads of the charts
 * rendered from their modules ready, the sample app Available.
 */
export async function baseline(
  h: Harness,
  timings: Record<string, number>,
  log: (l: string) => void,
): Promise<string[]> {
  const started = Date.now();
  const readyAt = await h.waitReady(h.first);
  timings.treeReadyS = (Date.now() - started) / 1000;
  log(`every Kustomization Ready ${timings.treeReadyS.toFixed(1)}s after Flux was installed`);
  const problems = readyOrderProblems(readyAt, fluxUnits(h.served.work, h.options.cluster));
  problems.push(...(await estateProblems(h)));
  problems.push(...(await chartWorkloadProblems(h, log)));
  const available = await h.cp
    .kubectl([
      '-n',
      'task-tracker',
      'get',
      'deployment',
      'task-tracker',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Available")].status}',
    ])
    .catch((e: Error) => e.message);
  if (available !== 'True') problems.push(`Deployment task-tracker/task-tracker is not Available (${available})`);
  return problems;
}

/** A fresh temp folder for one run, removed by the caller's `finally`. */
export const runDir = (cluster: string) => mkdtempSync(join(tmpdir(), `proving-ground-${cluster}-`));
