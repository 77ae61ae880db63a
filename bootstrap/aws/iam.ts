// IAM: node roles with only what the cloud integration needs, the in-cluster log writer (IRSA) and the on-prem
// log exporter, both limited to s3:PutObject under their own cluster's prefixes.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
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
  onPremLogExporterKey: aws.iam.AccessKey;
}

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** What the AWS cloud controller manager and the EBS CSI controller (both on the control planes) call. */
function cloudIntegrationPolicy(region: string, vpcArn: pulumi.Output<string>) {
  const ec2 = (kind: string) => `arn:aws:ec2:${region}:*:${kind}/*`;
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
        Sid: 'EbsVolumes',
        Effect: 'Allow',
        Action: [
          'ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:ModifyVolume', 'ec2:AttachVolume', 'ec2:DetachVolume',
          'ec2:CreateSnapshot', 'ec2:DeleteSnapshot',
        ],
        Resource: [ec2('volume'), ec2('snapshot'), ec2('instance')],
      },
      {
        Sid: 'TagOwnResources',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [ec2('security-group'), ec2('volume'), ec2('snapshot'), ec2('instance')],
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

export function declareIdentities(settings: Settings, vpcArn: pulumi.Output<string>, tags: Record<string, string>): Identities {
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

  const issuerHost = settings.logWriter.oidcIssuer.replace(/^https:\/\//, '');
  const issuer = new aws.iam.OpenIdConnectProvider(`${name}-service-accounts`, {
    url: settings.logWriter.oidcIssuer,
    clientIdLists: ['sts.amazonaws.com'],
    tags,
  });
  const logWriterRole = new aws.iam.Role(`${name}-log-writer`, {
    assumeRolePolicy: pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: issuer.arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${issuerHost}:aud`]: 'sts.amazonaws.com' },
            StringLike: { [`${issuerHost}:sub`]: `system:serviceaccount:${settings.logWriter.namespace}:*` },
          },
        },
      ],
    }),
    tags,
  });
  new aws.iam.RolePolicy(`${name}-log-writer`, { role: logWriterRole.id, policy: putOnlyPolicy(bucket, name) });

  const onPremLogExporter = new aws.iam.User(`${settings.onPrem.name}-log-exporter`, { tags });
  new aws.iam.UserPolicy(`${settings.onPrem.name}-log-exporter`, { user: onPremLogExporter.name, policy: putOnlyPolicy(bucket, settings.onPrem.name) });
  const onPremLogExporterKey = new aws.iam.AccessKey(`${settings.onPrem.name}-log-exporter`, { user: onPremLogExporter.name });

  return { controlPlaneRole, controlPlaneProfile, workerRole, workerProfile, logWriterRole, onPremLogExporterKey };
}
