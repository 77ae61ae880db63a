// The snapshot-age alert, on kube-state-metrics' CronJob series (kubernetes/kube-state-metrics,
// docs/metrics/workload/cronjob-metrics.md: kube_cronjob_status_last_successful_time, kube_cronjob_created): a Job
// succeeds only once talos-backup has uploaded the snapshot, so the last success is the age of the newest snapshot.
import type { RuleGroup } from '../../generators/telemetry';
import { NAMESPACE, type EtcdBackupValues } from './api';

export const SNAPSHOT_ALERT = 'EtcdSnapshotTooOld';
/** A run may start up to an hour late (startingDeadlineSeconds) and take half an hour (activeDeadlineSeconds). */
export const GRACE_SECONDS = 5400;

export function snapshotAlertGroups(values: EtcdBackupValues): RuleGroup[] {
  const scope = `namespace="${NAMESPACE}", cronjob="etcd-snapshot"`;
  const limit = values.intervalHours * 3600 + GRACE_SECONDS;
  return [
    {
      name: 'etcd-backup',
      rules: [
        {
          alert: SNAPSHOT_ALERT,
          // Before the first success, the CronJob's creation time stands in, so a job that never succeeds fires too.
          expr: `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${scope}} or kube_cronjob_created{${scope}}) > ${limit}`,
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'The newest etcd snapshot is older than its interval',
            description: `No snapshot job has succeeded for {{ $value | humanizeDuration }} (interval ${values.intervalHours}h): a lost control plane would lose everything since. \`kubectl -n ${NAMESPACE} get jobs\` and the job's log say why.`,
          },
        },
      ],
    },
  ];
}
