// Customer-managed KMS keys for the data at rest: the telemetry bucket, the database backups, the AMP workspace's
// metrics and the nodes' EBS volumes (and the EBS CSI driver's). Each key rotates yearly; its policy lets the deployer
// administer it and lets only the principals that use it use it, and only through the service that stores the data
// (kms:ViaService). The account root gets no statement, so no IAM policy can widen any key's use.
import * as aws from '@pulumi/aws';
import { irsaRoleName, type IrsaRole } from '../../generators/irsa';
import { ebsKeyAlias } from '../../platform/storage/api';
import { COMPACTION_ROLE, GRAFANA_ROLE } from './analysis-names';
import { ANALYST_ROLE } from './catalogue';
import type { Settings } from './config';
import { type DeclaredRoles, policyContext } from './iam';

export interface Keys {
  telemetry: aws.kms.Key;
  ebs: aws.kms.Key;
  /** The AMP workspace's. */
  metrics: aws.kms.Key;
  /** The database backups' key, when the model has a database. */
  database?: aws.kms.Key;
}

/** The keys' aliases; the EBS CSI StorageClass names the EBS key by its alias (platform/storage/api.ts). */
const aliasOf = {
  telemetry: (cluster: string) => `alias/${cluster}-telemetry`,
  database: (cluster: string) => `alias/${cluster}-database`,
  metrics: (cluster: string) => `alias/${cluster}-metrics`,
  ebs: ebsKeyAlias,
};

/** Key administration without use (AWS KMS Developer Guide, "Default key policy", key administrators). */
export const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];
/** What S3 asks for on a writer's behalf with SSE-KMS: a data key to write; Decrypt for multipart uploads. */
export const S3_WRITER_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
/** What EC2 asks for on a launcher's behalf for an encrypted volume, and the grant it attaches to the volume. */
export const EBS_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

/**
 * A key policy principal from the caller's identity: an assumed-role session is its role (a session ARN is no valid
 * principal). A role with a path is named without it, so deploy from a role at the root path.
 */
export function principalOf(callerArn: string): string {
  const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

const roleArn = (settings: Settings, role: string) => `arn:aws:iam::${settings.cluster.accountId}:role/${role}`;

/** The components' identities whose policy names `bucket`: the roles on aws, the users on-prem. */
export function bucketUsers(settings: Settings, roles: DeclaredRoles, bucket: string): string[] {
  const { accountId, name } = settings.cluster;
  const names = new RegExp(`"arn:aws:s3:::${bucket.replace(/[.]/g, '\\.')}["/]`);
  const uses = (role: IrsaRole, cluster: string) =>
    names.test(JSON.stringify(role.policy(policyContext(settings, cluster))));
  return [
    ...roles.aws.filter((r) => uses(r, name)).map((r) => `arn:aws:iam::${accountId}:role/${irsaRoleName(name, r)}`),
    ...roles.onPrem
      .filter((r) => r.accessKeyOutsideAws && uses(r, settings.onPrem.name))
      .map((r) => `arn:aws:iam::${accountId}:user/${irsaRoleName(settings.onPrem.name, r)}`),
  ];
}

/**
 * The principals of the AMP workspace's key: the components' roles that call AMP, the managed Grafana's role, and the
 * deployer, who creates the workspace (AMP User Guide, "Encryption at rest": the creator and every caller use the key
 * through aps, which creates grants for the workspace).
 */
export function metricsUsers(settings: Settings, roles: DeclaredRoles, deployer: string): string[] {
  const { accountId, name } = settings.cluster;
  return [
    ...roles.aws
      .filter((r) => JSON.stringify(r.policy(policyContext(settings, name))).includes('"aps:'))
      .map((r) => `arn:aws:iam::${accountId}:role/${irsaRoleName(name, r)}`),
    roleArn(settings, GRAFANA_ROLE(name)),
    deployer,
  ];
}

/** The roles that create EBS volumes: Auto Scaling for the workers, the EBS CSI controller, the deployer. */
export function ebsUsers(settings: Settings, roles: DeclaredRoles, deployer: string): string[] {
  const { accountId, name } = settings.cluster;
  return [
    // The service-linked role that launches the worker ASG's instances (Amazon EC2 Auto Scaling User Guide,
    // "Required AWS KMS key policy for use with encrypted volumes").
    `arn:aws:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    ...roles.aws
      .filter((r) => JSON.stringify(r.policy(policyContext(settings, name))).includes('ec2:CreateVolume'))
      .map((r) => `arn:aws:iam::${accountId}:role/${irsaRoleName(name, r)}`),
    deployer,
  ];
}

function keyPolicy(admin: string, users: string[], service: string, grants: boolean) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeyAdministration',
        Effect: 'Allow',
        Principal: { AWS: admin },
        Action: KEY_ADMIN_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'UseThroughService',
        Effect: 'Allow',
        Principal: { AWS: users },
        Action: grants ? EBS_ACTIONS : S3_WRITER_ACTIONS,
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': service } },
      },
      ...(grants
        ? [
            {
              Sid: 'GrantsForAwsResources',
              Effect: 'Allow',
              Principal: { AWS: users },
              Action: 'kms:CreateGrant',
              Resource: '*',
              Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
            },
          ]
        : []),
    ],
  };
}

export function declareKeys(
  settings: Settings,
  roles: DeclaredRoles,
  callerArn: string,
  tags: Record<string, string>,
  /** The roles the policies name that this stack declares: KMS rejects a policy naming a principal not yet there. */
  principals: aws.iam.Role[] = [],
): Keys {
  const { name } = settings.cluster;
  const admin = principalOf(callerArn);
  const key = (use: keyof typeof aliasOf, description: string, policy: object) => {
    const k = new aws.kms.Key(
      `${name}-${use}`,
      {
        description,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        policy: JSON.stringify(policy),
        tags,
      },
      { dependsOn: principals },
    );
    new aws.kms.Alias(`${name}-${use}`, { name: aliasOf[use](name), targetKeyId: k.keyId });
    return k;
  };
  const s3 = `s3.${settings.logArchive.region}.amazonaws.com`;
  const backupS3 = `s3.${settings.region}.amazonaws.com`;
  const ec2 = `ec2.${settings.region}.amazonaws.com`;
  return {
    telemetry: key(
      'telemetry',
      `${settings.logArchive.bucket}: logs, events and states`,
      // The analysts, the managed Grafana and the compaction schedule query the archive through Athena, which reads and
      // writes S3 with their credentials (bootstrap/aws/catalogue.ts, analysis.ts, compaction.ts).
      keyPolicy(
        admin,
        [
          ...bucketUsers(settings, roles, settings.logArchive.bucket),
          roleArn(settings, ANALYST_ROLE),
          roleArn(settings, GRAFANA_ROLE(name)),
          roleArn(settings, COMPACTION_ROLE(name)),
        ],
        s3,
        false,
      ),
    ),
    metrics: key(
      'metrics',
      `${name}: the Amazon Managed Service for Prometheus workspace`,
      keyPolicy(admin, metricsUsers(settings, roles, admin), `aps.${settings.region}.amazonaws.com`, true),
    ),
    ...(settings.database && {
      database: key(
        'database',
        `${settings.database.backups.bucket}: WAL and base backups`,
        keyPolicy(admin, bucketUsers(settings, roles, settings.database.backups.bucket), backupS3, false),
      ),
    }),
    ebs: key(
      'ebs',
      `${name}: node and persistent volumes`,
      keyPolicy(admin, ebsUsers(settings, roles, admin), ec2, true),
    ),
  };
}
