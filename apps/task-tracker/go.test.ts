// The Go module's own checks: formatting, go vet, and the unit tests under the race detector.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';

const moduleDir = join(repoRoot, 'apps', 'task-tracker');

/** Runs go; the combined output becomes the assertion message, so a failing Go test shows why. */
function go(...args: string[]): string {
  const run = spawnSync('go', args, { cwd: moduleDir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' } });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, `go ${args.join(' ')}\n${output}`).toBe(0);
  return output;
}

describe('task-tracker Go module', () => {
  it('is gofmt-formatted', () => {
    expect(execFileSync('gofmt', ['-l', '.'], { cwd: moduleDir, encoding: 'utf8' })).toBe('');
  });

  it('passes go vet', () => {
    go('vet', './...');
  });

  it('passes go test -race for every package that has tests', () => {
    const out = go('test', '-race', '-count=1', './...');
    for (const pkg of ['config', 'httpapi', 'metrics', 'task', 'worker']) expect(out).toMatch(new RegExp(`^ok\\s+\\S+/internal/${pkg}\\s`, 'm'));
  });
});
