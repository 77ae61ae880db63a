// The estate's log archive bucket (estate.logArchive): private, encrypted, TLS-only, versioned, with a lifecycle.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Settings } from './config';
import { denyInsecureTransport, privateBucket } from './private-bucket';

/** STANDARD_IA's minimum age. */
export const INFREQUENT_ACCESS_AFTER_DAYS = 30;
/** Overwritten or deleted objects stay recoverable this long. */
export const NONCURRENT_VERSION_DAYS = 7;

export function declareLogBucket(settings: Settings, tags: Record<string, string>): aws.s3.Bucket {
  const { bucket: bucketName, retentionDays } = settings.logArchive;
  const bucket = privateBucket('log-archive', {
    bucket: bucketName,
    tags,
    lifecycle: [
      {
        id: 'retention',
        status: 'Enabled',
        filter: { prefix: '' },
        transitions: [{ days: INFREQUENT_ACCESS_AFTER_DAYS, storageClass: 'STANDARD_IA' }],
        expiration: { days: retentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
      },
    ],
  });
  new aws.s3.BucketPolicy('log-archive-tls-only', {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: [denyInsecureTransport(bucket)] }),
  });
  return bucket;
}
