// The fault test of the writer: `npm run render` killed (SIGKILL of its process group) at many points spread over the
// whole run leaves, once the next start has recovered, the old or the new rendering byte for byte with every SOPS
// file, and the next full render leaves no leftovers.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, SOPS_SUFFIX } from './layout';
import { repoRoot } from './repo';
import { recoverOutput } from './writer';

const MODEL = 'generators/estate/clusters.ts';
const COPIED = [
  'generators',
  'platform',
  'apps',
  'bootstrap',
  'clusters',
  'flux-system',
  'package.json',
  'tsconfig.json',
  '.sops.yaml',
];
/** Kill points spread evenly over a whole run, and more over its last fifth, where the writer swaps the trees. */
const EVEN_POINTS = 30;
const LATE_POINTS = 15;
let copy: string;
let models: { a: string; b: string };

function render(): { status: number | null; stderr: string } {
  return spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'generators/cli/launch.ts', 'generators/cli/render.ts'],
    {
      cwd: copy,
      encoding: 'utf8',
    },
  );
}

function tree(): string {
  const out = join(copy, 'clusters');
  return listFiles(out)
    .sort()
    .map((f) => `${relative(out, f)}\n${readFileSync(f, 'base64')}`)
    .join('\n');
}

function sopsFiles(): Map<string, string> {
  const out = join(copy, 'clusters');
  return new Map(
    listFiles(out)
      .filter((f) => f.endsWith(SOPS_SUFFIX))
      .map((f) => [relative(out, f), readFileSync(f, 'utf8')]),
  );
}

function leftovers(): string[] {
  return readdirSync(copy).filter((f) => f.startsWith('.clusters.render'));
}

/** Starts a render in its own process group, SIGKILLs the group after `ms`; resolves whether it still ran then. */
function killAfter(ms: number): Promise<boolean> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'generators/cli/launch.ts', 'generators/cli/render.ts'],
    {
      cwd: copy,
      detached: true,
      stdio: 'ignore',
    },
  );
  return new Promise((resolve) => {
    let killed = false;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
        killed = true;
      } catch {
        killed = false;
      }
    }, ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(killed && signal === 'SIGKILL');
    });
  });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'render-fault-'));
  for (const entry of COPIED) {
    cpSync(join(repoRoot, entry), join(copy, entry), {
      recursive: true,
      filter: (src) => !/\/(\.cache|out|node_modules)$/.test(src),
    });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  const a = readFileSync(join(copy, MODEL), 'utf8');
  const b = a.replace('replicas: { min: 3, max: 10 }', 'replicas: { min: 3, max: 9 }');
  expect(b).not.toBe(a);
  models = { a, b };
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('render killed at any point', () => {
  it('leaves the old or the new tree byte for byte, every SOPS file, no leftovers after the next render', async () => {
    const sops = sopsFiles();
    expect(sops.size).toBeGreaterThan(0);
    const trees: Record<'a' | 'b', string> = { a: '', b: '' };
    let duration = 0;
    // Kill points are spread over a warm render: the first renders fill the parse and YAML caches, and later ones
    // take a fraction of their time. The first round warms them up; the second is timed.
    for (const round of [0, 1]) {
      for (const side of ['b', 'a'] as const) {
        writeFileSync(join(copy, MODEL), models[side]);
        const started = performance.now();
        expect(render().status).toBe(0);
        if (round === 1) duration = Math.max(duration, performance.now() - started);
        trees[side] = tree();
      }
    }
    expect(trees.a).not.toBe(trees.b);

    const points = [
      ...Array.from({ length: EVEN_POINTS }, (_, i) => (duration * (i + 0.5)) / EVEN_POINTS),
      ...Array.from({ length: LATE_POINTS }, (_, i) => duration * (0.8 + (0.25 * (i + 0.5)) / LATE_POINTS)),
    ];
    let current: 'a' | 'b' = 'a';
    let interrupted = 0;
    for (const ms of points) {
      const target = current === 'a' ? 'b' : 'a';
      writeFileSync(join(copy, MODEL), models[target]);
      if (await killAfter(Math.round(ms))) interrupted++;
      recoverOutput(copy);
      const now = tree();
      expect([trees.a, trees.b], `killed at ${Math.round(ms)} ms of ${Math.round(duration)} ms`).toContain(now);
      expect(sopsFiles()).toEqual(sops);
      current = now === trees.a ? 'a' : 'b';
    }
    console.log(
      `fault test: ${points.length} kill points over a ${Math.round(duration)} ms render; ` +
        `${interrupted} interrupted it`,
    );
    expect(interrupted).toBeGreaterThanOrEqual(points.length / 2);

    writeFileSync(join(copy, MODEL), models.a);
    const last = render();
    expect(last.status, last.stderr).toBe(0);
    expect(tree()).toBe(trees.a);
    expect(sopsFiles()).toEqual(sops);
    expect(leftovers()).toEqual([]);
  }, 900_000);
});
