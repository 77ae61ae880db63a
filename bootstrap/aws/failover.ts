// What the cross-site database and its failover need from AWS: the backup bucket each site's database archives to
// (under its own prefix; the IAM of each prefix comes with the component's IRSA role, iam.ts), and the Route 53
// failover records that send the app's public hostname to the primary site's ingress while its health check passes.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Failover, Settings } from './config';
import { denyInsecureTransport, keepCurrentObjects, privateBucket } from './private-bucket';
import { NONCURRENT_VERSION_DAYS } from './log-bucket';

/** Route 53 checks every 10 s from each checker region; three failures in a row (≈30 s) mark a site unhealthy. */
export const HEALTH_CHECK = { requestInterval: 10, failureThreshold: 3, resourcePath: '/readyz', port: 443 } as const;
/** Resolvers hold an answer this long after a failover flips it. */
export const RECORD_TTL_SECONDS = 30;

/**
 * The databases' bucket. No expiration of current objects: barman-cloud's retention policy deletes base backups and
 * the WAL they no longer need; an S3 expiration could delete the only base backup a WAL chain restores from. Deleted
 * objects stay recoverable as noncurrent versions for a week.
 */
export function declareDatabaseBucket(
  settings: Settings,
  key: aws.kms.Key | undefined,
  tags: Record<string, string>,
): aws.s3.Bucket | undefined {
  if (!settings.database) return undefined;
  const bucket = privateBucket('database-backups', {
    bucket: settings.database.backups.bucket,
    kmsKeyArn: key?.arn,
    tags,
    lifecycle: [keepCurrentObjects('deleted-backups', NONCURRENT_VERSION_DAYS)],
  });
  new aws.s3.BucketPolicy('database-backups-tls-only', {
    bucket: bucket.id,
    policy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: [denyInsecureTransport(bucket)] }),
  });
  return bucket;
}

export interface FailoverRecords {
  healthChecks: Record<string, aws.route53.HealthCheck>;
  records: Record<string, aws.route53.Record>;
}

/**
 * One health check and one failover A record per site. The health check asks the site's ingress for the app's
 * `/readyz` with the public hostname as Host and SNI: it passes only where task-tracker is ready, that is where the
 * database takes writes. So when the primary site fails Route 53 answers with the secondary as soon as the replica
 * there is promoted, before anyone re-runs `pulumi up` to swap PRIMARY and SECONDARY.
 */
export function declareFailoverRecords(failover: Failover | undefined, tags: Record<string, string>): FailoverRecords {
  const healthChecks: FailoverRecords['healthChecks'] = {};
  const records: FailoverRecords['records'] = {};
  for (const [site, address] of Object.entries(failover?.endpoints ?? {})) {
    const check = new aws.route53.HealthCheck(`${site}-app-ready`, {
      type: 'HTTPS',
      ipAddress: address,
      fqdn: failover!.hostname,
      enableSni: true,
      ...HEALTH_CHECK,
      tags: { ...tags, Name: `${failover!.hostname} on ${site}` },
    });
    healthChecks[site] = check;
    records[site] = new aws.route53.Record(`${site}-app`, {
      zoneId: failover!.zoneId,
      name: failover!.hostname,
      type: 'A',
      ttl: RECORD_TTL_SECONDS,
      records: [address],
      setIdentifier: site,
      failoverRoutingPolicies: [{ type: site === failover!.primary ? 'PRIMARY' : 'SECONDARY' }],
      healthCheckId: check.id,
    });
  }
  return { healthChecks, records };
}
