// npm run bench:parquet: decides where Parquet comes from (issue 18). One hour of container logs as the s3ndjson
// exporter writes them (gzip NDJSON, one object per namespace and minute: flush.max_age 1m), then in DuckDB (PyPI,
// versions.duckdb, installed into .cache/python): A, each object also as its own Parquet file (the exporter writing
// Parquet), and B, the whole period compacted into one Parquet file (the scheduled compaction). Prints files, bytes
// and the time of one query over NDJSON, A and B.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../repo';
import { versions } from '../versions';
import { runCli } from './run';

const NAMESPACES = 5;
const MINUTES = 60;
/** Lines per namespace and minute: 20 lines/s per namespace, 100 lines/s in all. */
const LINES = 1200;

function pythonPath(): string {
  const target = join(repoRoot, '.cache', 'python', `duckdb-${versions.duckdb}`);
  if (!existsSync(join(target, 'duckdb'))) {
    execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--target', target, `duckdb==${versions.duckdb}`], {
      stdio: 'inherit',
    });
  }
  return target;
}

function writeObjects(dir: string): void {
  for (let n = 0; n < NAMESPACES; n++) {
    for (let m = 0; m < MINUTES; m++) {
      const lines = Array.from({ length: LINES }, (_, i) => {
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
      const prefix = join(dir, `logs/cluster=aws/namespace=ns-${n}/dt=2026-03-14/hour=09`);
      mkdirSync(prefix, { recursive: true });
      writeFileSync(join(prefix, `${String(m).padStart(2, '0')}.json.gz`), gzipSync(`${lines.join('\n')}\n`));
    }
  }
}

runCli(() => {
  const root = mkdtempSync(join(tmpdir(), 'bench-parquet-'));
  try {
    writeObjects(join(root, 'raw'));
    mkdirSync(join(root, 'out'));
    const script = join(repoRoot, 'platform', 'log-export', 'parquet-bench.py');
    const result = JSON.parse(
      execFileSync('python3', [script, join(root, 'raw'), join(root, 'out')], {
        env: { ...process.env, PYTHONPATH: pythonPath() },
        encoding: 'utf8',
      }),
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
