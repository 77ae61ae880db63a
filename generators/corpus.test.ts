// The bad-input corpus (generators/testing/corpus/<kind>/<error>.json): each fixture changes a copy of the repository
// and runs one npm script the way `npm run` does; the script must fail with one message naming the file, the object
// and the field, print no stack trace and write nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './repo';
import { listFiles } from './layout';

interface Fixture {
  edit?: { file: string; from: string; to: string }[];
  write?: Record<string, string>;
  bytes?: Record<string, string>;
  symlink?: Record<string, string>;
  fifo?: string[];
  remove?: string[];
  chmod?: Record<string, string>;
  /** Holds the render lock in the name of a live process (this test's). */
  lock?: boolean;
  stdin?: string;
  run: { script: string; args: string[] };
  exit: number;
  names: { file: string; object: string; field: string };
  /** Text the output must not contain (a misleading hint). */
  absent?: string[];
}

const CORPUS = join(repoRoot, 'generators/testing/corpus');
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
const scripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const kinds = readdirSync(CORPUS).sort();
let copy: string;

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=corpus', '-c', 'user.email=corpus@example.invalid', ...args], {
    cwd: copy,
    stdio: 'ignore',
  });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'corpus-'));
  for (const entry of COPIED) {
    cpSync(join(repoRoot, entry), join(copy, entry), {
      recursive: true,
      filter: (src) => !/\/(\.cache|out|node_modules)$/.test(src),
    });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  // The built tools and schemas, read-only here: no fixture touches the cache.
  symlinkSync(join(repoRoot, '.cache'), join(copy, '.cache'));
  git('init', '-q');
  writeFileSync(join(copy, '.git/info/exclude'), 'node_modules\n.cache\n');
  git('add', 'package.json');
  git('commit', '-qm', 'before the first render');
  git('tag', 'no-output');
  git('add', '-A');
  git('commit', '-qm', 'rendered');
}, 60_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function reset(): void {
  git('reset', '-q', '--hard', 'HEAD');
  git('clean', '-qfdx', '-e', 'node_modules', '-e', '.cache');
}

function apply(f: Fixture): void {
  for (const { file, from, to } of f.edit ?? []) {
    const text = readFileSync(join(copy, file), 'utf8');
    if (!text.includes(from)) throw new Error(`fixture edit: ${file} does not contain ${JSON.stringify(from)}`);
    writeFileSync(join(copy, file), text.replace(from, to));
  }
  const at = (path: string) => {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    return join(copy, path);
  };
  for (const [path, text] of Object.entries(f.write ?? {})) writeFileSync(at(path), text);
  for (const [path, b64] of Object.entries(f.bytes ?? {})) writeFileSync(at(path), Buffer.from(b64, 'base64'));
  for (const [path, target] of Object.entries(f.symlink ?? {})) symlinkSync(target, at(path));
  for (const path of f.fifo ?? []) execFileSync('mkfifo', [at(path)]);
  for (const path of f.remove ?? []) rmSync(join(copy, path), { recursive: true, force: true });
  for (const [path, mode] of Object.entries(f.chmod ?? {})) chmodSync(join(copy, path), Number.parseInt(mode, 8));
  if (f.lock) writeFileSync(join(copy, '.clusters.render.lock'), `${process.pid}\n`);
}

/** Every path of the copy with its content's hash (links, pipes by kind): what "nothing was written" compares. */
function state(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(join(copy, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (['.git', 'node_modules', '.cache'].includes(path)) continue;
      if (e.isDirectory()) walk(path);
      else if (e.isFile())
        out.set(
          path,
          createHash('sha1')
            .update(readFileSync(join(copy, path)))
            .digest('hex'),
        );
      else out.set(path, e.isSymbolicLink() ? 'symlink' : 'special');
    }
  };
  walk('');
  return out;
}

/** Runs the npm script's command as `npm run` does, through tsx and the launcher. */
function run(script: string, args: string[], stdin?: string) {
  const command = scripts[script];
  if (!command?.startsWith('tsx ')) throw new Error(`no npm script ${script} run by tsx`);
  const argv = command.split(' ').slice(1);
  return spawnSync(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), ...argv, ...args], {
    cwd: copy,
    encoding: 'utf8',
    input: stdin ?? '',
    timeout: 180_000,
  });
}

describe.each(kinds)('corpus: %s', (kind) => {
  const fixtures = readdirSync(join(CORPUS, kind))
    .filter((f) => f.endsWith('.json'))
    .sort();
  it.each(fixtures)(
    '%s',
    (name) => {
      const f = JSON.parse(readFileSync(join(CORPUS, kind, name), 'utf8')) as Fixture;
      reset();
      try {
        apply(f);
        const before = state();
        const result = run(f.run.script, f.run.args, f.stdin);
        const output = `${result.stdout}${result.stderr}`;
        expect(result.status, output).toBe(f.exit);
        for (const part of [f.names.file, f.names.object, f.names.field]) expect(output).toContain(part);
        for (const part of f.absent ?? []) expect(output).not.toContain(part);
        expect(output).not.toMatch(/^\s+at /m);
        expect(state()).toEqual(before);
      } finally {
        for (const path of Object.keys(f.chmod ?? {})) chmodSync(join(copy, path), 0o755);
        // git clean leaves named pipes in place.
        for (const path of f.fifo ?? []) rmSync(join(copy, path), { force: true });
      }
    },
    200_000,
  );
});

describe('the corpus', () => {
  it('holds at least 60 bad inputs, each named after its error, over every input kind', () => {
    const sizes = Object.fromEntries(kinds.map((k) => [k, readdirSync(join(CORPUS, k)).length]));
    expect(Object.keys(sizes)).toEqual([
      'diff',
      'inventory',
      'model',
      'secrets',
      'stack',
      'talos',
      'tree',
      'values',
      'versions',
    ]);
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60);
    expect(listFiles(CORPUS).every((f) => /\/[a-z0-9]+(-[a-z0-9]+)*\.json$/.test(f))).toBe(true);
  });
});
