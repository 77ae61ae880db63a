// The build lock of goTool: test workers that ask for the same tool at once build it once.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockBuild } from './go-tools';

const dir = mkdtempSync(join(tmpdir(), 'go-tools-lock-'));
const holder = spawn('sleep', ['60']);
afterAll(() => {
  holder.kill();
  rmSync(dir, { recursive: true, force: true });
});

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
});
