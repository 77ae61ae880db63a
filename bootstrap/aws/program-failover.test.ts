// The cross-site database's AWS side under Pulumi mocks, with the committed Pulumi.aws.yaml: the backup bucket, the
// IAM of each cluster's prefix, and the Route 53 health checks and failover records; then the stack config's checks.
import { beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { Estate } from '../../generators/model';
import { ConfigError, loadSettings, readStackConfig, type StackConfig } from './config';
import { HEALTH_CHECK } from './failover';
import {
  asPolicyResources,
  firstRunStack,
  stackFileConfig,
  valueOf,
  type Declared,
  type Recorder,
} from './mocks.testkit';
import { violations } from './policy/harness.testkit';
import { policies } from './policy/rules';

let recorder: Recorder;
let program: typeof import('./index');
beforeAll(async () => {
  ({ recorder, program } = await firstRunStack());
});

const bucketName = estate.database!.backups.bucket;
const bucketPart = (type: string) =>
  recorder.ofType(`aws:s3/${type}`).find((r) => r.name.startsWith('database-backups'))!.inputs;
const policyOf = (r: Declared) => JSON.parse(r.inputs.policy) as { Statement: Record<string, any>[] };

describe('the database backup bucket', () => {
  it('is private, encrypted, versioned and TLS-only, and keeps current objects for barman to expire', async () => {
    expect(bucketPart('bucket:Bucket').bucket).toBe(bucketName);
    expect(bucketPart('bucketPublicAccessBlock:BucketPublicAccessBlock')).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(bucketPart('bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').rules).toEqual(
      [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: 'aws:kms',
            kmsMasterKeyId: 'arn:aws:mock:::Key/aws-database',
          },
          bucketKeyEnabled: true,
        },
      ],
    );
    expect(bucketPart('bucketVersioning:BucketVersioning').versioningConfiguration).toEqual({ status: 'Enabled' });
    const [rule, ...more] = bucketPart('bucketLifecycleConfiguration:BucketLifecycleConfiguration').rules;
    expect(more).toEqual([]);
    expect(rule).toMatchObject({
      status: 'Enabled',
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    });
    expect(rule.expiration).toBeUndefined();
    const { Statement } = JSON.parse(bucketPart('bucketPolicy:BucketPolicy').policy);
    expect(Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    expect(await valueOf(program.databaseBucket)).toEqual({
      name: bucketName,
      region: 'eu-central-1',
      arn: `arn:aws:s3:::${bucketName}`,
    });
  });

  it('gives each cluster an identity that writes only under its own prefix', () => {
    const role = recorder.ofType('aws:iam/rolePolicy:RolePolicy').find((r) => r.name === 'aws-task-tracker-db')!;
    const user = recorder.ofType('aws:iam/userPolicy:UserPolicy').find((r) => r.name === 'onprem-task-tracker-db')!;
    for (const [identity, own] of [
      [role, 'aws'],
      [user, 'onprem'],
    ] as const) {
      const statements = policyOf(identity).Statement;
      const writes = statements.filter((s) => [s.Action].flat().some((a: string) => /Put|Delete/.test(a)));
      expect(writes).toEqual([
        expect.objectContaining({ Resource: `arn:aws:s3:::${bucketName}/task-tracker-db-${own}/*` }),
      ]);
      expect(statements.flatMap((s) => [s.Resource].flat())).not.toContain('*');
    }
    const trust = JSON.parse(recorder.one('aws:iam/role:Role', 'aws-task-tracker-db').inputs.assumeRolePolicy);
    expect(JSON.stringify(trust)).toContain('system:serviceaccount:task-tracker:task-tracker-db');
  });
});

describe('Route 53 failover', () => {
  const checks = () => recorder.ofType('aws:route53/healthCheck:HealthCheck');
  const records = () => recorder.ofType('aws:route53/record:Record');

  it("health-checks each site's ingress on the app's /readyz, with the public hostname as Host and SNI", () => {
    expect(checks().map((c) => [c.name, c.inputs.ipAddress])).toEqual([
      ['aws-app-ready', '198.51.100.10'],
      ['onprem-app-ready', '203.0.113.20'],
    ]);
    for (const check of checks())
      expect(check.inputs).toMatchObject({
        type: 'HTTPS',
        fqdn: 'tasks.acme.example',
        enableSni: true,
        ...HEALTH_CHECK,
      });
  });

  it('answers the public hostname with the primary site while it is healthy, the other site otherwise', () => {
    const byName = Object.fromEntries(records().map((r) => [r.name, r.inputs]));
    expect(Object.keys(byName).sort()).toEqual(['aws-app', 'onprem-app']);
    expect(byName['onprem-app']).toMatchObject({
      zoneId: 'Z0PLACEHOLDER0ZONE',
      name: 'tasks.acme.example',
      type: 'A',
      records: ['203.0.113.20'],
      setIdentifier: 'onprem',
      failoverRoutingPolicies: [{ type: 'PRIMARY' }],
      healthCheckId: recorder.one('aws:route53/healthCheck:HealthCheck', 'onprem-app-ready').id,
    });
    expect(byName['aws-app']).toMatchObject({
      records: ['198.51.100.10'],
      setIdentifier: 'aws',
      failoverRoutingPolicies: [{ type: 'SECONDARY' }],
      healthCheckId: recorder.one('aws:route53/healthCheck:HealthCheck', 'aws-app-ready').id,
    });
  });

  it('passes the policy pack', async () => {
    for (const { name } of policies) expect(await violations(name, asPolicyResources(recorder.resources))).toEqual([]);
  });
});

describe('the failover settings', () => {
  const committed = (): StackConfig => readStackConfig(stackFileConfig('aws'));
  const problemsOf = (raw: StackConfig, model: Estate = estate): string[] => {
    try {
      loadSettings('aws', 'eu-central-1', raw, model);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };
  const withFailover = (change: (f: any) => void) => {
    const raw = committed();
    const failover = structuredClone(raw.failover) as any;
    change(failover);
    return { ...raw, failover };
  };

  it('follows the model: PRIMARY is database.primarySite', () => {
    const model = structuredClone(estate) as Estate;
    model.database!.primarySite = 'aws';
    expect(loadSettings('aws', 'eu-central-1', committed(), model).failover).toMatchObject({ primary: 'aws' });
  });

  it('rejects a private endpoint, a missing site, a bad zone id and an unknown key, naming the field', () => {
    expect(problemsOf(withFailover((f) => (f.endpoints.onprem = '10.30.0.241'))).join('\n')).toContain(
      'Pulumi.aws.yaml: aws-bootstrap:failover.endpoints.onprem "10.30.0.241" is not a public IPv4 address',
    );
    expect(problemsOf(withFailover((f) => delete f.endpoints.aws)).join('\n')).toContain(
      'aws-bootstrap:failover.endpoints.aws undefined is not a public IPv4 address',
    );
    expect(problemsOf(withFailover((f) => (f.zoneId = 'acme.example'))).join('\n')).toContain(
      'aws-bootstrap:failover.zoneId "acme.example" is not a Route 53 hosted zone id',
    );
    expect(problemsOf(withFailover((f) => (f.ttl = 5))).join('\n')).toContain(
      'aws-bootstrap:failover.ttl is not a known setting',
    );
  });

  it('rejects sites that disagree on the public hostname, naming the model field', () => {
    const model = structuredClone(estate) as any;
    model.clusters[0].apps['task-tracker'].publicHostname = 'tasks.example.org';
    expect(problemsOf(committed(), model).join('\n')).toContain(
      'generators/estate/clusters.ts: apps.task-tracker.publicHostname must be one hostname on every cluster',
    );
  });

  it('rejects a backup bucket outside this stack region', () => {
    const model = structuredClone(estate) as Estate;
    model.database!.backups.region = 'us-east-1';
    expect(problemsOf(committed(), model).join('\n')).toContain(
      'generators/estate/clusters.ts: database.backups.region (us-east-1) must be the region of cluster "aws"',
    );
  });
});
