// `npm run bench:diff`: the change summary of a 500-object change. Targets: under 2 s, summary under 60 KB.
import { performance } from 'node:perf_hooks';
import { deployment, fixtureRepo, type Tree } from '../diff/fixture-repo';
import { FULL_LIMITS, renderReport, SUMMARY_LIMITS } from '../diff/report';
import { changesAgainst } from '../diff/trees';

const CHANGED = 500;
const UNCHANGED = 500;

const repo = fixtureRepo();
try {
  const base: Tree = {};
  const pr: Tree = {};
  for (let i = 0; i < CHANGED + UNCHANGED; i++) {
    const cluster = i % 2 ? 'onprem' : 'aws';
    const name = `app-${String(i).padStart(4, '0')}`;
    const path = `clusters/${cluster}/apps/${name}/deployment-${name}.yaml`;
    base[path] = [deployment('bench', name, { replicas: 2, image: `ghcr.io/acme/${name}:1.0.0` })];
    pr[path] =
      i < CHANGED ? [deployment('bench', name, { replicas: 3, image: `ghcr.io/acme/${name}:1.1.0` })] : base[path]!;
  }
  repo.write(base);
  repo.commit('base');
  repo.write(pr);

  const started = performance.now();
  const { changes } = changesAgainst(repo.root, 'HEAD');
  const summary = renderReport(changes, {
    base: 'HEAD',
    limits: SUMMARY_LIMITS,
    fullReportName: '`change-summary.md`',
  });
  const full = renderReport(changes, { base: 'HEAD', limits: FULL_LIMITS });
  const ms = performance.now() - started;

  const changed = changes.reduce((n, c) => n + c.changed.length, 0);
  const kb = (text: string) => (Buffer.byteLength(text) / 1024).toFixed(1);
  console.log(`objects: ${CHANGED + UNCHANGED} in base and PR, ${changed} changed`);
  console.log(`compare + summary + full report: ${ms.toFixed(0)} ms (target < 2000 ms)`);
  console.log(`summary: ${kb(summary)} KB (target < 60 KB); full report: ${kb(full)} KB`);
  if (changed !== CHANGED || ms >= 2000 || Buffer.byteLength(summary) >= 60 * 1024) process.exitCode = 1;
} finally {
  repo.remove();
}
