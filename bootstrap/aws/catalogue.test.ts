// The analysis catalogue under Pulumi mocks (first `pulumi up`, committed Pulumi.aws.yaml): the Glue tables and their
// projection against the exporter's key templates, the Athena workgroup's settings, the analyst role's reach.
import { beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import {
  DATABASE,
  LOG_DATASETS,
  locationTemplate,
  objectKeys,
  PARQUET_PREFIX,
  parquetTableName,
} from '../../platform/log-export/api';
import { ANALYST_ROLE, BYTES_SCANNED_CUTOFF, knownNamespaces, WORKGROUP } from './catalogue';
import { asPolicyResources, firstRunStack, type Recorder } from './mocks.testkit';
import { violations } from './policy/harness.testkit';
import { policies } from './policy/rules';

let recorder: Recorder;
const BUCKET = estate.logArchive.bucket;
const table = (name: string) => recorder.one('aws:glue/catalogTable:CatalogTable', `glue-${name}`).inputs;

beforeAll(async () => {
  ({ recorder } = await firstRunStack());
});

/** The key template of a cluster, back from a table's location template: what the exporter writes for it. */
const keyOf = (template: string, cluster: string) =>
  template
    .replace(`s3://${BUCKET}/`, '')
    .replace(/\/$/, '')
    .replace('${cluster}', cluster)
    .replace(/\$\{(\w+)\}/g, '{$1}');

describe('Glue catalogue', () => {
  it('declares one table per dataset whose projection template is the exporter key template of every cluster', () => {
    expect(recorder.one('aws:glue/catalogDatabase:CatalogDatabase', 'glue-database').inputs.name).toBe(DATABASE);
    for (const dataset of LOG_DATASETS) {
      const t = table(dataset);
      expect(t.parameters['projection.enabled']).toBe('true');
      expect(t.parameters['storage.location.template']).toBe(locationTemplate(BUCKET, dataset));
      for (const { name } of estate.clusters)
        expect(keyOf(t.parameters['storage.location.template'], name)).toBe(objectKeys(name)[dataset]);
      expect(t.parameters['projection.cluster.values']).toBe(
        estate.clusters
          .map((c) => c.name)
          .sort()
          .join(','),
      );
      // Every placeholder of the key is a projected partition, and nothing else is.
      const placeholders = [...objectKeys('{cluster}')[dataset].matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(t.partitionKeys.map((k: { name: string }) => k.name)).toEqual(placeholders);
      for (const p of placeholders) expect(t.parameters[`projection.${p}.type`], `${dataset}.${p}`).toBeDefined();
      expect(t.storageDescriptor.serDeInfo.serializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    }
    expect(table('metrics').storageDescriptor.columns.map((c: { name: string }) => c.name)).toEqual([
      'time',
      'metric',
      'labels',
      'value',
    ]);
  });

  it('lets log queries span every namespace: an enum of the rendered ones, injected only in logs_any_namespace', () => {
    const logs = table('logs').parameters;
    expect(logs['projection.namespace.type']).toBe('enum');
    const namespaces = logs['projection.namespace.values'].split(',');
    expect(namespaces).toEqual(knownNamespaces());
    for (const ns of ['log-export', 'monitoring', 'task-tracker', 'kube-system']) expect(namespaces).toContain(ns);
    expect(table('logs_any_namespace').parameters['projection.namespace.type']).toBe('injected');
    for (const dataset of LOG_DATASETS.filter((d) => d !== 'logs'))
      expect(Object.values(table(dataset).parameters)).not.toContain('injected');
  });
});

describe('Parquet copies', () => {
  it("declares a Parquet table per dataset under parquet/, with the NDJSON table's partitions and projection", () => {
    for (const dataset of LOG_DATASETS) {
      const raw = table(dataset);
      const parquet = table(parquetTableName(dataset));
      expect(parquet.partitionKeys).toEqual(raw.partitionKeys);
      expect(parquet.storageDescriptor.columns).toEqual(raw.storageDescriptor.columns);
      const template = parquet.parameters['storage.location.template'];
      expect(template).toBe(locationTemplate(BUCKET, dataset, 'parquet'));
      // The exporter's key template of every cluster, one level down: what INSERT INTO writes (Hive-style key=value).
      for (const { name } of estate.clusters)
        expect(keyOf(template.replace(`/${PARQUET_PREFIX}/`, '/'), name)).toBe(objectKeys(name)[dataset]);
      const projection = (t: typeof raw) =>
        Object.fromEntries(
          Object.entries(t.parameters as Record<string, string>).filter(([k]) => /^projection\./.test(k)),
        );
      expect(projection(parquet)).toEqual(projection(raw));
      expect(parquet.storageDescriptor).toMatchObject({
        location: `s3://${BUCKET}/${PARQUET_PREFIX}/${dataset}/`,
        inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        serDeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      });
      expect(parquet.parameters).toMatchObject({ classification: 'parquet', 'parquet.compression': 'SNAPPY' });
    }
  });
});

describe('Athena workgroup and analyst role', () => {
  it('enforces an encrypted results location and a bytes-scanned cutoff', () => {
    const wg = recorder.one('aws:athena/workgroup:Workgroup', 'athena-workgroup').inputs;
    expect(wg.name).toBe(WORKGROUP);
    expect(wg.configuration).toMatchObject({
      enforceWorkgroupConfiguration: true,
      bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
      resultConfiguration: {
        outputLocation: `s3://${BUCKET}-athena-results/results/`,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: 'arn:aws:mock:::Key/aws-telemetry' },
      },
    });
    const encryption = recorder.one(
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      'athena-results-encryption',
    ).inputs;
    expect(encryption.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: 'aws:kms',
      kmsMasterKeyId: 'arn:aws:mock:::Key/aws-telemetry',
    });
  });

  it('gives the analyst reads only, except the query results Athena writes for it', () => {
    expect(recorder.one('aws:iam/role:Role', 'analyst').inputs.name).toBe(ANALYST_ROLE);
    const policy = JSON.parse(recorder.one('aws:iam/rolePolicy:RolePolicy', 'analyst-read').inputs.policy);
    const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action) as string[];
    const writes = actions.filter((a) => !/^(\w+):(Get|List|Start|Stop)/.test(a));
    expect(writes.sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    const results = policy.Statement.find((s: { Sid: string }) => s.Sid === 'QueryResults');
    expect(results.Resource.join(' ')).toContain(`${BUCKET}-athena-results`);
    expect(results.Resource.join(' ')).not.toMatch(new RegExp(`:::${BUCKET}(/|$)`));
    const data = policy.Statement.find((s: { Sid: string }) => s.Sid === 'ReadDatasets');
    expect(data).toMatchObject({ Action: ['s3:GetObject'] });
    expect(data.Resource).toEqual([
      ...LOG_DATASETS.map((d) => `arn:aws:s3:::${BUCKET}/${d}/*`),
      ...LOG_DATASETS.map((d) => `arn:aws:s3:::${BUCKET}/${PARQUET_PREFIX}/${d}/*`),
    ]);
  });

  it.each(policies.map((p) => p.name))('passes the policy rule %s', async (name) => {
    expect(await violations(name, asPolicyResources(recorder.resources))).toEqual([]);
  });
});
