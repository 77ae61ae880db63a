// Scheduled etcd snapshots of the cluster's control planes: a CronJob on a control-plane node takes a snapshot
// through the Talos API (role os:etcd:backup), encrypts it to an offline age key and puts it under the cluster's own
// prefix of the estate bucket, which bootstrap/aws expires after the retention; an alert fires when the last
// successful snapshot is older than the interval.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { irsaCredentials, irsaRoleArn, type IrsaRole } from '../../generators/irsa';
import type { Cluster, Estate } from '../../generators/model';
import { cidrPeers, componentNamespace, networkPolicy } from '../../generators/namespace';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';
import { versions } from '../../generators/versions';
import { MONITORING_SELECTOR } from '../monitoring/api';
import { NAMESPACE, snapshotPrefix, type EtcdBackupValues } from './api';
import { snapshotAlertGroups } from './alerts';
import { ETCD_BACKUP_KEYS, validateEtcdBackup } from './values';

export const CRONJOB = 'etcd-snapshot';
/** Sidero Labs tag the image `v<version>`. */
export const IMAGE = `ghcr.io/siderolabs/talos-backup:v${versions.talosBackup}`;
/**
 * The talosconfig of a client with the os:etcd:backup role only, endpoints the control-plane IPs (key `config`):
 * created at bootstrap (bootstrap/talos README, "etcd snapshots"). talosctl's client reads
 * /var/run/secrets/talos.dev/config when neither TALOSCONFIG nor ~/.talos/config exists
 * (github.com/siderolabs/talos/pkg/machinery v1.12.6, client/config/path.go and constants ServiceAccountMountPath).
 */
export const TALOSCONFIG_SECRET = 'talosconfig';
const TALOSCONFIG_DIR = '/var/run/secrets/talos.dev';
/** Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` of the write-only identity outside AWS. */
export const S3_WRITER_SECRET = 's3-writer';
const TALOS_API_PORT = 50000;

export const SNAPSHOT_WRITER_ROLE: IrsaRole = {
  name: 'etcd-snapshot-writer',
  namespace: NAMESPACE,
  serviceAccounts: [CRONJOB],
  // Write-only: it can add snapshots under its own cluster's prefix, never read, list or delete them; minio-go
  // uploads large files in parts, which AbortMultipartUpload cleans up after a failed upload.
  policy: ({ cluster, bucket }) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: `arn:aws:s3:::${bucket}/${snapshotPrefix(cluster)}/*`,
      },
    ],
  }),
  accessKeyOutsideAws: true,
};

/** The cron schedule of `intervalHours`: on the hour, every N hours from midnight UTC. */
export function schedule(intervalHours: number): string {
  return intervalHours === 24 ? '0 0 * * *' : `0 */${intervalHours} * * *`;
}

/** IRSA on aws; on metal the write-only IAM user's key from its SOPS Secret. */
function identity(cluster: Cluster) {
  if (cluster.provider === 'aws') return irsaCredentials(irsaRoleArn(cluster, SNAPSHOT_WRITER_ROLE));
  const key = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: S3_WRITER_SECRET, key: name } } });
  return { env: [key('AWS_ACCESS_KEY_ID'), key('AWS_SECRET_ACCESS_KEY')], volumes: [], mounts: [] };
}

/**
 * The job's environment, as talos-backup reads it (siderolabs/talos-backup pkg/config/service.go at v0.1.0-beta.2:
 * BUCKET, AWS_REGION, S3_PREFIX, CLUSTER_NAME, AGE_X25519_PUBLIC_KEY; uncompressed, so a restore only decrypts).
 * Objects are named `<S3_PREFIX>/<snapshot file>` (pkg/s3/s3.go).
 */
export function snapshotEnv(cluster: Cluster, estate: Estate, values: EtcdBackupValues) {
  return [
    { name: 'BUCKET', value: estate.logArchive.bucket },
    { name: 'AWS_REGION', value: estate.logArchive.region },
    { name: 'S3_PREFIX', value: snapshotPrefix(cluster.name) },
    { name: 'CLUSTER_NAME', value: cluster.name },
    { name: 'AGE_X25519_PUBLIC_KEY', value: values.ageRecipient },
  ];
}

function cronJob(scope: Construct, cluster: Cluster, estate: Estate, values: EtcdBackupValues): void {
  const id = identity(cluster);
  const labels = { 'app.kubernetes.io/name': CRONJOB };
  new ApiObject(scope, `serviceaccount-${CRONJOB}`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: CRONJOB, namespace: NAMESPACE },
    automountServiceAccountToken: false,
  });
  new ApiObject(scope, `cronjob-${CRONJOB}`, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: CRONJOB, namespace: NAMESPACE, labels },
    spec: {
      schedule: schedule(values.intervalHours),
      timeZone: 'Etc/UTC',
      // A run still going when the next is due is left to finish; a missed run starts late, up to an hour.
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 1800,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: CRONJOB,
              restartPolicy: 'Never',
              // On a control plane, its calls to the Talos API come from a control-plane address, which the
              // control planes' apid admits (bootstrap/aws/security-groups.ts).
              nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
              tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
              securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, ...RUNTIME_DEFAULT_SECCOMP },
              containers: [
                {
                  name: 'talos-backup',
                  image: IMAGE,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['/talos-backup'],
                  // The snapshot and its encrypted copy are written to the working directory.
                  workingDir: '/tmp',
                  env: [...snapshotEnv(cluster, estate, values), ...id.env],
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
                  securityContext: { ...RESTRICTED_CONTAINER },
                  volumeMounts: [
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'talosconfig', mountPath: TALOSCONFIG_DIR, readOnly: true },
                    ...id.mounts,
                  ],
                },
              ],
              volumes: [
                { name: 'tmp', emptyDir: { sizeLimit: '2Gi' } },
                { name: 'talosconfig', secret: { secretName: TALOSCONFIG_SECRET } },
                ...id.volumes,
              ],
            },
          },
        },
      },
    },
  });
  const podSelector = { matchLabels: labels };
  networkPolicy(scope, NAMESPACE, 'allow-talos-api', {
    podSelector,
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: TALOS_API_PORT }] }],
  });
  const { podCidr, serviceCidr } = cluster.network;
  networkPolicy(scope, NAMESPACE, 'allow-s3', {
    podSelector,
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [podCidr, serviceCidr] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ],
  });
}

export const etcdBackup: Component<EtcdBackupValues> = {
  name: 'etcd-backup',
  version: versions.talosBackup,
  keys: ETCD_BACKUP_KEYS,
  validate: validateEtcdBackup,
  irsaRoles: [SNAPSHOT_WRITER_ROLE],
  render(ctx, values) {
    const { cluster, estate } = ctx;
    const controllers = ctx.chart('platform-controllers');
    // The job calls the Talos API, never the Kubernetes API.
    componentNamespace(controllers, cluster, NAMESPACE, 'restricted', { kubeApiServer: false });
    cronJob(controllers, cluster, estate, values);
    ctx.secret('platform-controllers', NAMESPACE, TALOSCONFIG_SECRET, ['config']);
    if (cluster.provider !== 'aws')
      ctx.secret('platform-controllers', NAMESPACE, S3_WRITER_SECRET, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    new ApiObject(ctx.chart('platform-configs'), 'prometheusrule-etcd-backup', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'etcd-backup', namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
      spec: { groups: snapshotAlertGroups(values) },
    });
  },
};
