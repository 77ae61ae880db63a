// The change scenarios, each a new commit on the served repository, checked against what Flux then reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compareManifests } from '../diff/changes';
import { repositoryWebUrl } from '../flux';
import { toYaml } from '../layout';
import { loadManifests } from '../manifests';
import { commitStatusProblems } from './github-status-stand-in';
import { rerender } from './served-copy';
import { waitFor } from './processes';
import {
  estateProblems,
  fluxUnits,
  liveObjects,
  refOf,
  renderedObjects,
  type Harness,
  type RunOptions,
  TIMEOUTS,
} from './run';

type Json = Record<string, any>;
type Log = (line: string) => void;
const DEPLOYMENT = (cluster: string) => `clusters/${cluster}/apps/task-tracker/deployment-task-tracker.yaml`;

/** When kustomize-controller last changed each rendered object by server-side apply, by `Kind/namespace/name`. */
async function appliedAt(h: Harness): Promise<Map<string, string>> {
  const { live } = await liveObjects(h);
  const applied = (o: Json) =>
    (o.metadata.managedFields as Json[] | undefined)?.find(
      (f) => f.manager === 'kustomize-controller' && f.operation === 'Apply',
    )?.time;
  return new Map([...live].map(([ref, o]) => [ref, `${applied(o)}`]));
}

/** Every object the served tree renders for the cluster, by `Kind/namespace/name`. */
function renderedRefs(h: Harness): string[] {
  return renderedObjects(h.served.work, h.options.cluster).map(refOf);
}

function editDeployment(h: Harness, edit: (d: Json) => void): void {
  const file = join(h.served.work, DEPLOYMENT(h.options.cluster));
  const deployment = parse(readFileSync(file, 'utf8')) as Json;
  edit(deployment);
  writeFileSync(file, toYaml([deployment]));
}

/** A bumped image tag changes the Deployment only: no other object is applied again. */
async function versionBump(h: Harness, log: Log): Promise<string[]> {
  const before = await appliedAt(h);
  editDeployment(h, (d) => {
    const c = d.spec.template.spec.containers[0];
    c.image = c.image.replace(/:[^:@]+$/, (tag: string) => `${tag}-bump`);
  });
  await h.waitReady(await h.served.commit('scenario: bump the task-tracker image tag'));
  const after = await appliedAt(h);
  const changed = [...after.keys()].filter((r) => before.get(r) !== after.get(r));
  const expected = ['Deployment/task-tracker/task-tracker'];
  log(`version bump: applied again ${changed.join(', ')} of ${after.size} objects`);
  return JSON.stringify(changed) === JSON.stringify(expected)
    ? []
    : [`version bump: applied again ${changed.join(', ') || 'nothing'}, expected ${expected}`];
}

/** A changed Deployment selector: the change summary flags it, and Flux reports the immutable field. */
async function selectorChange(h: Harness, log: Log): Promise<string[]> {
  const problems: string[] = [];
  const base = loadManifests(h.served.work).docs;
  editDeployment(h, (d) => {
    d.spec.selector.matchLabels['app.kubernetes.io/component'] = 'api';
    d.spec.template.metadata.labels['app.kubernetes.io/component'] = 'api';
  });
  const risks = compareManifests(base, loadManifests(h.served.work).docs).flatMap((c) => c.risks);
  if (!risks.some((r) => r.ref === 'Deployment/task-tracker/task-tracker' && r.reason.includes('spec.selector'))) {
    problems.push('selector change: the change summary does not flag the Deployment selector as risky');
  }
  await h.served.commit('scenario: change the task-tracker Deployment selector');
  let message = '';
  await waitFor(
    'apps-task-tracker to report the immutable selector',
    async () => {
      message = (await h.kustomizations()).get('apps-task-tracker')?.message ?? '';
      return /immutable/.test(message);
    },
    180_000,
  ).catch(() => problems.push(`selector change: apps-task-tracker reports ${JSON.stringify(message)}`));
  log(`selector change: flagged ${risks.length} risk(s); apps-task-tracker: ${message.slice(0, 200)}`);
  return problems;
}

/** Removing a component from the model: Flux prunes exactly its objects, and everything else stays. */
async function removeComponent(h: Harness, o: RunOptions, component: string, log: Log): Promise<string[]> {
  const before = renderedRefs(h);
  const estate = {
    ...o.estate,
    clusters: o.estate.clusters.map((c) =>
      c.name === o.cluster
        ? { ...c, platform: Object.fromEntries(Object.entries(c.platform).filter(([n]) => n !== component)) }
        : c,
    ),
  };
  rerender(h.served.work, estate, h.options);
  const after = new Set(renderedRefs(h));
  const gone = before.filter((r) => !after.has(r));
  await h.waitReady(await h.served.commit(`scenario: remove ${component} from the model`));
  const problems: string[] = [];
  await waitFor(
    `the objects of ${component} to be pruned`,
    async () => {
      for (const ref of gone) {
        const [kind, namespace, name] = ref.split('/');
        const found = await h.cp.kubectl([
          'get',
          kind!,
          name!,
          ...(namespace ? ['-n', namespace] : []),
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        if (found.trim()) return false;
      }
      return true;
    },
    180_000,
  ).catch((e: Error) => problems.push(`remove ${component}: ${e.message}`));
  if (!gone.some((r) => r.startsWith('Kustomization/')))
    problems.push(`remove ${component}: no Flux Kustomization left the tree`);
  problems.push(...(await estateProblems(h)).map((p) => `remove ${component}: ${p}`));
  log(`remove ${component}: ${gone.length} objects pruned, ${after.size} still as rendered`);
  return problems;
}

/**
 * A component whose controller never becomes ready (its chart's HelmRelease back in place, and no helm-controller):
 * its Kustomization fails its health check, the ones that depend on it, directly or not, wait, all others go on.
 */
async function neverReady(h: Harness, component: string, log: Log): Promise<string[]> {
  const units = fluxUnits(h.served.work, h.options.cluster);
  const unit = `platform-controllers-${component}`;
  const blocked = new Set([unit]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, deps] of units)
      if (!blocked.has(name) && deps.some((d) => blocked.has(d))) grew = blocked.add(name).size > 0;
  }
  const folder = `clusters/${h.options.cluster}/platform-controllers/${component}`;
  for (const file of h.served.filesAtHead(folder)) writeFileSync(join(h.served.work, file), h.served.atHead(file));
  const commit = await h.served.commit(`scenario: ${component}'s chart never becomes ready`);
  const problems: string[] = [];
  let state = await h.kustomizations();
  const settled = () =>
    [...units.keys()].every((n) => {
      const k = state.get(n);
      return blocked.has(n) ? k?.ready === 'False' : k?.ready === 'True' && k.revision?.endsWith(commit);
    });
  await waitFor(
    `only ${[...blocked].join(', ')} to stop being Ready`,
    async () => settled() || ((state = await h.kustomizations()), settled()),
    (Number.parseInt(TIMEOUTS.timeout, 10) + 120) * 1000,
  ).catch(() => {
    for (const [n, k] of state)
      problems.push(`never ready: ${n} is Ready=${k.ready} at ${k.revision} (${k.message.slice(0, 160)})`);
  });
  log(`never ready: blocked ${[...blocked].join(', ')}; ${units.size - blocked.size} others Ready at the new commit`);
  problems.push(...(await commitStatuses(h, commit, [unit], 'failure', log)));
  return problems;
}

/**
 * notification-controller posted, through the GitHub commit-status API stand-in, a status `<cluster>/<Kustomization>`
 * of `state` at `commit` for each of `units` (the posts follow the Kustomizations' events, so they may lag a little).
 */
async function commitStatuses(h: Harness, commit: string, units: readonly string[], state: string, log: Log) {
  const expected = {
    repository: new URL(repositoryWebUrl(h.options.estate.repository)).pathname.slice(1),
    sha: commit,
    contexts: units.map((u) => `${h.options.cluster}/${u}`),
    state,
  };
  let problems: string[] = [];
  await waitFor(
    `${units.length} ${state} commit statuses at ${commit.slice(0, 12)}`,
    async () => !(problems = commitStatusProblems(h.github, expected)).length,
    60_000,
  ).catch(() => undefined);
  const matching = h.github.statuses.filter((s) => s.sha === commit && s.state === state).length;
  log(
    `commit statuses: ${matching} ${state} at ${commit.slice(0, 12)} for ${units.length} Kustomizations, ` +
      `${h.github.statuses.length} received by the GitHub commit-status API stand-in so far`,
  );
  return problems.map((p) => `commit statuses: ${p}`);
}

/** Runs the scenarios in order on the reconciled baseline; each returns what went wrong. */
export async function scenarios(h: Harness, o: RunOptions, timings: Record<string, number>): Promise<string[]> {
  const started = Date.now();
  const log = o.log;
  /** Runs one scenario, adding its seconds to `timings` under `name`. */
  const timed = async (name: string, scenario: () => Promise<string[]>) => {
    const at = Date.now();
    const found = await scenario();
    timings[name] = (Date.now() - at) / 1000;
    return found;
  };
  const problems = [
    ...(await timed('versionBumpS', () => versionBump(h, log))),
    ...(await timed('selectorChangeS', () => selectorChange(h, log))),
  ];
  // Back to the baseline's Deployment, so the next scenarios start from a Ready tree.
  const restore = async () => {
    writeFileSync(join(h.served.work, DEPLOYMENT(o.cluster)), h.served.atHead(DEPLOYMENT(o.cluster)));
    const restored = await h.served.commit('scenario: restore the task-tracker Deployment');
    await h.waitReady(restored);
    // Checked here, not at the first commit: there, what was applied before flux-feedback's Alert had no Alert to post.
    const units = [...fluxUnits(h.served.work, o.cluster).keys()];
    return commitStatuses(h, restored, units, 'success', log);
  };
  problems.push(...(await timed('restoreS', restore)));
  problems.push(...(await timed('removeComponentS', () => removeComponent(h, o, 'metrics', log))));
  problems.push(...(await timed('neverReadyS', () => neverReady(h, 'storage', log))));
  timings.scenariosS = (Date.now() - started) / 1000;
  return problems;
}
