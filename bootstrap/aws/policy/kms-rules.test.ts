// The KMS rules of the pack on resources built by hand: a compliant key and its users pass, and each negative breaks
// one thing.
import type { PolicyResource } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { policyResource, violations } from './harness.testkit';

const KEY = 'aws:kms/key:Key';
const ARN = 'arn:aws:kms:eu-central-1:111122223333:key/1234';
const USERS = ['arn:aws:iam::111122223333:role/aws-log-writer'];

function keyPolicy(overrides: Record<string, unknown> = {}) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeyAdministration',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:user/deployer' },
        Action: ['kms:Create*', 'kms:Describe*', 'kms:ScheduleKeyDeletion'],
        Resource: '*',
      },
      {
        Sid: 'UseThroughService',
        Effect: 'Allow',
        Principal: { AWS: USERS },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
        ...overrides,
      },
    ],
  };
}

const key = (props: Record<string, unknown> = {}) =>
  policyResource(KEY, 'aws-telemetry', { enableKeyRotation: true, policy: JSON.stringify(keyPolicy()), ...props });

describe('kms-key-rotation-and-scope', () => {
  const rule = (resource: PolicyResource) => violations('kms-key-rotation-and-scope', [resource]);

  it('passes a rotating key whose users are named and go through a service', async () => {
    expect(await rule(key())).toEqual([]);
  });

  it.each([
    ['no rotation', { enableKeyRotation: false }, /enableKeyRotation is not true/],
    ['no key policy', { policy: undefined }, /has no key policy/],
    [
      'the account root as user',
      { policy: JSON.stringify(keyPolicy({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })) },
      /statement UseThroughService allows .*root/,
    ],
    [
      'any principal',
      { policy: JSON.stringify(keyPolicy({ Principal: '*' })) },
      /allows "\*", not the named principals/,
    ],
    ['kms:*', { policy: JSON.stringify(keyPolicy({ Action: 'kms:*' })) }, /allows kms:\*/],
    [
      'use without a service',
      { policy: JSON.stringify(keyPolicy({ Condition: undefined })) },
      /without a kms:ViaService condition/,
    ],
    [
      'a grant for anything',
      { policy: JSON.stringify(keyPolicy({ Action: 'kms:CreateGrant', Condition: undefined })) },
      /kms:CreateGrant without kms:GrantIsForAWSResource/,
    ],
  ])('flags %s', async (_, props, message) => {
    const found = await rule(key(props));
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(message);
  });
});

describe('kms-customer-key-encrypts-data', () => {
  const k = key();
  const bucket = policyResource('aws:s3/bucket:Bucket', 'log-archive', { bucket: 'logs' });
  const sse = (rule: Record<string, unknown>, deps: PolicyResource[] = []) =>
    policyResource(
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      'log-archive-encryption',
      { rules: [rule] },
      { bucket: [bucket], rules: deps },
    );
  const kms = { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: ARN } };
  const instance = (kmsKeyId?: string) =>
    policyResource('aws:ec2/instance:Instance', 'aws-controlplane-0', {
      rootBlockDevice: { encrypted: true, kmsKeyId },
    });
  const template = (kmsKeyId?: string) =>
    policyResource('aws:ec2/launchTemplate:LaunchTemplate', 'aws-worker', {
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true', kmsKeyId } }],
    });
  const workspace = (kmsKeyArn?: string) => policyResource('aws:amp/workspace:Workspace', 'metrics', { kmsKeyArn });
  const rule = (resources: PolicyResource[]) => violations('kms-customer-key-encrypts-data', resources);

  it('passes data under a key, by ARN or (in a preview) by dependency on a key of the stack', async () => {
    expect(await rule([k, bucket, sse(kms), instance(ARN), template(ARN), workspace(ARN)])).toEqual([]);
    const unknown = { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } };
    expect(await rule([k, bucket, sse(unknown, [k])])).toEqual([]);
  });

  it('leaves out the buckets that hold public documents', async () => {
    const oidc = policyResource('aws:s3/bucket:Bucket', 'oidc-issuer', { bucket: 'oidc' });
    expect(await rule([k, oidc])).toEqual([]);
  });

  it.each([
    [
      'a bucket under SSE-S3',
      () => [k, bucket, sse({ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } })],
      /bucket log-archive: not encrypted with SSE-KMS/,
    ],
    ['a bucket with no encryption', () => [k, bucket], /bucket log-archive: not encrypted/],
    [
      'an instance on the AWS-managed key',
      () => [k, instance()],
      /aws-controlplane-0: rootBlockDevice.kmsKeyId is no key/,
    ],
    [
      'a launch template on the AWS-managed key',
      () => [k, template()],
      /aws-worker: blockDeviceMappings\[0\].ebs.kmsKeyId is no key/,
    ],
    ['an AMP workspace on the AWS-owned key', () => [k, workspace()], /metrics: kmsKeyArn is no key of this stack/],
  ])('flags %s', async (_, resources, message) => {
    expect((await rule(resources())).join('\n')).toMatch(message);
  });
});
