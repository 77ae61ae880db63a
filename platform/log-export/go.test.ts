// The collector module's own checks: formatting, go vet, and the s3ndjson exporter's unit tests.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';
import { runGo, unformattedGoFiles } from '../../generators/testing/go-module';

const moduleDir = join(repoRoot, 'platform', 'log-export', 'collector');
/** On a cold Go build cache, vet and test compile the collector's dependencies first: minutes on 2 cores. */
const COLD_BUILD_MS = 1_200_000;

describe('log-export collector Go module', () => {
  it('is gofmt-formatted', () => {
    expect(unformattedGoFiles(moduleDir)).toBe('');
  });

  it(
    'passes go vet',
    () => {
      runGo(moduleDir, 'vet', './...');
    },
    COLD_BUILD_MS,
  );

  it(
    'passes the exporter unit tests (partitioning per record, key validation)',
    () => {
      expect(runGo(moduleDir, 'test', '-count=1', './s3ndjsonexporter')).toMatch(/^ok\s+\S+\/s3ndjsonexporter\s/m);
    },
    COLD_BUILD_MS,
  );
});
