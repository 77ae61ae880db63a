// goTool's build lock (test workers that ask for the same tool at once build it once), and buildGoTool's progress
// line (what it builds and how long it took, once per build, so a cold run never looks stuck).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildGoTool, CORE_GO_TOOLS, type GoTool, lockBuild } from './go-tools';
import { repoRoot } from './repo';

const dir = mkdtempSync(join(tmpdir(), 'go-tools-lock-'));
const holder = spawn('sleep', ['60']);
afterAll(() => {
  holder.kill();
  rmSync(dir, { recursive: true, force: true });
});

// A variant nobody else builds (its own cache key), so this test always sees a real build.
const FRESH: GoTool = { ...CORE_GO_TOOLS['age-keygen'], ldflags: '-X main.progressLineTest=1' };

describe('lockBuild', () => {
  it('takes a free lock, writing this process id into it', () => {
    const out = join(dir, 'free');
    expect(lockBuild(out)).toBe(`${out}.lock`);
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(String(process.pid));
  });

  it('waits while a live process holds the lock and returns nothing once that process has built the tool', () => {
    const out = join(dir, 'built-by-other');
    writeFileSync(`${out}.lock`, String(holder.pid));
    writeFileSync(out, '');
    expect(lockBuild(out)).toBeUndefined();
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(String(holder.pid));
  });

  it('takes over the lock of a process that is gone', () => {
    const out = join(dir, 'stale');
    const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(`${out}.lock`, gone);
    expect(lockBuild(out)).toBe(`${out}.lock`);
    expect(readFileSync(`${out}.lock`, 'utf8')).toBe(String(process.pid));
  });

  it('leaves an empty lock that is being written to its writer, and takes over one left empty for long', () => {
    const fresh = join(dir, 'being-written');
    writeFileSync(`${fresh}.lock`, '');
    writeFileSync(fresh, '');
    expect(lockBuild(fresh)).toBeUndefined();
    expect(existsSync(`${fresh}.lock`)).toBe(true);
    const old = join(dir, 'left-empty');
    writeFileSync(`${old}.lock`, '');
    utimesSync(`${old}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(lockBuild(old)).toBe(`${old}.lock`);
  });
});

function stderrOf(run: () => unknown): string {
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    run();
  } catch {
    // The caller asserts the error separately.
  }
  const text = write.mock.calls.map(([chunk]) => String(chunk)).join('');
  write.mockRestore();
  return text;
}

describe('buildGoTool', () => {
  let built = '';
  afterAll(() => {
    if (built) rmSync(dirname(built), { recursive: true, force: true });
    const cache = join(repoRoot, '.cache', 'go-tools');
    const failed = readdirSync(cache).filter((d) => d.startsWith('no-such-tool-'));
    for (const dir of failed) rmSync(join(cache, dir), { recursive: true });
  });

  it('prints one progress line per build with its duration, and nothing when the tool is cached', () => {
    const progress = /^building age-keygen from generators\/secrets\/tools … done in \d+\.\d s\n$/;
    expect(stderrOf(() => (built = buildGoTool(FRESH)))).toMatch(progress);
    expect(stderrOf(() => buildGoTool(FRESH))).toBe('');
  });

  it('ends the line with the failure, and names the tool and the command to rerun', () => {
    const broken: GoTool = { ...FRESH, name: 'no-such-tool', pkg: 'filippo.io/age/cmd/no-such-command' };
    const progress = /^building no-such-tool from generators\/secrets\/tools … failed after \d+\.\d s\n$/;
    expect(stderrOf(() => buildGoTool(broken))).toMatch(progress);
    const rerun = 'run `go build filippo.io/age/cmd/no-such-command` in generators/secrets/tools';
    expect(() => buildGoTool(broken)).toThrow(`building Go tool no-such-tool from generators/secrets/tools`);
    expect(() => buildGoTool(broken)).toThrow(rerun);
  });
});
