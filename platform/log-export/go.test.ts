// The collector module's own checks: formatting, go vet, and the s3ndjson exporter's unit tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';

const moduleDir = join(repoRoot, 'platform', 'log-export', 'collector');
/** On a cold Go build cache, vet and test compile the collector's dependencies first: minutes on 2 cores. */
const COLD_BUILD_MS = 1_200_000;

function go(...args: string[]): string {
  const run = spawnSync('go', args, { cwd: moduleDir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly' } });
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status, `go ${args.join(' ')}\n${output}`).toBe(0);
  return output;
}

describe('log-export collector Go module', () => {
  it('is gofmt-formatted', () => {
    expect(execFileSync('gofmt', ['-l', '.'], { cwd: moduleDir, encoding: 'utf8' })).toBe('');
  });

  it('passes go vet', () => {
    go('vet', './...');
  }, COLD_BUILD_MS);

  it('passes the exporter unit tests (partitioning per record, key validation)', () => {
    expect(go('test', '-count=1', './s3ndjsonexporter')).toMatch(/^ok\s+\S+\/s3ndjsonexporter\s/m);
  }, COLD_BUILD_MS);
});
