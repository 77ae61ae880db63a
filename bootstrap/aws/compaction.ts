// The daily Parquet compaction (the bench's choice, platform/log-export/README.md "Parquet"): EventBridge Scheduler
// starts, through its universal target for the AWS SDK, one Athena `INSERT INTO <dataset>_parquet SELECT … FROM
// <dataset>` per slice of yesterday (UTC) in the estate workgroup. NDJSON stays the raw form; the Parquet tables are
// its projection-identical copies (platform/log-export/datasets.ts).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DATABASE, type TableSpec } from '../../platform/log-export/api';
import { COMPACTION_GROUP } from './analysis';
import { type Catalogue, listDatasets } from './catalogue';
import type { Settings } from './config';

/**
 * An INSERT INTO adds at most 100 partitions to its table (Athena User Guide, "Use CTAS and INSERT INTO to work around
 * the 100 partition limit": HIVE_TOO_MANY_OPEN_PARTITIONS beyond it).
 */
export const INSERT_PARTITION_LIMIT = 100;
/** Yesterday in the `dt` partitions' format (projection.dt.format yyyy-MM-dd); Athena engine 3 has date_format. */
const YESTERDAY = "date_format(current_date - INTERVAL '1' DAY, '%Y-%m-%d')";
/** 00:30 UTC, the slices a few minutes apart so their queries do not queue behind each other. */
const START_MINUTE = 30;
const MINUTES_BETWEEN = 2;

export interface CompactionQuery {
  /** `<table>` or `<table>-hour-HH` */
  name: string;
  sql: string;
}

/** How many values a projected partition takes in one day: an enum's count, an integer range's width, one date. */
function valuesPerDay(table: TableSpec, key: string): number {
  const p = (field: string) => table.parameters[`projection.${key}.${field}`]!;
  switch (p('type')) {
    case 'enum':
      return p('values').split(',').length;
    case 'integer': {
      const [low, high] = p('range').split(',').map(Number);
      return high! - low! + 1;
    }
    case 'date':
      return 1;
    default:
      throw new Error(`${table.name}: partition ${key} of projection type ${p('type')} cannot be compacted`);
  }
}

/**
 * Each Parquet table's day as the fewest INSERTs within the partition limit: the whole day, or one per hour. Columns
 * first, then the partition keys in the table's order, as INSERT INTO takes them.
 */
export function compactionQueries(tables: readonly TableSpec[]): CompactionQuery[] {
  const raw = new Map(tables.filter((t) => t.format === 'ndjson').map((t) => [t.name, t]));
  return tables
    .filter((t) => t.format === 'parquet')
    .flatMap((t) => {
      const source = raw.get(t.dataset)!;
      const columns = [...t.columns.map((c) => `"${c.name}"`), ...t.partitionKeys.map((k) => `"${k}"`)].join(', ');
      const insert = (where: string) =>
        `INSERT INTO "${DATABASE}"."${t.name}" SELECT ${columns} FROM "${DATABASE}"."${source.name}" WHERE ${where}`;
      const day = `dt = ${YESTERDAY}`;
      const partitions = t.partitionKeys.reduce((n, key) => n * valuesPerDay(t, key), 1);
      if (partitions <= INSERT_PARTITION_LIMIT) return [{ name: t.name, sql: insert(day) }];
      const hours = t.partitionKeys.includes('hour') ? valuesPerDay(t, 'hour') : 0;
      if (!hours || partitions / hours > INSERT_PARTITION_LIMIT)
        throw new Error(
          `${t.name}: ${partitions} partitions a day, ${hours ? partitions / hours : partitions} per hour, ` +
            `exceed the ${INSERT_PARTITION_LIMIT} an Athena INSERT INTO may write`,
        );
      return Array.from({ length: hours }, (_, h) => {
        const hour = String(h).padStart(2, '0');
        return { name: `${t.name}-hour-${hour}`, sql: insert(`${day} AND hour = '${hour}'`) };
      });
    });
}

/**
 * Start the query and read the catalogue and the raw objects with the role's credentials (Athena runs the query as
 * its caller), write Parquet under `parquet/` and the query's results. No delete: a rerun of a day appends.
 */
export function compactionPolicy(
  settings: Settings,
  workgroup: pulumi.Input<string>,
  logBucket: pulumi.Input<string>,
  results: pulumi.Input<string>,
  tables: readonly TableSpec[],
) {
  const glue = (suffix: string) => `arn:aws:glue:${settings.region}:${settings.cluster.accountId}:${suffix}`;
  const bucket = settings.logArchive.bucket;
  const parquet = tables.filter((t) => t.format === 'parquet');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RunInWorkgroup',
        Effect: 'Allow',
        Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        Resource: [workgroup],
      },
      {
        Sid: 'ReadCatalogue',
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        Resource: [
          glue('catalog'),
          glue(`database/${DATABASE}`),
          ...[...new Set([...parquet.map((t) => t.dataset), ...parquet.map((t) => t.name)])].map((name) =>
            glue(`table/${DATABASE}/${name}`),
          ),
        ],
      },
      {
        // INSERT INTO registers the partitions it writes (projection ignores them when reading).
        Sid: 'AddParquetPartitions',
        Effect: 'Allow',
        Action: ['glue:BatchCreatePartition', 'glue:CreatePartition'],
        Resource: [
          glue('catalog'),
          glue(`database/${DATABASE}`),
          ...parquet.map((t) => glue(`table/${DATABASE}/${t.name}`)),
        ],
      },
      {
        Sid: 'ReadRaw',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: parquet.map((t) => `arn:aws:s3:::${bucket}/${t.dataset}/*`),
      },
      {
        Sid: 'WriteParquet',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: parquet.map((t) => `${t.location.replace('s3://', 'arn:aws:s3:::')}*`),
      },
      ...listDatasets(logBucket),
      {
        Sid: 'QueryResults',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket', 's3:GetBucketLocation'],
        Resource: [results, pulumi.interpolate`${results}/*`],
      },
    ],
  };
}

export function declareCompaction(
  settings: Settings,
  role: aws.iam.Role,
  catalogue: Catalogue,
  logBucket: aws.s3.Bucket,
  tags: Record<string, string>,
): aws.scheduler.Schedule[] {
  const { name } = settings.cluster;
  const policy = new aws.iam.RolePolicy(`${name}-parquet-compaction`, {
    role: role.id,
    policy: pulumi.jsonStringify(
      compactionPolicy(settings, catalogue.workgroup.arn, logBucket.arn, catalogue.results.arn, catalogue.tables),
    ),
  });
  const group = new aws.scheduler.ScheduleGroup('parquet-compaction', { name: COMPACTION_GROUP(name), tags });
  return compactionQueries(catalogue.tables).map((query, i) => {
    const minute = START_MINUTE + i * MINUTES_BETWEEN;
    return new aws.scheduler.Schedule(
      `compact-${query.name}`,
      {
        name: `compact-${query.name.replaceAll('_', '-')}`,
        groupName: group.name,
        scheduleExpression: `cron(${minute % 60} ${Math.floor(minute / 60)} * * ? *)`,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          // EventBridge Scheduler User Guide, "Using universal targets": the target is
          // arn:aws:scheduler:::aws-sdk:<service>:<action>, the input the API's request (Athena StartQueryExecution).
          arn: 'arn:aws:scheduler:::aws-sdk:athena:startQueryExecution',
          roleArn: role.arn,
          input: pulumi.jsonStringify({
            QueryString: query.sql,
            WorkGroup: catalogue.workgroup.name,
            QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: DATABASE },
          }),
          // A retried start that had in fact started would insert the day twice; a missed day is rerun by hand.
          retryPolicy: { maximumRetryAttempts: 0 },
        },
      },
      { dependsOn: [policy] },
    );
  });
}
