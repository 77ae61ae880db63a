// CloudNativePG's contract: the operator's namespace and API group, and the one way an app declares a database that
// spans the sites (CloudNativePG's "distributed topology"): the same `Cluster` name on every site, each site archiving
// to its own prefix of the estate's backup bucket, the primary site taking writes, the others replaying its archive.
// cdk8s-free: it returns plain objects, which the app's construct renders.
import type { IrsaPolicyContext } from '../../generators/irsa';
import type { Cluster, DatabaseSites, Estate } from '../../generators/model';
import { versions } from '../../generators/versions';

export const OPERATOR_NAMESPACE = 'cnpg-system';
export const CNPG_GROUP = 'postgresql.cnpg.io';
export const POSTGRES_IMAGE = `ghcr.io/cloudnative-pg/postgresql:${versions.postgresImage}`;
/** The operator's webhook server and the instance manager's status port, which the operator calls. */
export const WEBHOOK_PORT = 9443;
export const INSTANCE_STATUS_PORT = 8000;
export const POSTGRES_PORT = 5432;
/** Every instance pod carries the label `cnpg.io/cluster: <Cluster name>`. */
export const CLUSTER_LABEL = 'cnpg.io/cluster';

/**
 * WAL segments are closed and archived at least this often, so the replica site is at most this far behind and an
 * unplanned failover loses at most this much (the RPO). CloudNativePG's default is 5min (cloudnative-pg v1.28.2,
 * docs/src/wal_archiving.md, "About the archive timeout"); a minute costs at most 1440 mostly empty, compressed
 * segments a day.
 */
export const ARCHIVE_TIMEOUT = '1min';

export type Role = 'primary' | 'replica';

/** The keys of the SOPS Secret that holds a metal site's S3 access key (`npm run secret`). */
export const S3_SECRET_KEYS = ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY', 'REGION'] as const;

/** The estate's database sites, or the message that says why the model has none usable. */
export function databaseSites(estate: Estate): DatabaseSites {
  if (!estate.database) throw new Error('estate.database is missing: the model names no primary site');
  return estate.database;
}

export function roleOf(estate: Estate, cluster: Pick<Cluster, 'name'>): Role {
  return databaseSites(estate).primarySite === cluster.name ? 'primary' : 'replica';
}

/** The name of one site's member of a database: what `replica.primary`, `replica.self` and the archive use. */
export const siteName = (database: string, cluster: string) => `${database}-${cluster}`;

/** The prefix of the backup bucket that `cluster`'s member of `database` archives to (barman's server name). */
export const backupPrefix = (database: string, cluster: string) => `${siteName(database, cluster)}/`;

export interface DatabaseRequest {
  /** The `Cluster`'s name, the same on every site (so `<name>-rw` is the same Service everywhere). */
  name: string;
  namespace: string;
  instances: number;
  storageGi: number;
  /** The app's database and its owner, with a `kubernetes.io/basic-auth` Secret identical on every site. */
  database: string;
  owner: string;
  ownerSecret: string;
  /** How the instances reach S3: IRSA on aws, an access key from a SOPS Secret elsewhere. */
  s3: { roleArn: string } | { secret: string };
}

/** The S3 credentials and, for IRSA, the projected token and its environment that barman-cloud's boto3 reads. */
function s3Access(request: DatabaseRequest, region: string) {
  if ('secret' in request.s3) {
    const name = request.s3.secret;
    const key = (k: (typeof S3_SECRET_KEYS)[number]) => ({ name, key: k });
    return {
      credentials: {
        accessKeyId: key('ACCESS_KEY_ID'),
        secretAccessKey: key('ACCESS_SECRET_KEY'),
        region: key('REGION'),
      },
      pod: {},
    };
  }
  // CloudNativePG mounts `projectedVolumeTemplate` under /projected (cloudnative-pg v1.28.2,
  // docs/src/cloudnative-pg.v1.md, ClusterSpec.projectedVolumeTemplate); boto3's web-identity provider reads the env.
  return {
    credentials: { inheritFromIAMRole: true },
    pod: {
      env: [
        { name: 'AWS_ROLE_ARN', value: request.s3.roleArn },
        { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/projected/aws/token' },
        { name: 'AWS_REGION', value: region },
      ],
      projectedVolumeTemplate: {
        sources: [
          { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'aws/token' } },
        ],
      },
    },
  };
}

/** One site's object store: barman-cloud writes `s3://<bucket>/<site name>/{wals,base}/…`. */
function objectStore(bucket: string, server: string, credentials: Record<string, unknown>) {
  return {
    destinationPath: `s3://${bucket}/`,
    serverName: server,
    s3Credentials: credentials,
    wal: { compression: 'gzip', encryption: 'AES256', maxParallel: 4 },
    data: { compression: 'gzip', encryption: 'AES256', jobs: 2 },
  };
}

/**
 * The `Cluster` manifest of `request` on `cluster`. Its role comes from `estate.database.primarySite` alone:
 * `replica.primary` names the primary site's member on every site, so changing that one field demotes one side and
 * promotes the other. `bootstrap` only acts when the Cluster is first created: the primary site initialises an empty
 * database, a replica site (or a lost former primary, re-created) restores from the primary's archive.
 */
export function databaseCluster(estate: Estate, cluster: Cluster, request: DatabaseRequest): Record<string, any> {
  const sites = databaseSites(estate);
  const others = estate.clusters.filter((c) => c.name !== cluster.name).map((c) => c.name);
  const self = siteName(request.name, cluster.name);
  const primary = siteName(request.name, sites.primarySite);
  const access = s3Access(request, sites.backups.region);
  const role = roleOf(estate, cluster);
  const bootstrap =
    role === 'primary'
      ? { initdb: { database: request.database, owner: request.owner, secret: { name: request.ownerSecret } } }
      : {
          recovery: {
            source: primary,
            database: request.database,
            owner: request.owner,
            secret: { name: request.ownerSecret },
          },
        };
  return {
    apiVersion: `${CNPG_GROUP}/v1`,
    kind: 'Cluster',
    metadata: { name: request.name, namespace: request.namespace },
    spec: {
      instances: request.instances,
      imageName: POSTGRES_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      storage: { size: `${request.storageGi}Gi`, storageClass: cluster.storageClass },
      postgresql: { parameters: { archive_timeout: ARCHIVE_TIMEOUT } },
      bootstrap,
      replica: {
        self,
        primary,
        // The primary's source is where it would follow from once demoted: the other site.
        source: role === 'primary' ? siteName(request.name, others[0]!) : primary,
      },
      externalClusters: [cluster.name, ...others].sort().map((site) => ({
        name: siteName(request.name, site),
        barmanObjectStore: objectStore(sites.backups.bucket, siteName(request.name, site), access.credentials),
      })),
      backup: {
        barmanObjectStore: objectStore(sites.backups.bucket, self, access.credentials),
        retentionPolicy: `${sites.backups.retentionDays}d`,
      },
      managed: {
        roles: [{ name: request.owner, ensure: 'present', login: true, passwordSecret: { name: request.ownerSecret } }],
      },
      ...access.pod,
    },
  };
}

/** The daily base backup, rendered on the primary site only: a replica has nothing new of its own to back up. */
export function scheduledBackup(request: Pick<DatabaseRequest, 'name' | 'namespace'>): Record<string, any> {
  return {
    apiVersion: `${CNPG_GROUP}/v1`,
    kind: 'ScheduledBackup',
    metadata: { name: `${request.name}-daily`, namespace: request.namespace },
    spec: {
      // Six fields: CloudNativePG's schedule has seconds (cloudnative-pg v1.28.2, docs/src/backup.md).
      schedule: '0 15 2 * * *',
      backupOwnerReference: 'self',
      method: 'barmanObjectStore',
      cluster: { name: request.name },
    },
  };
}

/**
 * The IAM policy of one cluster's member of `database`: write (and, for barman's checks and retention, read and
 * delete) only under its own prefix; read the other sites' prefixes, which it restores from as a replica; nothing else.
 */
export function archivePolicy(database: string, ctx: IrsaPolicyContext): Record<string, unknown> {
  if (!ctx.backupBucket) throw new Error(`${database}: the estate has no database.backups.bucket to archive to`);
  const bucket = `arn:aws:s3:::${ctx.backupBucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ArchiveToOwnPrefix',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        Resource: `${bucket}/${backupPrefix(database, ctx.cluster)}*`,
      },
      {
        Sid: 'RestoreFromEverySite',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: `${bucket}/${database}-*`,
      },
      {
        Sid: 'ListTheSites',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: bucket,
        Condition: { StringLike: { 's3:prefix': [`${database}-*`] } },
      },
    ],
  };
}
