// The Parquet path (issue 18): exporter-shaped log objects, and DuckDB and pyarrow from PyPI (versions.duckdb,
// versions.pyarrow) in one virtualenv under .cache/python, for npm run bench:parquet and the read-back test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../generators/repo';
import { pythonVenv } from '../../generators/testing/python-venv';
import { versions } from '../../generators/versions';
import { objectKeys } from './api';

/** The bench script: turns NDJSON objects into Parquet both ways (per object, compacted), prints sizes and times. */
export const PARQUET_BENCH = join(repoRoot, 'platform', 'log-export', 'parquet-bench.py');

/** The virtualenv's python, with DuckDB and pyarrow. */
export function parquetPython(): string {
  const dir = join(repoRoot, '.cache', 'python', `duckdb-${versions.duckdb}-pyarrow-${versions.pyarrow}`);
  return join(pythonVenv(dir, [`duckdb==${versions.duckdb}`, `pyarrow==${versions.pyarrow}`]), 'python');
}

export interface LogObjects {
  namespaces: number;
  minutes: number;
  /** Lines per namespace and minute, one object each (the exporter's flush.max_age is 1m). */
  lines: number;
}

/**
 * Writes container-log objects as the s3ndjson exporter does (gzip NDJSON under `objectKeys(cluster).logs`, one an
 * hour's minute per namespace) for cluster `aws` on 2026-03-14, hour 09; every 50th line is an error.
 * Returns each object's path and its number of records.
 */
export function writeLogObjects(dir: string, shape: LogObjects): Map<string, number> {
  const written = new Map<string, number>();
  for (let n = 0; n < shape.namespaces; n++) {
    for (let m = 0; m < shape.minutes; m++) {
      const lines = Array.from({ length: shape.lines }, (_, i) => {
        const time = `2026-03-14T09:${String(m).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i).padStart(9, '0')}Z`;
        const level = i % 50 === 0 ? 'error' : 'info';
        const body = { level, msg: 'request served', path: `/api/orders/${(i * 7919) % 10_000}`, ms: (i * 31) % 997 };
        const resource = {
          'k8s.namespace.name': `ns-${n}`,
          'k8s.pod.name': `web-${n}-${i % 3}`,
          'k8s.container.name': 'web',
        };
        return JSON.stringify({ time, resource, attributes: { 'log.iostream': 'stdout' }, body });
      });
      const key = objectKeys('aws')
        .logs.replace('{namespace}', `ns-${n}`)
        .replace('{dt}', '2026-03-14')
        .replace('{hour}', '09');
      const prefix = join(dir, key);
      mkdirSync(prefix, { recursive: true });
      const path = join(prefix, `${String(m).padStart(2, '0')}.json.gz`);
      writeFileSync(path, gzipSync(`${lines.join('\n')}\n`));
      written.set(path, lines.length);
    }
  }
  return written;
}
