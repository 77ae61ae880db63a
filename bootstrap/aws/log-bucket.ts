// The estate's log archive bucket (estate.logArchive): private, encrypted, TLS-only, versioned, with a lifecycle.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Settings } from './config';

/** STANDARD_IA's minimum age. */
export const INFREQUENT_ACCESS_AFTER_DAYS = 30;
export const ABORT_MULTIPART_AFTER_DAYS = 7;
/** Overwritten or deleted objects stay recoverable this long. */
export const NONCURRENT_VERSION_DAYS = 7;

export function declareLogBucket(settings: Settings, tags: Record<string, string>): aws.s3.Bucket {
  const { bucket: bucketName, retentionDays } = settings.logArchive;
  const bucket = new aws.s3.Bucket('log-archive', { bucket: bucketName, tags });
  const name = (suffix: string) => `log-archive-${suffix}`;

  new aws.s3.BucketPublicAccessBlock(name('public-access'), {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new aws.s3.BucketOwnershipControls(name('ownership'), { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  new aws.s3.BucketServerSideEncryptionConfiguration(name('encryption'), {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  new aws.s3.BucketVersioning(name('versioning'), { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
  new aws.s3.BucketLifecycleConfiguration(name('lifecycle'), {
    bucket: bucket.id,
    rules: [
      {
        id: 'retention',
        status: 'Enabled',
        filter: { prefix: '' },
        transitions: [{ days: INFREQUENT_ACCESS_AFTER_DAYS, storageClass: 'STANDARD_IA' }],
        expiration: { days: retentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
      },
    ],
  });
  new aws.s3.BucketPolicy(name('tls-only'), {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    }),
  });
  return bucket;
}
