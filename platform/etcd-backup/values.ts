// The checks on the etcd-backup values of one cluster.
import type { Problem } from '../../generators/component';
import { AGE_RECIPIENT } from '../../generators/model-check';
import { leaves, type Shape } from '../../generators/shape';
import type { EtcdBackupValues } from './api';

export const ETCD_BACKUP_KEYS: Shape = leaves('intervalHours', 'retentionDays', 'ageRecipient');

/** S3 lifecycle expirations are whole days; a week keeps more than one weekend's worth of snapshots. */
const MIN_RETENTION_DAYS = 7;

export function validateEtcdBackup(values: EtcdBackupValues): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  const { intervalHours: hours, retentionDays: days } = values;
  if (!Number.isInteger(hours) || hours < 1 || 24 % hours !== 0)
    fail('intervalHours', `must be a whole divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24), got ${JSON.stringify(hours)}`);
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS)
    fail('retentionDays', `must be a whole number of at least ${MIN_RETENTION_DAYS}, got ${JSON.stringify(days)}`);
  if (typeof values.ageRecipient !== 'string' || !AGE_RECIPIENT.test(values.ageRecipient))
    fail('ageRecipient', `must be an age public key (age1…), got ${JSON.stringify(values.ageRecipient)}`);
  return problems;
}
