// The analysts' view of the log archive: a Glue database with one table per dataset (partition projection from the
// exporter's own key templates, platform/log-export/datasets.ts), an Athena workgroup that enforces its encrypted
// results location and a bytes-scanned cutoff, and an analyst role that can read the data and nothing else.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { loadManifests } from '../../generators/manifests';
import { repoRoot } from '../../generators/repo';
import {
  DATABASE,
  datasetPrefix,
  datasetTables,
  LOG_DATASETS,
  type TableFormat,
  type TableSpec,
} from '../../platform/log-export/api';
import type { Settings } from './config';
import { denyInsecureTransport, privateBucket } from './private-bucket';

export const WORKGROUP = 'estate-analysis';
export const ANALYST_ROLE = 'estate-analyst';
/** A query that would scan more is cancelled: 10 GiB is about 5 USD at Athena's list price of 5 USD per TB. */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;
export const RESULTS_EXPIRE_DAYS = 90;
const RESULTS_PREFIX = 'results/';
/** Namespaces Kubernetes and Flux bring that no component renders. */
const BUILT_IN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'flux-system'];

/** Every Namespace the committed render holds (`npm run render:check` keeps it current) and Kubernetes' own. */
export function knownNamespaces(): string[] {
  const { docs } = loadManifests(repoRoot, ['clusters']);
  const rendered = docs.filter((d) => d.object.kind === 'Namespace').map((d) => d.object.metadata!.name as string);
  return [...new Set([...rendered, ...BUILT_IN_NAMESPACES])].sort();
}

/**
 * NDJSON: JSON lines read by the OpenX SerDe, which Athena documents for NDJSON (gzip is read by the .gz extension).
 * Parquet: Hive's Parquet formats and SerDe (Athena User Guide, "Parquet SerDe").
 */
const STORAGE: Record<TableFormat, { inputFormat: string; outputFormat: string; serializationLibrary: string }> = {
  ndjson: {
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
  },
  parquet: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  },
};

/** Every key prefix a table of the catalogue reads: the raw datasets and their Parquet copies. */
export const TABLE_PREFIXES = (['ndjson', 'parquet'] as const).flatMap((format) =>
  LOG_DATASETS.map((d) => datasetPrefix(d, format)),
);

function catalogTable(spec: TableSpec, database: aws.glue.CatalogDatabase): aws.glue.CatalogTable {
  const { inputFormat, outputFormat, serializationLibrary } = STORAGE[spec.format];
  return new aws.glue.CatalogTable(`glue-${spec.name}`, {
    name: spec.name,
    databaseName: database.name,
    tableType: 'EXTERNAL_TABLE',
    parameters: { EXTERNAL: 'TRUE', ...spec.parameters },
    partitionKeys: spec.partitionKeys.map((name) => ({ name, type: 'string' })),
    storageDescriptor: {
      location: spec.location,
      inputFormat,
      outputFormat,
      serDeInfo: { serializationLibrary },
      columns: spec.columns,
    },
  });
}

export interface Catalogue {
  database: aws.glue.CatalogDatabase;
  tables: TableSpec[];
  workgroup: aws.athena.Workgroup;
  results: aws.s3.Bucket;
  analyst: aws.iam.Role;
}

/** `key`: the telemetry key, which encrypts the log archive and, here, the query results. */
export function declareCatalogue(
  settings: Settings,
  logBucket: aws.s3.Bucket,
  key: aws.kms.Key,
  tags: Record<string, string>,
): Catalogue {
  const { bucket } = settings.logArchive;
  const account = settings.cluster.accountId;
  const clusters = [settings.cluster.name, settings.onPrem.name].sort();
  const database = new aws.glue.CatalogDatabase('glue-database', {
    name: DATABASE,
    description: 'Logs, events, states and metrics of the estate, as the log-export collectors write them',
  });
  const tables = datasetTables({ bucket, clusters, namespaces: knownNamespaces() });
  for (const t of tables) catalogTable(t, database);

  const results = privateBucket('athena-results', {
    bucket: `${bucket}-athena-results`,
    kmsKeyArn: key.arn,
    tags,
    lifecycle: [
      {
        id: 'results',
        status: 'Enabled',
        filter: { prefix: '' },
        transitions: [{ days: 30, storageClass: 'STANDARD_IA' }],
        expiration: { days: RESULTS_EXPIRE_DAYS },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
      },
    ],
  });
  new aws.s3.BucketPolicy('athena-results-tls-only', {
    bucket: results.id,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: [denyInsecureTransport(results)] }),
  });
  const workgroup = new aws.athena.Workgroup('athena-workgroup', {
    name: WORKGROUP,
    tags,
    configuration: {
      // Clients cannot send results elsewhere, unencrypted, or lift the cutoff.
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation: pulumi.interpolate`s3://${results.bucket}/${RESULTS_PREFIX}`,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: key.arn },
        expectedBucketOwner: account,
      },
    },
  });

  const analyst = new aws.iam.Role('analyst', {
    name: ANALYST_ROLE,
    description: 'Reads the log archive through Athena; changes nothing',
    tags,
    // The account's administrators decide who may assume it (their own IAM policies), with MFA.
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ],
    }),
  });
  new aws.iam.RolePolicy('analyst-read', {
    role: analyst.id,
    policy: pulumi.jsonStringify(
      analystPolicy(settings.region, account, workgroup.arn, logBucket.arn, results.arn, bucket),
    ),
  });
  return { database, tables, workgroup, results, analyst };
}

/** Listing the datasets' prefixes of the estate bucket, and its location, which Athena asks for before a read. */
export function listDatasets(logBucket: pulumi.Input<string>) {
  return [
    {
      Sid: 'ListDatasets',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: [logBucket],
      Condition: { StringLike: { 's3:prefix': TABLE_PREFIXES.map((p) => `${p}*`) } },
    },
    { Sid: 'LocateDatasets', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: [logBucket] },
  ];
}

/**
 * Athena in the one workgroup, the catalogue's metadata, the datasets' objects, and the results bucket, where Athena
 * writes each query's results with the caller's credentials (so Put there is the one write it needs).
 */
export function analystPolicy(
  region: string,
  account: string,
  workgroup: pulumi.Input<string>,
  logBucket: pulumi.Input<string>,
  results: pulumi.Input<string>,
  bucketName: string,
) {
  const glue = (suffix: string) => `arn:aws:glue:${region}:${account}:${suffix}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'QueryInWorkgroup',
        Effect: 'Allow',
        Action: [
          'athena:StartQueryExecution',
          'athena:StopQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:GetQueryResultsStream',
          'athena:ListQueryExecutions',
          'athena:GetWorkGroup',
        ],
        Resource: [workgroup],
      },
      {
        Sid: 'ReadCatalogue',
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        Resource: [glue('catalog'), glue(`database/${DATABASE}`), glue(`table/${DATABASE}/*`)],
      },
      {
        Sid: 'ReadDatasets',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: TABLE_PREFIXES.map((p) => `arn:aws:s3:::${bucketName}/${p}*`),
      },
      ...listDatasets(logBucket),
      {
        Sid: 'QueryResults',
        Effect: 'Allow',
        Action: [
          's3:GetObject',
          's3:PutObject',
          's3:AbortMultipartUpload',
          's3:ListBucket',
          's3:GetBucketLocation',
          's3:ListMultipartUploadParts',
        ],
        Resource: [results, pulumi.interpolate`${results}/${RESULTS_PREFIX}*`],
      },
    ],
  };
}
