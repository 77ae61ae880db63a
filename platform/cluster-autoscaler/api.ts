// The cluster autoscaler's contract: its namespace and service account, the tags by which it discovers the worker
// Auto Scaling Group (bootstrap/aws sets them), and the IAM role it assumes (bootstrap/aws declares it). cdk8s-free.
import type { IrsaPolicyContext, IrsaRole } from '../../generators/irsa';

export const NAMESPACE = 'cluster-autoscaler';
export const SERVICE_ACCOUNT = 'cluster-autoscaler';

/**
 * The ASG tags of `--node-group-auto-discovery=asg:tag=<key>,<key>`: the autoscaler manages the groups carrying both
 * keys, whatever their values (cluster-autoscaler/cloudprovider/aws/README.md "Auto-Discovery Setup" of
 * kubernetes/autoscaler at tag cluster-autoscaler-1.35.2). Its role may change only groups with exactly these values.
 */
export function autoDiscoveryTags(cluster: string): Record<string, string> {
  return { 'k8s.io/cluster-autoscaler/enabled': 'true', [`k8s.io/cluster-autoscaler/${cluster}`]: 'owned' };
}

/**
 * What the AWS cloud provider of cluster-autoscaler 1.35.2 calls (cloudprovider/aws/aws_wrapper.go and
 * auto_scaling_groups.go of kubernetes/autoscaler at tag cluster-autoscaler-1.35.2, and the README's minimum policy,
 * without the EKS-only eks:DescribeNodegroup and the launch-configuration call for templates-only groups). The two
 * calls that change capacity name only this account's groups and require both discovery tags.
 */
function clusterAutoscalerPolicy({ region, accountId, cluster }: IrsaPolicyContext): Record<string, unknown> {
  const tags = Object.fromEntries(
    Object.entries(autoDiscoveryTags(cluster)).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
  );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForClusterAutoscaler',
        Effect: 'Allow',
        Action: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
        ],
        Resource: '*',
      },
      {
        Sid: 'ScaleOwnGroups',
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        Resource: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/*`,
        Condition: { StringEquals: tags },
      },
    ],
  };
}

export const CLUSTER_AUTOSCALER_ROLE: IrsaRole = {
  name: 'cluster-autoscaler',
  namespace: NAMESPACE,
  serviceAccounts: [SERVICE_ACCOUNT],
  policy: clusterAutoscalerPolicy,
};
