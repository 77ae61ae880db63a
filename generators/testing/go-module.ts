// For a Go module's own checks in vitest: go and gofmt run in the module's folder, with go.mod and go.sum read-only.
import { execFileSync, spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/** Runs go and expects it to succeed; the combined output becomes the assertion message, so a failing Go test shows why. */
export function runGo(moduleDir: string, ...args: string[]): string {
  const run = spawnSync('go', args, {
    cwd: moduleDir,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, `go ${args.join(' ')}\n${output}`).toBe(0);
  return output;
}

/** The files gofmt would change, one a line; empty when the module is formatted. */
export function unformattedGoFiles(moduleDir: string): string {
  return execFileSync('gofmt', ['-l', '.'], { cwd: moduleDir, encoding: 'utf8' });
}
