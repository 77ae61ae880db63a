# Driven by generators/cli/bench-parquet.ts: one hour of exporter objects (gzip NDJSON, one per namespace and minute)
# under RAW, turned into Parquet the two ways issue 18 weighs, then the same query over each form, timed.
import json, os, sys, time
import duckdb

raw, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
COLUMNS = "{'time': 'VARCHAR', 'resource': 'MAP(VARCHAR, VARCHAR)', 'attributes': 'MAP(VARCHAR, VARCHAR)', 'body': 'JSON'}"
# Partition values stay in the keys, as in the catalogue's tables: DuckDB would otherwise add the key's name=value
# folders as columns, and cast dt to a DATE where the catalogue's partitions are strings.
def ndjson(glob):
    return (f"read_json('{glob}', format='newline_delimited', columns={COLUMNS}, compression='gzip', "
            "hive_partitioning=false)")
objects = sorted(os.path.join(d, f) for d, _, fs in os.walk(raw) for f in fs)

def size(paths):
    return sum(os.path.getsize(p) for p in paths)

# A: the exporter writes each of its objects as a Parquet file as well.
per_object = os.path.join(out, 'per-object'); os.makedirs(per_object)
t = time.perf_counter()
for i, o in enumerate(objects):
    con.execute(f"COPY (SELECT * FROM {ndjson(o)}) TO '{per_object}/{i:05d}.parquet' (FORMAT parquet, COMPRESSION zstd)")
a_write = time.perf_counter() - t
# B: a daily compaction rewrites the day's objects as one Parquet file (what an Athena INSERT INTO would do).
daily = os.path.join(out, 'daily.parquet')
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM {ndjson(raw + '/**/*.gz')} ORDER BY time) TO '{daily}' (FORMAT parquet, COMPRESSION zstd)")
b_write = time.perf_counter() - t

QUERY = ("SELECT resource['k8s.namespace.name'] AS ns, count(*) FROM {src} "
         "WHERE json_extract_string(body, '$.level') = 'error' GROUP BY 1 ORDER BY 1")
def timed(src, runs=3):
    best, rows = 1e9, None
    for _ in range(runs):
        t = time.perf_counter(); rows = con.execute(QUERY.format(src=src)).fetchall(); best = min(best, time.perf_counter() - t)
    return best, rows
q_raw, r_raw = timed(ndjson(raw + '/**/*.gz'))
q_a, r_a = timed(f"read_parquet('{per_object}/*.parquet')")
q_b, r_b = timed(f"read_parquet('{daily}')")
assert r_raw == r_a == r_b, (r_raw, r_a, r_b)
records = con.execute(f"SELECT count(*) FROM read_parquet('{daily}')").fetchone()[0]
print(json.dumps({
    'records': records,
    'ndjson': {'files': len(objects), 'bytes': size(objects), 'query_s': q_raw},
    'per_object_parquet': {'files': len(objects), 'bytes': size([os.path.join(per_object, f) for f in os.listdir(per_object)]),
                           'write_s': a_write, 'query_s': q_a},
    'daily_parquet': {'files': 1, 'bytes': os.path.getsize(daily), 'write_s': b_write, 'query_s': q_b},
}))
