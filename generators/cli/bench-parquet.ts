// npm run bench:parquet: decides where Parquet comes from (issue 18). One hour of container logs as the s3ndjson
// exporter writes them (gzip NDJSON, one object per namespace and minute: flush.max_age 1m), then in DuckDB (PyPI,
// versions.duckdb, in a virtualenv under .cache/python): A, each object also as its own Parquet file (the exporter
// writing Parquet), and B, the whole period compacted into one Parquet file (the scheduled compaction). Prints files,
// bytes and the time of one query over NDJSON, A and B.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARQUET_BENCH, parquetPython, writeLogObjects } from '../../platform/log-export/parquet.testkit';
import { versions } from '../versions';
import { runCli } from './run';

const NAMESPACES = 5;
const MINUTES = 60;
/** Lines per namespace and minute: 20 lines/s per namespace, 100 lines/s in all. */
const LINES = 1200;

runCli(() => {
  const root = mkdtempSync(join(tmpdir(), 'bench-parquet-'));
  try {
    writeLogObjects(join(root, 'raw'), { namespaces: NAMESPACES, minutes: MINUTES, lines: LINES });
    mkdirSync(join(root, 'out'));
    const result = JSON.parse(
      execFileSync(parquetPython(), [PARQUET_BENCH, join(root, 'raw'), join(root, 'out')], { encoding: 'utf8' }),
    );
    const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
    console.log(
      `${result.records} records, ${NAMESPACES} namespaces, ${MINUTES} one-minute objects each (DuckDB ${versions.duckdb})`,
    );
    console.log('form                 files   size        write s   query s');
    for (const [name, r] of Object.entries<any>({
      'NDJSON (raw)': result.ndjson,
      'A: per-object Parquet': result.per_object_parquet,
      'B: compacted Parquet': result.daily_parquet,
    }))
      console.log(
        `${name.padEnd(21)}${String(r.files).padStart(5)}   ${kib(r.bytes).padStart(9)}   ${(r.write_s ?? 0).toFixed(2).padStart(7)}   ${r.query_s.toFixed(3).padStart(7)}`,
      );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
