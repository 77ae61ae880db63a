// The estate's log archive bucket (estate.logArchive): private, encrypted, TLS-only, versioned, with a lifecycle.
// It also holds each cluster's etcd snapshots (platform/etcd-backup), under their own prefix and retention.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Cluster } from '../../generators/model';
import { etcdBackupOf, snapshotPrefix } from '../../platform/etcd-backup/api';
import type { Settings } from './config';
import { denyInsecureTransport, privateBucket } from './private-bucket';

/** STANDARD_IA's minimum age. */
export const INFREQUENT_ACCESS_AFTER_DAYS = 30;
/** Overwritten or deleted objects stay recoverable this long. */
export const NONCURRENT_VERSION_DAYS = 7;
/**
 * Only objects of 128 KB and more move to STANDARD_IA; smaller ones stay in STANDARD until they expire. STANDARD_IA
 * bills each object as at least 128 KB and each transition is a request, so moving a small object costs more than it
 * saves. The exporter batches per partition (platform/log-export/README.md, "Batching and object sizes"): a busy
 * partition's objects hold thousands of records, tens of KB to MB compressed depending on the lines; a quiet partition
 * writes one small object per flush.max_age. S3 has done this by default since 2024; it is stated here so that neither
 * a change of default nor a copied rule starts paying IA minimums for small objects. Facts:
 * `transitionDefaultMinimumObjectSize` takes `all_storage_classes_128K` (the default: nothing under 128 KB transitions)
 * or `varies_by_storage_class` (only the Glacier classes take small objects), and a rule's
 * `filter.objectSizeGreaterThan` takes precedence (AWS S3 API reference, PutBucketLifecycleConfiguration,
 * TransitionDefaultMinimumObjectSize; @pulumi/aws 7.48.0, s3/bucketLifecycleConfiguration.d.ts and
 * BucketLifecycleConfigurationRuleFilterAnd.objectSizeGreaterThan, "Defaults to 128000 (128 KB)"). A size filter on
 * this rule would also keep small objects from ever expiring.
 */
export const TRANSITION_MINIMUM_OBJECT_SIZE = 'all_storage_classes_128K';

/**
 * One rule per cluster that snapshots etcd: its prefix expires after its `retentionDays`. The bucket-wide rule also
 * matches those objects; where two lifecycle rules' expirations overlap, S3 applies the shorter one, and an expiration
 * wins over a transition (AWS S3 User Guide, "How Amazon S3 handles conflicts in lifecycle configurations").
 */
function snapshotLifecycle(clusters: readonly Cluster[]): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return clusters.flatMap((cluster) => {
    const backup = etcdBackupOf(cluster);
    if (!backup) return [];
    return [
      {
        id: `etcd-snapshots-${cluster.name}`,
        status: 'Enabled',
        filter: { prefix: `${snapshotPrefix(cluster.name)}/` },
        expiration: { days: backup.retentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
      },
    ];
  });
}

/** `clusters`: those whose etcd snapshots the bucket keeps (the stack's cluster and its on-prem peer). */
export function declareLogBucket(
  settings: Settings,
  key: aws.kms.Key,
  tags: Record<string, string>,
  clusters: readonly Cluster[],
): aws.s3.Bucket {
  const { bucket: bucketName, retentionDays } = settings.logArchive;
  const bucket = privateBucket('log-archive', {
    bucket: bucketName,
    tags,
    kmsKeyArn: key.arn,
    transitionDefaultMinimumObjectSize: TRANSITION_MINIMUM_OBJECT_SIZE,
    lifecycle: [
      {
        id: 'retention',
        status: 'Enabled',
        filter: { prefix: '' },
        transitions: [{ days: INFREQUENT_ACCESS_AFTER_DAYS, storageClass: 'STANDARD_IA' }],
        expiration: { days: retentionDays },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
      },
      ...snapshotLifecycle(clusters),
    ],
  });
  new aws.s3.BucketPolicy('log-archive-tls-only', {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: [denyInsecureTransport(bucket)] }),
  });
  return bucket;
}
