// `npm run bench:tests [-- --cold] [--without-proving-ground]`: wall times of the test tiers against their targets
// (issue 21), on this machine. Default: the unit tier, then the warm full run (the steps of `npm test`, after a warm-up
// that builds whatever the Go-tool and schema caches lack). `--cold`: `npm ci && npm test` in a fresh clone of HEAD
// with an empty GOCACHE. `--without-proving-ground` leaves out its test file, which has a target of its own.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { WITHOUT_PROVING_GROUND } from '../../vitest.config';
import { buildSharedArtifacts } from '../../vitest.integration-setup';
import { repoRoot } from './run';

const TARGET_S = { unit: 30, warm: 5 * 60, cold: 45 * 60, coldWithoutProvingGround: 15 * 60 };
const SLOWEST_SHOWN = 10;

interface Timed {
  label: string;
  seconds: number;
  ok: boolean;
}

function timed(label: string, command: string, cwd = repoRoot, env: NodeJS.ProcessEnv = process.env): Timed {
  console.log(`\n▶ ${label}: ${command}`);
  const started = performance.now();
  const run = spawnSync(command, { cwd, env, shell: true, stdio: 'inherit' });
  return { label, seconds: (performance.now() - started) / 1000, ok: run.status === 0 };
}

/** The test files of a vitest JSON report, slowest first. */
function slowestFiles(reportFile: string, root: string): string[] {
  if (!existsSync(reportFile)) return ['  (vitest wrote no report)'];
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    testResults: { name: string; startTime: number; endTime: number; status: string }[];
  };
  return report.testResults
    .map((f) => ({ file: relative(root, f.name), seconds: (f.endTime - f.startTime) / 1000, status: f.status }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, SLOWEST_SHOWN)
    .map((f) => `  ${f.seconds.toFixed(1).padStart(7)} s  ${f.file}${f.status === 'passed' ? '' : ` (${f.status})`}`);
}

/** `npm test`, one step at a time, so the figures show where the time goes; vitest also writes a JSON report. */
function fullRun(label: string, root: string, env: NodeJS.ProcessEnv, reportFile: string): Timed[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { test: string } };
  // The tree's own vitest, not the one on the PATH npm gave this script.
  const path = `${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  return pkg.scripts.test.split(' && ').map((step) => {
    const command = step.startsWith('vitest ')
      ? `${step} --reporter=default --reporter=json --outputFile.json=${reportFile}`
      : step;
    return timed(`${label}: ${step}`, command, root, { ...env, PATH: path });
  });
}

/** One line of the result table, and whether the tier passed and met its target. */
function judge(tier: string, steps: Timed[], target: number): { line: string; ok: boolean } {
  const seconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  const failed = steps.filter((s) => !s.ok).map((s) => s.label);
  const verdict = failed.length ? `FAILED (${failed.join(', ')})` : seconds <= target ? 'ok' : 'OVER TARGET';
  const figures = `${seconds.toFixed(1).padStart(8)} s   ≤ ${String(target).padStart(4)} s`;
  return { line: `${tier.padEnd(10)} ${figures}   ${verdict}`, ok: verdict === 'ok' };
}

function breakdown(steps: Timed[]): string[] {
  return steps.map((s) => `  ${s.seconds.toFixed(1).padStart(7)} s  ${s.label}${s.ok ? '' : '  (failed)'}`);
}

const { values } = parseArgs({
  options: {
    cold: { type: 'boolean', default: false },
    'without-proving-ground': { type: 'boolean', default: false },
  },
});
const withoutProvingGround = values['without-proving-ground'] === true;
if (withoutProvingGround) process.env[WITHOUT_PROVING_GROUND] = '1';
const scope = withoutProvingGround ? ' without the proving ground' : '';
const scratch = mkdtempSync(join(tmpdir(), 'bench-tests-'));
// Open to every user: tests that drop privileges (PostgreSQL, the user who may not install nginx) reach into the clone.
chmodSync(scratch, 0o755);
const reportFile = join(scratch, 'vitest.json');
const lines: string[] = [];
const results: { line: string; ok: boolean }[] = [];
try {
  if (values.cold) {
    const clone = join(scratch, 'clone');
    const env = { ...process.env, GOCACHE: join(scratch, 'gocache') };
    const setUp = [
      timed('clone', `git clone --quiet ${JSON.stringify(repoRoot)} ${JSON.stringify(clone)}`),
      timed('npm ci', 'npm ci --no-audit --no-fund', clone, env),
    ];
    const steps = setUp.every((s) => s.ok) ? fullRun('cold', clone, env, reportFile) : setUp;
    results.push(judge('cold full', steps, withoutProvingGround ? TARGET_S.coldWithoutProvingGround : TARGET_S.cold));
    lines.push('cold full, by step:', ...breakdown([...setUp, ...steps]));
    lines.push('slowest test files:', ...slowestFiles(reportFile, clone));
  } else {
    const warmUp = performance.now();
    buildSharedArtifacts();
    const warmUpS = (performance.now() - warmUp) / 1000;
    const unit = [timed('unit', 'vitest run --project unit --project unit-pulumi')];
    const full = fullRun('warm', repoRoot, process.env, reportFile);
    results.push(judge('unit', unit, TARGET_S.unit), judge('warm full', full, TARGET_S.warm));
    lines.push('warm full, by step:', ...breakdown(full), 'slowest test files:', ...slowestFiles(reportFile, repoRoot));
    lines.push(`(warm-up, not counted: ${warmUpS.toFixed(1)} s to build what the caches lacked)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\ntier        wall time   target   result (${values.cold ? 'cold' : 'warm'}${scope}, this machine)`);
console.log([...results.map((r) => r.line), ...lines].join('\n'));
if (!results.every((r) => r.ok)) process.exitCode = 1;
