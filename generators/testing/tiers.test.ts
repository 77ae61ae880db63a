// The test tiers of vitest.config.ts: the unit tier refuses processes and worker threads, and the integration list
// names only test files that exist.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { INTEGRATION, ISOLATED_PULUMI_TESTS } from '../../vitest.config';
import { listFiles } from '../layout';
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

describe('the Pulumi tests', () => {
  const own = (file: string) => /\binstallMocks\(/.test(readFileSync(join(repoRoot, file), 'utf8'));
  const testFiles = listFiles(join(repoRoot, 'bootstrap', 'aws'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => relative(repoRoot, f));

  it('run each file that installs mocks of its own in a process of its own', () => {
    const shared = testFiles.filter((f) => own(f) && !INTEGRATION.includes(f) && !ISOLATED_PULUMI_TESTS.includes(f));
    expect(shared).toEqual([]);
    expect(ISOLATED_PULUMI_TESTS.filter((f) => !own(f))).toEqual([]);
  });

  it('would catch a file that installs its own mocks in the shared tier', () => {
    expect(own('bootstrap/aws/program-refused.test.ts')).toBe(true);
    expect(own('bootstrap/aws/catalogue.test.ts')).toBe(false);
  });
});
