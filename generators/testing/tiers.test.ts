// The test tiers of vitest.config.ts: the unit tier refuses processes and worker threads, and the integration list
// names only test files that exist.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { INTEGRATION } from '../../vitest.config';
import { repoRoot } from '../repo';

describe('the unit tier', () => {
  it('fails a test that starts a process, naming the command and the way out', () => {
    expect(() => execFileSync('true')).toThrow(/unit tier: this test starts `true` \(child_process.execFileSync\)/);
    expect(() => spawn('promtool', ['--version'])).toThrow(/add its file to INTEGRATION in vitest.config.ts/);
  });

  it('fails a test that starts a worker thread, as kubeconform does', () => {
    expect(() => new Worker('kubeconform.js')).toThrow(/unit tier: this test starts a worker thread/);
  });
});

describe('the integration tier', () => {
  it('lists test files that exist, each once', () => {
    expect(INTEGRATION.filter((file) => !existsSync(join(repoRoot, file)))).toEqual([]);
    expect(new Set(INTEGRATION).size).toBe(INTEGRATION.length);
  });
});
