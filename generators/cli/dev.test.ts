// `npm run dev -- --app task-tracker` in a throw-away copy of the repo: the watcher reports a component value change
// with the object it changes, a broken value with the model error, a policy break with the rule; it restarts the
// service on a Go change at the same URL, keeps it serving through a broken build, and stops with it on SIGTERM.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';

const TOOLS_CACHE = join(repoRoot, '.cache', 'go-tools');
const BLOCK_TIMEOUT_MS = 120_000;

/** Tracked and untracked (not ignored) files, committed in a fresh repository; node_modules and .cache are shared. */
function copyOfRepo(): string {
  const copy = mkdtempSync(join(tmpdir(), 'dev-loop-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(copy, file));
  }
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  for (const shared of ['node_modules', '.cache']) symlinkSync(join(repoRoot, shared), join(copy, shared));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=dev-test', '-c', 'user.email=dev-test@example.com', ...args], { cwd: copy });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '--all');
  git('commit', '--quiet', '--no-gpg-sign', '-m', 'base');
  return copy;
}

interface Dev {
  process: ChildProcess;
  /** Resolves with the output from `from` on once `pattern` matches it; the full output names the failure. */
  next(pattern: RegExp): Promise<string>;
  stop(): Promise<number | null>;
}

function startDev(copy: string, args: string[] = []): Dev {
  const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
  const child = spawn(process.execPath, [tsx, 'generators/cli/dev.ts', ...args], {
    cwd: copy,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let consumed = 0;
  const waiters: (() => void)[] = [];
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    process: child,
    async next(pattern) {
      const deadline = Date.now() + BLOCK_TIMEOUT_MS;
      for (;;) {
        const match = pattern.exec(output.slice(consumed));
        if (match) {
          const text = output.slice(consumed, consumed + match.index + match[0].length);
          consumed += match.index + match[0].length;
          return text;
        }
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`npm run dev printed no ${pattern} (exit ${child.exitCode}); output:\n${output}`);
        }
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, 1000);
        });
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const BLOCK_END = /━━ (all green|FAILED) in [\d.]+ s[^\n]*━━\n/;

function edit(copy: string, file: string, from: string, to: string): void {
  const path = join(copy, file);
  const text = readFileSync(path, 'utf8');
  expect(text, `${file} holds ${from}`).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

describe('npm run dev -- --app <name>', () => {
  it('refuses an app it cannot run, naming those it can, without a stack trace', () => {
    const tsx = join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
    const run = spawnSync(process.execPath, [tsx, 'generators/cli/dev.ts', '--app', 'nope'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('unknown app "nope"; usage: npm run dev [-- --app <task-tracker>]');
  });
});

describe('npm run dev -- --app task-tracker, in a copy of the repo', () => {
  let copy: string;
  let dev: Dev;
  const cachedBefore = new Set(readdirSync(TOOLS_CACHE));
  beforeAll(() => {
    copy = copyOfRepo();
    dev = startDev(copy, ['--app', 'task-tracker']);
  });
  afterAll(async () => {
    await dev?.stop();
    rmSync(copy, { recursive: true, force: true });
    // The builds of the edited source are this test's own.
    for (const dir of readdirSync(TOOLS_CACHE).filter((d) => d.startsWith('task-tracker-') && !cachedBefore.has(d))) {
      rmSync(join(TOOLS_CACHE, dir), { recursive: true, force: true });
    }
  });

  const serving = /task-tracker serving at (http:\/\/127\.0\.0\.1:\d+) \(metrics [^)]+\), ready in [\d.]+ s\n/;
  const main = 'apps/task-tracker/cmd/task-tracker/main.go';
  let api = '';
  const healthy = async () => (await fetch(`${api}/healthz`)).status;

  it('starts with a block for the working tree: nothing changed, all gates green', async () => {
    const block = await dev.next(BLOCK_END);
    expect(block).toMatch(/━━ start · /);
    expect(block).toMatch(/^render +ok +\d+ objects in \d+ files/m);
    expect(block).toContain('No cluster receives any change.');
    expect(block).toMatch(/^validate +ok +\d+ objects, 0 problems/m);
    expect(block).toMatch(/^policy +ok +0 violations/m);
    expect(block).toContain('all green');
  });

  it('serves the app on loopback and prints its URL', async () => {
    api = serving.exec(await dev.next(serving))![1]!;
    expect(await healthy()).toBe(200);
  });

  it('after a component value change, names the file and the object it changes, field by field', async () => {
    const values = "'task-tracker': {\n          replicas: { min: 3, max: 10 }";
    edit(copy, 'generators/estate/clusters.ts', values, values.replace('max: 10', 'max: 12'));
    const block = await dev.next(BLOCK_END);
    expect(block).toMatch(/━━ change 1 · [\d:]+ · generators\/estate\/clusters\.ts ━━/);
    expect(block).toMatch(/^changes +ok +against HEAD: .*aws \+0 ~1 -0, onprem unchanged/m);
    expect(block).toContain('`HorizontalPodAutoscaler/task-tracker/task-tracker`');
    expect(block).toContain('~ spec.maxReplicas: 10 → 12');
    expect(block).toContain('all green');
  });

  it('after an invalid value, prints the model error naming the cluster and field, and runs no gate', async () => {
    edit(copy, 'generators/estate/clusters.ts', 'max: 12', 'max: 500');
    const block = await dev.next(BLOCK_END);
    expect(block).toMatch(/━━ change 2 · /);
    expect(block).toMatch(/^render +FAILED error/m);
    expect(block).toContain('invalid cluster model (generators/estate/clusters.ts)');
    expect(block).toMatch(/cluster "aws".*replicas\.max.*got 500/);
    expect(block).not.toMatch(/^validate /m);
    expect(block).toMatch(/━━ FAILED in /);
  });

  it('after a change that breaks a policy rule, names the rule and the object', async () => {
    edit(copy, 'generators/estate/clusters.ts', 'max: 500', 'max: 12');
    edit(copy, 'apps/task-tracker/task-tracker.ts', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false');
    const block = await dev.next(BLOCK_END);
    expect(block).toMatch(/━━ change 3 · /);
    expect(block).toContain(' · apps/task-tracker/task-tracker.ts, generators/estate/clusters.ts ━━');
    expect(block).toMatch(/^render +ok /m);
    expect(block).toMatch(/^policy +FAILED [1-9]\d* violations/m);
    expect(block).toMatch(/^ {4}read-only-root-filesystem .* Deployment\/task-tracker\/task-tracker /m);
    expect(block).toMatch(/━━ FAILED in /);
  });

  it('rebuilds and restarts it on the same URL when its Go source changes', async () => {
    edit(copy, main, 'package main\n', 'package main\n\n// Edited by dev.test.ts.\n');
    const block = await dev.next(serving);
    expect(block).toMatch(/━━ task-tracker · [\d:]+ · apps\/task-tracker\/cmd\/task-tracker\/main\.go ━━/);
    expect(block).toMatch(/building task-tracker from apps\/task-tracker … done in [\d.]+ s/);
    expect(serving.exec(block)![1]).toBe(api);
    expect(await healthy()).toBe(200);
  });

  it('keeps the previous build serving when the Go source does not compile', async () => {
    edit(copy, main, '// Edited by dev.test.ts.', 'func broken( {}');
    const block = await dev.next(/the previous build keeps serving at \S+\n/);
    expect(block).toContain('building Go tool task-tracker from apps/task-tracker');
    expect(block).toContain(`the previous build keeps serving at ${api}`);
    expect(await healthy()).toBe(200);
  });

  it('stops on SIGTERM, and the service with it', async () => {
    expect(await dev.stop()).toBe(0);
    await expect(healthy()).rejects.toThrow();
  });
});
