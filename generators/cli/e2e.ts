// `npm run e2e [-- --cluster <name>]`: Flux reconciles each cluster's folder into a real Kubernetes API server on
// loopback (generators/proving-ground/). Prints the timings and each process's peak memory; exits 1 on any problem.
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { flux } from '../../bootstrap/talos/steps';
import { Runner } from '../../bootstrap/talos/runner';
import { buildGoTool } from '../go-tools';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { everyComponent } from '../registries';
import { baseline, type InstallFlux, runDir, startHarness } from '../proving-ground/run';
import { scenarios } from '../proving-ground/scenarios';
import { PROVING_GROUND_TOOLS } from '../proving-ground/tools';
import { rmSync } from 'node:fs';
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
  let failed = false;
  for (const cluster of clusters) {
    const dir = runDir(cluster);
    const timings: Record<string, number> = {};
    const opts = { estate, catalogue, cluster, crdSources, installFlux, log: (l: string) => log(`${cluster}: ${l}`) };
    const harness = await startHarness(opts, dir, timings);
    // An interrupted run still stops the servers it started.
    const interrupted = () => void harness.cp.stop().finally(() => process.exit(130));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, interrupted);
    try {
      const problems = await baseline(harness, timings, opts.log);
      problems.push(...(await scenarios(harness, opts, timings)));
      const rss = [...harness.cp.processes, ...harness.controllers].map((p) => `${p.name} ${p.peakRssMiB() ?? '?'}`);
      log(
        `${cluster}: timings (s): ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
      );
      log(`${cluster}: peak RSS (MiB): ${rss.join(', ')}`);
      if (problems.length) {
        failed = true;
        console.error(`${cluster}: ${problems.length} problems:\n  ${problems.join('\n  ')}`);
      } else log(`${cluster}: passed`);
    } finally {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, interrupted);
      await harness.cp.stop();
      if (!failed) rmSync(dir, { recursive: true, force: true });
      else log(`${cluster}: logs kept in ${dir}/logs`);
    }
  }
  if (failed) throw new Error('the proving ground found problems (listed above)');
});
