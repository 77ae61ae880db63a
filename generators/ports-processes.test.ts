// Integration tier: processes of their own, as vitest's workers are.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './repo';

/** A node process that takes `count` ports from `range`, prints them, and exits when its stdin closes. */
function taker(folder: string, count: number) {
  const script = [
    "const { freePort } = await import('./generators/ports.ts');",
    `const o = { folder: ${JSON.stringify(folder)}, range: [19400, 19459] };`,
    `const ports = []; for (let i = 0; i < ${count}; i++) ports.push(await freePort(o));`,
    "console.log(ports.join(' ')); process.stdin.resume();",
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const printed = new Promise<number[]>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('\n') && resolve(out.trim().split(' ').map(Number)));
    child.once('exit', (code) => reject(new Error(`the port taker exited ${code}: ${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { printed, exited, end: () => child.stdin.end() };
}

describe('freePort across processes', () => {
  it('never gives two processes the same port, and each removes its reservations when it exits', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ports-'));
    const takers = [taker(folder, 30), taker(folder, 30)];
    const ports = (await Promise.all(takers.map((t) => t.printed))).flat();
    expect(new Set(ports).size).toBe(60);
    for (const t of takers) t.end();
    await Promise.all(takers.map((t) => t.exited));
    expect(readdirSync(folder)).toEqual([]);
  });
});
