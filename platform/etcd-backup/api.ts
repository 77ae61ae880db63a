// The etcd-backup component's contract: where each cluster's snapshots lie in the estate bucket and how long they are
// kept. cdk8s-free, so bootstrap/aws declares the bucket's lifecycle and the writers' permissions from it.
import type { Cluster } from '../../generators/model';

export const NAMESPACE = 'etcd-backup';

export interface EtcdBackupValues {
  /** Hours between snapshots: a divisor of 24, so that they fall on the same hours every day (from 00:00 UTC). */
  intervalHours: number;
  /** Days a snapshot stays in S3 before the bucket's lifecycle deletes it. */
  retentionDays: number;
  /** age public key each snapshot is encrypted to. Its identity is kept offline: it must outlive the cluster. */
  ageRecipient: string;
}

/** Every cluster's snapshots lie under this prefix of the estate bucket, each cluster's under its own sub-prefix. */
export const SNAPSHOT_PREFIX = 'etcd-snapshots';

/** The key prefix of one cluster's snapshots: `etcd-snapshots/cluster=<name>`. */
export function snapshotPrefix(cluster: string): string {
  return `${SNAPSHOT_PREFIX}/cluster=${cluster}`;
}

/** The cluster's values for this component, or undefined when it does not run it. */
export function etcdBackupOf(cluster: Pick<Cluster, 'platform'>): EtcdBackupValues | undefined {
  return cluster.platform['etcd-backup'] as EtcdBackupValues | undefined;
}
