// IAM: node roles with only what the cloud integration needs; the IRSA roles that the aws cluster's components declare
// (`Component.irsaRoles`), each trusted by exactly its service accounts; and, for the components of the on-prem cluster
// whose role says so, an IAM user with the same policy whose access key goes into a SOPS Secret.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { IRSA_AUDIENCE, type IrsaPolicyContext, irsaRoleName, type IrsaRole } from '../../generators/irsa';
import { metricsWorkspaceOf } from '../../platform/monitoring/api';
import type { Settings } from './config';

/** The components' roles, as generators/registries.ts derives them from the catalogue for each cluster. */
export interface DeclaredRoles {
  aws: readonly IrsaRole[];
  onPrem: readonly IrsaRole[];
}

export interface Identities {
  controlPlaneRole: aws.iam.Role;
  controlPlaneProfile: aws.iam.InstanceProfile;
  workerRole: aws.iam.Role;
  workerProfile: aws.iam.InstanceProfile;
  /** By role name (`IrsaRole.name`). */
  irsaRoles: Record<string, aws.iam.Role>;
  /** By IAM user name, `<on-prem cluster>-<role name>`. */
  accessKeys: Record<string, aws.iam.AccessKey>;
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
        Action: [
          'ec2:Describe*',
          'elasticloadbalancing:Describe*',
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeTags',
        ],
        Resource: '*',
      },
      {
        Sid: 'ServiceLoadBalancers',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:CreateLoadBalancer',
          'elasticloadbalancing:DeleteLoadBalancer',
          'elasticloadbalancing:CreateListener',
          'elasticloadbalancing:DeleteListener',
          'elasticloadbalancing:ModifyListener',
          'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:DeleteTargetGroup',
          'elasticloadbalancing:ModifyTargetGroup',
          'elasticloadbalancing:ModifyTargetGroupAttributes',
          'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:RegisterTargets',
          'elasticloadbalancing:DeregisterTargets',
          'elasticloadbalancing:SetSecurityGroups',
          'elasticloadbalancing:AddTags',
        ],
        Resource: `arn:aws:elasticloadbalancing:${region}:*:*`,
      },
      {
        Sid: 'ServiceSecurityGroups',
        Effect: 'Allow',
        Action: [
          'ec2:CreateSecurityGroup',
          'ec2:DeleteSecurityGroup',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupIngress',
        ],
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

/** What a component's IAM policy is rendered with for `cluster` in this stack. */
export function policyContext(settings: Settings, cluster: string): IrsaPolicyContext {
  return {
    cluster,
    region: settings.region,
    accountId: settings.cluster.accountId,
    bucket: settings.logArchive.bucket,
    backupBucket: settings.database?.backups.bucket,
    metricsWorkspaceId: metricsWorkspaceOf(settings.cluster),
  };
}

/** `issuerUrl`: the URL that publishes the service-account issuer (bootstrap/aws/oidc-issuer.ts), which IAM trusts. */
export function declareIdentities(
  settings: Settings,
  roles: DeclaredRoles,
  vpcArn: pulumi.Output<string>,
  issuerUrl: pulumi.Output<string>,
  tags: Record<string, string>,
): Identities {
  const name = settings.cluster.name;

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
  /** A role that exactly its service accounts assume with their projected token; its name is fixed (irsaRoleName). */
  const irsaRole = (role: IrsaRole) => {
    const roleName = irsaRoleName(name, role);
    const iamRole = new aws.iam.Role(roleName, {
      name: roleName,
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
                  [`${host}:sub`]: role.serviceAccounts.map(
                    (account) => `system:serviceaccount:${role.namespace}:${account}`,
                  ),
                },
              };
            }),
          },
        ],
      }),
      tags,
    });
    const policy = JSON.stringify(role.policy(policyContext(settings, name)));
    new aws.iam.RolePolicy(roleName, { role: iamRole.id, policy });
    return [role.name, iamRole] as const;
  };
  const irsaRoles = Object.fromEntries(roles.aws.map(irsaRole));

  const onPrem = settings.onPrem.name;
  const accessKey = (role: IrsaRole) => {
    const userName = irsaRoleName(onPrem, role);
    const user = new aws.iam.User(userName, { tags });
    const policy = JSON.stringify(role.policy(policyContext(settings, onPrem)));
    new aws.iam.UserPolicy(userName, { user: user.name, policy });
    return [userName, new aws.iam.AccessKey(userName, { user: user.name })] as const;
  };
  const accessKeys = Object.fromEntries(roles.onPrem.filter((r) => r.accessKeyOutsideAws).map(accessKey));

  return { controlPlaneRole, controlPlaneProfile, workerRole, workerProfile, irsaRoles, accessKeys };
}
