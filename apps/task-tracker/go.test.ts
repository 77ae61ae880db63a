// The Go module's own checks: formatting, go vet, and the unit tests under the race detector.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';
import { runGo, unformattedGoFiles } from '../../generators/testing/go-module.testkit';

const moduleDir = join(repoRoot, 'apps', 'task-tracker');

describe('task-tracker Go module', () => {
  it('is gofmt-formatted', () => {
    expect(unformattedGoFiles(moduleDir)).toBe('');
  });

  it('passes go vet', () => {
    runGo(moduleDir, 'vet', './...');
  });

  it('passes go test -race for every package that has tests', () => {
    const out = runGo(moduleDir, 'test', '-race', '-count=1', './...');
    for (const pkg of ['auth', 'config', 'events', 'httpapi', 'metrics', 'pgstore', 'task', 'worker'])
      expect(out).toMatch(new RegExp(`^ok\\s+\\S+/internal/${pkg}\\s`, 'm'));
  });
});
