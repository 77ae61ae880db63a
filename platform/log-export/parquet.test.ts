// The Parquet path read back by an independent reader: DuckDB (what the bench and the compaction decision use) writes
// exporter-shaped NDJSON objects as Parquet both ways, and pyarrow, a separate Parquet implementation, reads every file
// back. Schema against the catalogue's logs table, row counts against the NDJSON.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetTables } from './api';
import { PARQUET_BENCH, parquetPython, writeLogObjects } from './parquet.testkit';

// pyarrow's view of each file: its rows and its columns with their types as the catalogue (Hive DDL) spells them. A
// Parquet JSON column reads as pyarrow's arrow.json extension over a string, which Athena reads as a string.
const READ_BACK = `
import json, sys
import pyarrow as pa, pyarrow.parquet as pq
def hive(t):
    if isinstance(t, pa.BaseExtensionType): return hive(t.storage_type)
    if pa.types.is_map(t): return f'map<{hive(t.key_type)},{hive(t.item_type)}>'
    if pa.types.is_string(t) or pa.types.is_large_string(t): return 'string'
    if pa.types.is_float64(t): return 'double'
    return str(t)
out = []
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    out.append({'path': path, 'rows': f.metadata.num_rows,
                'schema': [[field.name, hive(field.type)] for field in f.schema_arrow]})
print(json.dumps(out))
`;

const root = mkdtempSync(join(tmpdir(), 'parquet-read-back-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Parquet read back with pyarrow (independent of DuckDB, which wrote it)', () => {
  const objects = writeLogObjects(join(root, 'raw'), { namespaces: 3, minutes: 5, lines: 120 });
  // The NDJSON's own count, from the objects as written, not from what the generator meant to write.
  const lines = new Map(
    [...objects.keys()].map((p) => [p, gunzipSync(readFileSync(p)).toString('utf8').trimEnd().split('\n').length]),
  );
  const python = parquetPython();
  mkdirSync(join(root, 'out'));
  execFileSync(python, [PARQUET_BENCH, join(root, 'raw'), join(root, 'out')], { encoding: 'utf8' });
  const perObject = [...objects.keys()].map((_, i) =>
    join(root, 'out', 'per-object', `${String(i).padStart(5, '0')}.parquet`),
  );
  const daily = join(root, 'out', 'daily.parquet');
  const files = JSON.parse(execFileSync(python, ['-c', READ_BACK, daily, ...perObject], { encoding: 'utf8' })) as {
    path: string;
    rows: number;
    schema: [string, string][];
  }[];
  const logs = datasetTables({ bucket: 'b', clusters: ['aws'], namespaces: [] }).find((t) => t.name === 'logs')!;

  it("has exactly the catalogue's logs columns and types, the partitions left in the keys", () => {
    expect(files).toHaveLength(1 + objects.size);
    for (const file of files) expect(file.schema, file.path).toEqual(logs.columns.map((c) => [c.name, c.type]));
  });

  it('holds every NDJSON record: the compacted file all of them, each per-object file its object’s', () => {
    const total = [...lines.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(3 * 5 * 120);
    expect(files[0]!.rows).toBe(total);
    // parquet-bench.py numbers the per-object files in the sorted order of the objects' paths.
    const sorted = [...lines.keys()].sort();
    files.slice(1).forEach((file, i) => expect(file.rows, file.path).toBe(lines.get(sorted[i]!)));
  });
});
