// The exported datasets, their object keys, and the Glue tables over them, derived from the exporter's own key
// templates (objectKeys), so the catalogue (bootstrap/aws/catalogue.ts declares it) and the objects can never disagree
// on a partition. cdk8s-free.
/** The datasets that clusters export; object keys are `<dataset>/cluster=<name>/...`. */
/** `streams`: the stream job's task-aggregates topic (platform/streaming), on the clusters that run streaming. */
export const LOG_DATASETS = ['logs', 'events', 'states', 'metrics', 'streams'] as const;
export type Dataset = (typeof LOG_DATASETS)[number];

/**
 * Object key prefixes, the one source of the exporter's keys and of the Glue tables' partition projection
 * (bootstrap/aws/catalogue.ts). The exporter fills the placeholders per record (UTC) and appends `/<sha256>.json.gz`.
 */
export function objectKeys(cluster: string): Record<Dataset, string> {
  return {
    logs: `logs/cluster=${cluster}/namespace={namespace}/dt={dt}/hour={hour}`,
    events: `events/cluster=${cluster}/dt={dt}/hour={hour}`,
    states: `states/cluster=${cluster}/dt={dt}`,
    metrics: `metrics/cluster=${cluster}/dt={dt}/hour={hour}`,
    // Partitioned by each aggregate's minute (window_start), not by when it was read.
    streams: `streams/cluster=${cluster}/dt={dt}/hour={hour}`,
  };
}

export const DATABASE = 'estate_telemetry';
/** The first day any cluster exported; projection enumerates dates from here to now. */
export const FIRST_DAY = '2026-01-01';

export interface Column {
  name: string;
  type: string;
}

/**
 * `ndjson`: the raw objects the exporter writes; `parquet`: their daily compaction (bootstrap/aws/compaction.ts), under
 * `parquet/` with the same key templates, so both are projected alike.
 */
export type TableFormat = 'ndjson' | 'parquet';
export const PARQUET_PREFIX = 'parquet';

export interface TableSpec {
  name: string;
  dataset: Dataset;
  format: TableFormat;
  columns: Column[];
  partitionKeys: string[];
  /** `s3://<bucket>/<dataset>/`, or `s3://<bucket>/parquet/<dataset>/` */
  location: string;
  /** Partition projection (no crawler, no MSCK REPAIR) and the location template built from the key template. */
  parameters: Record<string, string>;
}

/** Every log-like record is `{time, resource, attributes, body}`; body stays JSON text for json_extract. */
const RECORD_COLUMNS: Column[] = [
  { name: 'time', type: 'string' },
  { name: 'resource', type: 'map<string,string>' },
  { name: 'attributes', type: 'map<string,string>' },
  { name: 'body', type: 'string' },
];
/** A metrics record is one sample (collector/s3ndjsonexporter/metrics.go): NaN and infinities as "NaN", "Infinity". */
const SAMPLE_COLUMNS: Column[] = [
  { name: 'time', type: 'string' },
  { name: 'metric', type: 'string' },
  { name: 'labels', type: 'map<string,string>' },
  { name: 'value', type: 'double' },
];

export interface CatalogueInput {
  bucket: string;
  clusters: string[];
  /** Every namespace the clusters can hold pods in: the rendered Namespaces and Kubernetes' own. */
  namespaces: string[];
}

type Projection = (input: CatalogueInput) => Record<string, string>;

/**
 * How each placeholder of a key template is projected. `namespace` is an enum of the namespaces the model renders
 * (the policy gate admits pods only there) plus Kubernetes' own, so a log query may span every namespace of a cluster;
 * `logs_any_namespace` reads a namespace outside that list when a query names it (`injected`).
 */
const PROJECTIONS: Record<string, Projection> = {
  cluster: ({ clusters }) => ({ type: 'enum', values: clusters.join(',') }),
  namespace: ({ namespaces }) => ({ type: 'enum', values: namespaces.join(',') }),
  dt: () => ({ type: 'date', format: 'yyyy-MM-dd', range: `${FIRST_DAY},NOW`, interval: '1', 'interval.unit': 'DAYS' }),
  hour: () => ({ type: 'integer', range: '0,23', digits: '2' }),
};

const root = (format: TableFormat) => (format === 'parquet' ? `${PARQUET_PREFIX}/` : '');

/** The key prefixes a table's objects live under (`<dataset>/` or `parquet/<dataset>/`): what readers may read. */
export function datasetPrefix(dataset: Dataset, format: TableFormat): string {
  return `${root(format)}${dataset}/`;
}

/** A dataset's key template with every placeholder, the cluster's included, as a `${name}` projection variable. */
export function locationTemplate(bucket: string, dataset: Dataset, format: TableFormat = 'ndjson'): string {
  return `s3://${bucket}/${root(format)}${objectKeys('{cluster}')[dataset].replace(/\{(\w+)\}/g, '$${$1}')}/`;
}

/**
 * Parquet is written by Athena's INSERT INTO, which takes the table's `parquet.compression` (Athena User Guide,
 * "Use compression in Athena", table properties); Snappy is what pandas, DuckDB and Spark read without extras.
 */
const FORMAT_PARAMETERS: Record<TableFormat, Record<string, string>> = {
  ndjson: { classification: 'json' },
  parquet: { classification: 'parquet', 'parquet.compression': 'SNAPPY' },
};

function table(
  input: CatalogueInput,
  dataset: Dataset,
  name: string,
  overrides: Record<string, Projection>,
  format: TableFormat = 'ndjson',
): TableSpec {
  const template = locationTemplate(input.bucket, dataset, format);
  const partitionKeys = [...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
  const parameters: Record<string, string> = { ...FORMAT_PARAMETERS[format], 'projection.enabled': 'true' };
  for (const key of partitionKeys) {
    const projection = overrides[key] ?? PROJECTIONS[key];
    if (!projection) throw new Error(`objectKeys().${dataset}: placeholder {${key}} has no partition projection`);
    for (const [k, v] of Object.entries(projection(input))) parameters[`projection.${key}.${k}`] = v;
  }
  parameters['storage.location.template'] = template;
  return {
    name,
    dataset,
    format,
    columns: dataset === 'metrics' ? SAMPLE_COLUMNS : RECORD_COLUMNS,
    partitionKeys,
    location: `s3://${input.bucket}/${datasetPrefix(dataset, format)}`,
    parameters,
  };
}

/** The Parquet copy of a dataset's table. */
export const parquetTableName = (dataset: Dataset) => `${dataset}_parquet`;

/**
 * One NDJSON table per dataset, `logs_any_namespace` for namespaces the model does not know, and one Parquet table per
 * dataset (its compaction reads the NDJSON table, so it holds the namespaces of `logs` only).
 */
export function datasetTables(input: CatalogueInput): TableSpec[] {
  return [
    ...LOG_DATASETS.map((dataset) => table(input, dataset, dataset, {})),
    table(input, 'logs', 'logs_any_namespace', { namespace: () => ({ type: 'injected' }) }),
    ...LOG_DATASETS.map((dataset) => table(input, dataset, parquetTableName(dataset), {}, 'parquet')),
  ];
}
