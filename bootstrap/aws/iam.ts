// IAM: node roles with only what the cloud integration needs; IRSA roles for in-cluster components (the log writer,
// the EBS CSI controller); the on-prem log exporter. Log writer and exporter may only s3:PutObject under their own
// cluster's prefixes.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { IRSA_AUDIENCE, irsaRoleName, type IrsaRole } from '../../generators/irsa';
import { AGENT, CLUSTER_EXPORTER, NAMESPACE as LOG_EXPORT_NAMESPACE } from '../../platform/log-export/index';
import { EBS_CONTROLLER_SERVICE_ACCOUNT, NAMESPACE as STORAGE_NAMESPACE } from '../../platform/storage/index';
import type { Settings } from './config';

/** The datasets that clusters export; object keys are `<dataset>/cluster=<name>/...` (see the log export issue). */
export const LOG_DATASETS = ['logs', 'events', 'states'] as const;

export function clusterObjectArns(bucket: string, cluster: string): string[] {
  return LOG_DATASETS.map((dataset) => `arn:aws:s3:::${bucket}/${dataset}/cluster=${cluster}/*`);
}

export interface Identities {
  controlPlaneRole: aws.iam.Role;
  controlPlaneProfile: aws.iam.InstanceProfile;
  workerRole: aws.iam.Role;
  workerProfile: aws.iam.InstanceProfile;
  logWriterRole: aws.iam.Role;
  ebsCsiControllerRole: aws.iam.Role;
  onPremLogExporterKey: aws.iam.AccessKey;
}

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const ec2Arn = (region: string, kind: string) => `arn:aws:ec2:${region}:*:${kind}/*`;

/** What the AWS cloud controller manager (host network on the control planes, so it reaches IMDS) calls. */
function cloudIntegrationPolicy(region: string, vpcArn: pulumi.Output<string>) {
  const ec2 = (kind: string) => ec2Arn(region, kind);
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForCloudIntegration',
        Effect: 'Allow',
        Action: ['ec2:Describe*', 'elasticloadbalancing:Describe*', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeTags'],
        Resource: '*',
      },
      {
        Sid: 'ServiceLoadBalancers',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:DeleteLoadBalancer',
          'elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:ModifyListener',
          'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:DeleteTargetGroup', 'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets',
          'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:AddTags',
        ],
        Resource: `arn:aws:elasticloadbalancing:${region}:*:*`,
      },
      {
        Sid: 'ServiceSecurityGroups',
        Effect: 'Allow',
        Action: ['ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
        Resource: [ec2('security-group'), vpcArn],
      },
      {
        Sid: 'TagOwnResources',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [ec2('security-group'), ec2('instance')],
      },
    ],
  });
}

/**
 * The EBS CSI controller's calls, as AWS's managed AmazonEBSCSIDriverPolicy grants them, narrowed to this cluster:
 * it creates volumes and snapshots only with the tags the driver sets (`kubernetes.io/cluster/<name>: owned` from
 * `k8sTagClusterId`, and `ebs.csi.aws.com/cluster: true`), and changes, attaches or deletes only volumes carrying
 * both, so node root volumes (cluster tag only) stay out of reach. Attaches go to this cluster's instances only.
 */
export function ebsCsiControllerPolicy(region: string, cluster: string): string {
  const ec2 = (kind: string) => ec2Arn(region, kind);
  const clusterTag = `kubernetes.io/cluster/${cluster}`;
  const driverTags = (prefix: string) => ({ [`${prefix}/${clusterTag}`]: 'owned', [`${prefix}/ebs.csi.aws.com/cluster`]: 'true' });
  const requestTags = { StringEquals: driverTags('aws:RequestTag') };
  const resourceTags = { StringEquals: driverTags('ec2:ResourceTag') };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForEbsCsi',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:DescribeTags',
          'ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications',
        ],
        Resource: '*',
      },
      { Sid: 'CreateTaggedVolumes', Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: ec2('volume'), Condition: requestTags },
      { Sid: 'CreateVolumesFromOwnSnapshots', Effect: 'Allow', Action: 'ec2:CreateVolume', Resource: ec2('snapshot'), Condition: resourceTags },
      {
        Sid: 'ManageOwnVolumes',
        Effect: 'Allow',
        Action: ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume', 'ec2:DeleteVolume', 'ec2:CreateSnapshot'],
        Resource: ec2('volume'),
        Condition: resourceTags,
      },
      {
        Sid: 'AttachToOwnInstances',
        Effect: 'Allow',
        Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
        Resource: ec2('instance'),
        Condition: { StringEquals: { [`ec2:ResourceTag/${clusterTag}`]: 'owned' } },
      },
      { Sid: 'CreateTaggedSnapshots', Effect: 'Allow', Action: 'ec2:CreateSnapshot', Resource: ec2('snapshot'), Condition: requestTags },
      { Sid: 'DeleteOwnSnapshots', Effect: 'Allow', Action: 'ec2:DeleteSnapshot', Resource: ec2('snapshot'), Condition: resourceTags },
      {
        Sid: 'TagOnCreate',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: [ec2('volume'), ec2('snapshot')],
        Condition: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot'] } },
      },
    ],
  });
}

export function putOnlyPolicy(bucket: string, cluster: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'WriteOwnClusterPrefix', Effect: 'Allow', Action: 's3:PutObject', Resource: clusterObjectArns(bucket, cluster) }],
  });
}

/** `issuerUrl`: the URL that publishes the service-account issuer (bootstrap/aws/oidc-issuer.ts), which IAM trusts. */
export function declareIdentities(settings: Settings, vpcArn: pulumi.Output<string>, issuerUrl: pulumi.Output<string>, tags: Record<string, string>): Identities {
  const name = settings.cluster.name;
  const bucket = settings.logArchive.bucket;

  const nodeRole = (role: string) => {
    const iamRole = new aws.iam.Role(`${name}-${role}`, { assumeRolePolicy: ec2Trust, tags });
    const profile = new aws.iam.InstanceProfile(`${name}-${role}`, { role: iamRole.name, tags });
    return [iamRole, profile] as const;
  };
  const [controlPlaneRole, controlPlaneProfile] = nodeRole('controlplane');
  // Workers call no AWS API: their role exists so an instance profile can be attached without replacing nodes later.
  const [workerRole, workerProfile] = nodeRole('worker');
  new aws.iam.RolePolicy(`${name}-controlplane-cloud-integration`, {
    role: controlPlaneRole.id,
    policy: cloudIntegrationPolicy(settings.region, vpcArn),
  });

  const issuer = new aws.iam.OpenIdConnectProvider(`${name}-service-accounts`, {
    url: issuerUrl,
    clientIdLists: [IRSA_AUDIENCE],
    tags,
  });
  /** A role that exactly these service accounts assume with their projected token; its name is fixed (irsaRoleName). */
  const irsaRole = (role: IrsaRole, namespace: string, serviceAccounts: string[]) =>
    new aws.iam.Role(irsaRoleName(name, role), {
      name: irsaRoleName(name, role),
      assumeRolePolicy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: issuer.arn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: issuerUrl.apply((url) => {
              const host = url.replace(/^https:\/\//, '');
              return {
                StringEquals: {
                  [`${host}:aud`]: IRSA_AUDIENCE,
                  [`${host}:sub`]: serviceAccounts.map((account) => `system:serviceaccount:${namespace}:${account}`),
                },
              };
            }),
          },
        ],
      }),
      tags,
    });
  const logWriterRole = irsaRole('log-writer', LOG_EXPORT_NAMESPACE, [AGENT, CLUSTER_EXPORTER]);
  const ebsCsiControllerRole = irsaRole('ebs-csi-controller', STORAGE_NAMESPACE, [EBS_CONTROLLER_SERVICE_ACCOUNT]);
  new aws.iam.RolePolicy(`${name}-log-writer`, { role: logWriterRole.id, policy: putOnlyPolicy(bucket, name) });
  new aws.iam.RolePolicy(irsaRoleName(name, 'ebs-csi-controller'), { role: ebsCsiControllerRole.id, policy: ebsCsiControllerPolicy(settings.region, name) });

  const onPremLogExporter = new aws.iam.User(`${settings.onPrem.name}-log-exporter`, { tags });
  new aws.iam.UserPolicy(`${settings.onPrem.name}-log-exporter`, { user: onPremLogExporter.name, policy: putOnlyPolicy(bucket, settings.onPrem.name) });
  const onPremLogExporterKey = new aws.iam.AccessKey(`${settings.onPrem.name}-log-exporter`, { user: onPremLogExporter.name });

  return { controlPlaneRole, controlPlaneProfile, workerRole, workerProfile, logWriterRole, ebsCsiControllerRole, onPremLogExporterKey };
}
