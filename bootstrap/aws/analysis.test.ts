// The analysis stack under Pulumi mocks (first `pulumi up`, committed Pulumi.aws.yaml): the AMP workspace and the
// remote-write IRSA role, the managed Grafana and its role, the Parquet compaction schedules and their role, the
// `analysis` outputs.
import { beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { IRSA_AUDIENCE } from '../../generators/irsa';
import type { AwsCluster } from '../../generators/model';
import { DATABASE, datasetTables, LOG_DATASETS, parquetTableName } from '../../platform/log-export/api';
import { PROMETHEUS_SERVICE_ACCOUNT } from '../../platform/monitoring/api';
import { checkMetricsWorkspace, COMPACTION_GROUP } from './analysis';
import { knownNamespaces, WORKGROUP } from './catalogue';
import { compactionQueries, INSERT_PARTITION_LIMIT } from './compaction';
import { loadSettings, readStackConfig } from './config';
import {
  asPolicyResources,
  DISTRIBUTION_DOMAIN,
  firstRunStack,
  METRICS_WORKSPACE_ID,
  stackFileConfig,
  valueOf,
  type Recorder,
} from './mocks.testkit';
import { violations } from './policy/harness.testkit';
import { policies } from './policy/rules';

let recorder: Recorder;
let program: typeof import('./index');
const cluster = estate.clusters.find((c): c is AwsCluster => c.provider === 'aws')!;
const ACCOUNT = cluster.accountId;
const BUCKET = estate.logArchive.bucket;
const WORKSPACE_ARN = `arn:aws:aps:eu-central-1:${ACCOUNT}:workspace/${METRICS_WORKSPACE_ID}`;
const policyOf = (name: string) => JSON.parse(recorder.one('aws:iam/rolePolicy:RolePolicy', name).inputs.policy);
const role = (name: string) => recorder.one('aws:iam/role:Role', name).inputs;
const sid = (policy: { Statement: { Sid: string }[] }, id: string) => policy.Statement.find((s) => s.Sid === id);

beforeAll(async () => {
  ({ recorder, program } = await firstRunStack());
});

describe('Amazon Managed Service for Prometheus', () => {
  it('declares the workspace encrypted with the stack metrics key, whose policy admits its callers through aps', () => {
    const workspace = recorder.one('aws:amp/workspace:Workspace', 'metrics').inputs;
    expect(workspace).toMatchObject({ alias: 'aws-metrics', kmsKeyArn: 'arn:aws:mock:::Key/aws-metrics' });
    const key = JSON.parse(recorder.one('aws:kms/key:Key', 'aws-metrics').inputs.policy);
    const use = sid(key, 'UseThroughService') as any;
    expect(use.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'aps.eu-central-1.amazonaws.com' } });
    expect(use.Principal.AWS).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/aws-prometheus-remote-write`,
      `arn:aws:iam::${ACCOUNT}:role/aws-grafana`,
      `arn:aws:iam::${ACCOUNT}:user/deployer`,
    ]);
  });

  it('gives the aws Prometheus an IRSA role that only remote-writes to that workspace', () => {
    const trust = JSON.parse(role('aws-prometheus-remote-write').assumeRolePolicy);
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:mock:::OpenIdConnectProvider/aws-service-accounts' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${DISTRIBUTION_DOMAIN}:aud`]: IRSA_AUDIENCE,
              [`${DISTRIBUTION_DOMAIN}:sub`]: [`system:serviceaccount:monitoring:${PROMETHEUS_SERVICE_ACCOUNT}`],
            },
          },
        },
      ],
    });
    expect(policyOf('aws-prometheus-remote-write')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'RemoteWriteOwnWorkspace', Effect: 'Allow', Action: 'aps:RemoteWrite', Resource: WORKSPACE_ARN },
      ],
    });
  });

  it('fails the run when the model names another workspace than the one declared, naming the field', () => {
    const settings = loadSettings('aws', 'eu-central-1', readStackConfig(stackFileConfig('aws')), estate);
    expect(() => checkMetricsWorkspace(settings, METRICS_WORKSPACE_ID)).not.toThrow();
    expect(() => checkMetricsWorkspace(settings, 'ws-11111111-2222-4333-8444-555555555555')).toThrow(
      `generators/estate/clusters.ts: cluster "aws" platform.monitoring.remoteWrite.workspaceId ` +
        `"${METRICS_WORKSPACE_ID}" is not the workspace this stack declares ` +
        '(ws-11111111-2222-4333-8444-555555555555): set it and run npm run render',
    );
  });
});

describe('Amazon Managed Grafana', () => {
  it('declares a customer-managed workspace with Identity Center sign-in, AMP and Athena, and its admins', () => {
    expect(recorder.one('aws:grafana/workspace:Workspace', 'grafana').inputs).toMatchObject({
      accountAccessType: 'CURRENT_ACCOUNT',
      authenticationProviders: ['AWS_SSO'],
      permissionType: 'CUSTOMER_MANAGED',
      roleArn: 'arn:aws:mock:::Role/aws-grafana',
      dataSources: ['PROMETHEUS', 'ATHENA'],
    });
    expect(recorder.one('aws:grafana/roleAssociation:RoleAssociation', 'grafana-admins').inputs).toEqual({
      workspaceId: 'g-mock',
      role: 'ADMIN',
      groupIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(recorder.ofType('aws:grafana/workspaceSamlConfiguration:WorkspaceSamlConfiguration')).toEqual([]);
  });

  it('lets only the Grafana service of this account assume its role', () => {
    expect(JSON.parse(role('aws-grafana').assumeRolePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'grafana.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: { 'aws:SourceArn': `arn:aws:grafana:eu-central-1:${ACCOUNT}:/workspaces/*` },
          },
        },
      ],
    });
  });

  it('gives the workspace role AMP queries and Athena reads, and writes to the query results only', () => {
    const glue = (suffix: string) => `arn:aws:glue:eu-central-1:${ACCOUNT}:${suffix}`;
    const prefixes = [...LOG_DATASETS.map((d) => `${d}/`), ...LOG_DATASETS.map((d) => `parquet/${d}/`)];
    const results = `arn:aws:s3:::${BUCKET}-athena-results`;
    expect(policyOf('aws-grafana-data-sources')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'QueryMetrics',
          Effect: 'Allow',
          Action: ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'],
          Resource: [WORKSPACE_ARN],
        },
        {
          Sid: 'ListAthenaCatalogue',
          Effect: 'Allow',
          Action: [
            'athena:GetDataCatalog',
            'athena:GetDatabase',
            'athena:ListDatabases',
            'athena:GetTableMetadata',
            'athena:ListTableMetadata',
          ],
          Resource: [`arn:aws:athena:eu-central-1:${ACCOUNT}:datacatalog/AwsDataCatalog`],
        },
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
          Resource: ['arn:aws:mock:::Workgroup/athena-workgroup'],
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
          Resource: prefixes.map((p) => `arn:aws:s3:::${BUCKET}/${p}*`),
        },
        {
          Sid: 'ListDatasets',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [`arn:aws:s3:::${BUCKET}`],
          Condition: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
        },
        {
          Sid: 'LocateDatasets',
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation'],
          Resource: [`arn:aws:s3:::${BUCKET}`],
        },
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
          Resource: [results, `${results}/results/*`],
        },
      ],
    });
    // The telemetry key, which encrypts the archive and the results, admits it through S3 only.
    const telemetry = JSON.parse(recorder.one('aws:kms/key:Key', 'aws-telemetry').inputs.policy);
    expect((sid(telemetry, 'UseThroughService') as any).Principal.AWS).toContain(
      `arn:aws:iam::${ACCOUNT}:role/aws-grafana`,
    );
  });
});

describe('Parquet compaction', () => {
  const tables = () => datasetTables({ bucket: BUCKET, clusters: ['aws', 'onprem'], namespaces: knownNamespaces() });

  it('runs one INSERT INTO per Parquet table and day, or per hour where a day exceeds 100 partitions', () => {
    const queries = compactionQueries(tables());
    const names = queries.map((q) => q.name);
    for (const d of ['events', 'states', 'metrics']) expect(names).toContain(parquetTableName(d as 'events'));
    const logs = names.filter((n) => n.startsWith('logs_parquet'));
    expect(logs).toHaveLength(24);
    expect(2 * knownNamespaces().length * 24).toBeGreaterThan(INSERT_PARTITION_LIMIT);
    const yesterday = "dt = date_format(current_date - INTERVAL '1' DAY, '%Y-%m-%d')";
    expect(queries.find((q) => q.name === 'metrics_parquet')!.sql).toBe(
      `INSERT INTO "${DATABASE}"."metrics_parquet" SELECT "time", "metric", "labels", "value", ` +
        '"cluster", "dt", "hour" ' +
        `FROM "${DATABASE}"."metrics" WHERE ${yesterday}`,
    );
    expect(queries.find((q) => q.name === 'logs_parquet-hour-07')!.sql).toBe(
      `INSERT INTO "${DATABASE}"."logs_parquet" SELECT "time", "resource", "attributes", "body", "cluster", ` +
        `"namespace", "dt", "hour" FROM "${DATABASE}"."logs" WHERE ${yesterday} AND hour = '07'`,
    );
  });

  it('refuses a table whose hour would still exceed the partition limit', () => {
    const many = Array.from({ length: 51 }, (_, i) => `ns-${i}`);
    expect(() =>
      compactionQueries(datasetTables({ bucket: BUCKET, clusters: ['aws', 'onprem'], namespaces: many })),
    ).toThrow(
      'logs_parquet: 2448 partitions a day, 102 per hour, ' +
        `exceed the ${INSERT_PARTITION_LIMIT} an Athena INSERT INTO may write`,
    );
  });

  it('declares a schedule per query: the Athena SDK target in the workgroup, no retries, a few minutes apart', () => {
    const schedules = recorder.ofType('aws:scheduler/schedule:Schedule');
    const queries = compactionQueries(tables());
    expect(schedules).toHaveLength(queries.length);
    const times = new Set<string>();
    schedules.forEach((s, i) => {
      const { target, scheduleExpression, scheduleExpressionTimezone, groupName } = s.inputs;
      expect(groupName).toBe(COMPACTION_GROUP('aws'));
      expect(scheduleExpressionTimezone).toBe('UTC');
      expect(target.arn).toBe('arn:aws:scheduler:::aws-sdk:athena:startQueryExecution');
      expect(target.roleArn).toBe('arn:aws:mock:::Role/aws-parquet-compaction');
      expect(target.retryPolicy).toEqual({ maximumRetryAttempts: 0 });
      expect(JSON.parse(target.input)).toEqual({
        QueryString: queries[i]!.sql,
        WorkGroup: WORKGROUP,
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: DATABASE },
      });
      times.add(scheduleExpression);
    });
    expect(times.size).toBe(schedules.length);
    expect([...times][0]).toBe('cron(30 0 * * ? *)');
  });

  it('gives the schedule role the workgroup, the tables it reads and writes, raw reads and Parquet writes only', () => {
    expect(JSON.parse(role('aws-parquet-compaction').assumeRolePolicy).Statement[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': `arn:aws:scheduler:eu-central-1:${ACCOUNT}:schedule-group/aws-parquet-compaction` },
      },
    });
    const policy = policyOf('aws-parquet-compaction');
    expect(sid(policy, 'RunInWorkgroup')).toMatchObject({
      Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
      Resource: ['arn:aws:mock:::Workgroup/athena-workgroup'],
    });
    const table = (t: string) => `arn:aws:glue:eu-central-1:${ACCOUNT}:table/${DATABASE}/${t}`;
    expect((sid(policy, 'ReadCatalogue') as any).Resource.slice(2).sort()).toEqual(
      [...LOG_DATASETS, ...LOG_DATASETS.map(parquetTableName)].map(table).sort(),
    );
    expect((sid(policy, 'AddParquetPartitions') as any).Resource.slice(2)).toEqual(
      LOG_DATASETS.map(parquetTableName).map(table),
    );
    expect(sid(policy, 'ReadRaw')).toMatchObject({
      Action: ['s3:GetObject'],
      Resource: LOG_DATASETS.map((d) => `arn:aws:s3:::${BUCKET}/${d}/*`),
    });
    expect((sid(policy, 'WriteParquet') as any).Resource).toEqual(
      LOG_DATASETS.map((d) => `arn:aws:s3:::${BUCKET}/parquet/${d}/*`),
    );
    const writes = policy.Statement.filter((s: { Action: string[] }) => s.Action.includes('s3:PutObject'));
    expect(writes.map((s: { Sid: string }) => s.Sid)).toEqual(['WriteParquet', 'QueryResults']);
    expect(JSON.stringify(policy)).not.toContain('Delete');
  });
});

describe('outputs and policy', () => {
  it('exports exactly the analysis names that `npm run grafana -- sync` reads', async () => {
    expect(await valueOf(program.analysis)).toEqual({
      grafanaUrl: 'https://g-mock.grafana-workspace.eu-central-1.amazonaws.com',
      grafanaWorkspaceId: 'g-mock',
      prometheusEndpoint: `https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/${METRICS_WORKSPACE_ID}/`,
      athenaWorkgroup: WORKGROUP,
      athenaDatabase: DATABASE,
    });
  });

  it.each(policies.map((p) => p.name))('passes the policy rule %s', async (name) => {
    expect(await violations(name, asPolicyResources(recorder.resources))).toEqual([]);
  });
});
