// The storage component's contract: its namespace, and the IAM role the EBS CSI controller assumes on aws clusters
// (bootstrap/aws declares it from here). cdk8s-free.
import type { IrsaPolicyContext, IrsaRole } from '../../generators/irsa';

export const NAMESPACE = 'storage';
/** The alias of the cluster's customer-managed EBS key, which bootstrap/aws creates and the StorageClass names. */
export const ebsKeyAlias = (cluster: string) => `alias/${cluster}-ebs`;
/** The EBS CSI controller's service account: the `ebs-csi-controller` IRSA role trusts it. */
export const EBS_CONTROLLER_SERVICE_ACCOUNT = 'ebs-csi-controller-sa';

const ec2Arn = (region: string, kind: string) => `arn:aws:ec2:${region}:*:${kind}/*`;

/**
 * The EBS CSI controller's calls, as AWS's managed AmazonEBSCSIDriverPolicy grants them, narrowed to this cluster:
 * it creates volumes and snapshots only with the tags the driver sets (`kubernetes.io/cluster/<name>: owned` from
 * `k8sTagClusterId`, and `ebs.csi.aws.com/cluster: true`), and changes, attaches or deletes only volumes carrying
 * both, so node root volumes (cluster tag only) stay out of reach. Attaches go to this cluster's instances only.
 */
function ebsCsiControllerPolicy({ region, cluster }: IrsaPolicyContext): Record<string, unknown> {
  const ec2 = (kind: string) => ec2Arn(region, kind);
  const clusterTag = `kubernetes.io/cluster/${cluster}`;
  const driverTags = (prefix: string) => ({
    [`${prefix}/${clusterTag}`]: 'owned',
    [`${prefix}/ebs.csi.aws.com/cluster`]: 'true',
  });
  const requestTags = { StringEquals: driverTags('aws:RequestTag') };
  const resourceTags = { StringEquals: driverTags('ec2:ResourceTag') };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DescribeForEbsCsi',
        Effect: 'Allow',
        Action: [
          'ec2:DescribeAvailabilityZones',
          'ec2:DescribeInstances',
          'ec2:DescribeSnapshots',
          'ec2:DescribeTags',
          'ec2:DescribeVolumes',
          'ec2:DescribeVolumesModifications',
        ],
        Resource: '*',
      },
      {
        Sid: 'CreateTaggedVolumes',
        Effect: 'Allow',
        Action: 'ec2:CreateVolume',
        Resource: ec2('volume'),
        Condition: requestTags,
      },
      {
        Sid: 'CreateVolumesFromOwnSnapshots',
        Effect: 'Allow',
        Action: 'ec2:CreateVolume',
        Resource: ec2('snapshot'),
        Condition: resourceTags,
      },
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
      {
        Sid: 'CreateTaggedSnapshots',
        Effect: 'Allow',
        Action: 'ec2:CreateSnapshot',
        Resource: ec2('snapshot'),
        Condition: requestTags,
      },
      {
        Sid: 'DeleteOwnSnapshots',
        Effect: 'Allow',
        Action: 'ec2:DeleteSnapshot',
        Resource: ec2('snapshot'),
        Condition: resourceTags,
      },
      {
        Sid: 'TagOnCreate',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: [ec2('volume'), ec2('snapshot')],
        Condition: { StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot'] } },
      },
    ],
  };
}

export const EBS_CSI_CONTROLLER_ROLE: IrsaRole = {
  name: 'ebs-csi-controller',
  namespace: NAMESPACE,
  serviceAccounts: [EBS_CONTROLLER_SERVICE_ACCOUNT],
  policy: ebsCsiControllerPolicy,
};
