// The settings every bucket of the estate shares: no public access, owner-enforced objects, default encryption,
// versioning, a lifecycle, and TLS-only access. The policy pack checks each of them.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export const ABORT_MULTIPART_AFTER_DAYS = 7;

export interface PrivateBucketProps {
  bucket: pulumi.Input<string>;
  /** Lifecycle rules; each also aborts incomplete multipart uploads. */
  lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Which objects the lifecycle's transitions skip for their size; unset leaves S3's default. */
  transitionDefaultMinimumObjectSize?: 'all_storage_classes_128K' | 'varies_by_storage_class';
  tags: Record<string, string>;
  /** SSE-KMS with this customer-managed key (and an S3 bucket key, to spare KMS requests); unset: SSE-S3. */
  kmsKeyArn?: pulumi.Input<string>;
}

/** The lifecycle of a bucket whose current objects never expire (policy/conventions.ts BUCKETS_WITHOUT_EXPIRY). */
export function keepCurrentObjects(
  id: string,
  noncurrentDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule {
  return { id, status: 'Enabled', filter: { prefix: '' }, noncurrentVersionExpiration: { noncurrentDays } };
}

/** A private bucket; its resources are named `<name>-<part>`. The caller adds the bucket policy. */
export function privateBucket(name: string, props: PrivateBucketProps): aws.s3.Bucket {
  const part = (suffix: string) => `${name}-${suffix}`;
  const bucket = new aws.s3.Bucket(name, { bucket: props.bucket, tags: props.tags });
  new aws.s3.BucketPublicAccessBlock(part('public-access'), {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new aws.s3.BucketOwnershipControls(part('ownership'), {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  });
  new aws.s3.BucketServerSideEncryptionConfiguration(part('encryption'), {
    bucket: bucket.id,
    rules: [
      props.kmsKeyArn
        ? {
            applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
            bucketKeyEnabled: true,
          }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
    ],
  });
  new aws.s3.BucketVersioning(part('versioning'), {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });
  new aws.s3.BucketLifecycleConfiguration(part('lifecycle'), {
    bucket: bucket.id,
    rules: props.lifecycle.map((rule) => ({
      ...rule,
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_AFTER_DAYS },
    })),
    ...(props.transitionDefaultMinimumObjectSize
      ? { transitionDefaultMinimumObjectSize: props.transitionDefaultMinimumObjectSize }
      : {}),
  });
  return bucket;
}

/** The bucket-policy statement that refuses every request not made over TLS. */
export function denyInsecureTransport(bucket: aws.s3.Bucket) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
