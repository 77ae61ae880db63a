// `npm run e2e [-- --cluster <name>]`: Flux reconciles each cluster's folder into a real Kubernetes API server on
// loopback (generators/proving-ground/). Prints the timings and each process's peak memory; exits 1 on any problem.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { flux } from '../../bootstrap/talos/steps';
import { Runner } from '../../bootstrap/talos/runner';
import { buildGoTool } from '../go-tools';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { everyComponent } from '../registries';
import { baseline, type Harness, type InstallFlux, type RunOptions, runDir, startHarness } from '../proving-ground/run';
import { scenarios } from '../proving-ground/scenarios';
import { PROVING_GROUND_TOOLS } from '../proving-ground/tools';
import { runCli } from './run';

const log = (line: string) => console.log(`[e2e] ${line}`);

/** Builds every tool (relinking only, when Go's cache is warm), timing each. */
function buildTools(): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const tool of Object.values(PROVING_GROUND_TOOLS)) {
    const started = Date.now();
    const path = buildGoTool(tool);
    seconds[tool.name] = (Date.now() - started) / 1000;
    if (tool.name === 'kubectl') process.env.PATH = `${dirname(path)}:${process.env.PATH}`;
  }
  return seconds;
}

// `npm run talos -- flux` itself, with the kubeconfig, age key and checkout of the proving ground.
const installFlux: InstallFlux = ({ cluster, outDir, ageKey, root }) =>
  flux({
    cluster,
    outDir,
    ageKey,
    root,
    secretsFile: '',
    yes: true,
    log,
    runner: new Runner({ dryRun: false, retryDelaySeconds: 2, log }),
  });

/** The cluster whose servers are up, which an interrupted run stops. */
let running: Harness | undefined;

/** One cluster's run, from a fresh control plane to its last scenario; whether it passed. */
async function provingGround(cluster: string, crdSources: RunOptions['crdSources']): Promise<boolean> {
  const dir = runDir(cluster);
  const timings: Record<string, number> = {};
  const opts = { estate, catalogue, cluster, crdSources, installFlux, log: (l: string) => log(`${cluster}: ${l}`) };
  const harness = await startHarness(opts, dir, timings);
  running = harness;
  let passed = false;
  try {
    const problems = await baseline(harness, timings, opts.log);
    problems.push(...(await scenarios(harness, opts, timings)));
    const rss = [...harness.cp.processes, ...harness.controllers].map((p) => `${p.name} ${p.peakRssMiB() ?? '?'}`);
    const figures = Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)}`);
    opts.log(`timings (s): ${figures.join(', ')}`);
    opts.log(`peak RSS (MiB): ${rss.join(', ')}`);
    if (problems.length) console.error(`${cluster}: ${problems.length} problems:\n  ${problems.join('\n  ')}`);
    else opts.log('passed');
    passed = problems.length === 0;
    return passed;
  } finally {
    running = undefined;
    await harness.cp.stop();
    if (passed) rmSync(dir, { recursive: true, force: true });
    else opts.log(`logs kept in ${dir}/logs`);
  }
}

runCli(async () => {
  const { values } = parseArgs({ options: { cluster: { type: 'string', multiple: true } } });
  const clusters = values.cluster ?? estate.clusters.map((c) => c.name);
  const build = buildTools();
  log(
    `built (s): ${Object.entries(build)
      .map(([t, s]) => `${t} ${s.toFixed(1)}`)
      .join(', ')}`,
  );
  const crdSources = Object.fromEntries(everyComponent(catalogue).map((c) => [c.name, c.crds?.sources ?? []]));
  const interrupted = () => void Promise.resolve(running?.cp.stop()).finally(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, interrupted);
  // kubectl's discovery cache, which would otherwise go to ~/.kube/cache: one folder for the run
  // (KUBECACHEDIR, k8s.io/cli-runtime v0.35.4 pkg/genericclioptions/config_flags.go), removed after it.
  process.env.KUBECACHEDIR = mkdtempSync(join(tmpdir(), 'proving-ground-kube-cache-'));
  // One cluster after another: run at once, under the load of the other tests, notification-controller's commit
  // statuses lagged past the scenarios' wait for them (2 runs of 3 lost some).
  const passed: boolean[] = [];
  try {
    for (const cluster of clusters) passed.push(await provingGround(cluster, crdSources));
  } finally {
    rmSync(process.env.KUBECACHEDIR, { recursive: true, force: true });
  }
  if (passed.includes(false)) throw new Error('the proving ground found problems (listed above)');
});
