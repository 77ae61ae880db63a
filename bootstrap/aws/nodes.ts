// The Talos nodes: control planes as plain instances at fixed addresses, one per AZ (never in an ASG), registered with
// the API load balancer, and workers in an Auto Scaling Group across the private subnets.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { TALOS_AMI_OWNER, type Settings } from './config';
import type { ApiLoadBalancer } from './api-endpoint';
import type { Identities } from './iam';
import type { Network } from './network';
import { API_PORT, CONTROL_PLANE_IGNORED_CHANGES, ROLE_TAG, type NodeRole } from './policy/conventions';
import type { SecurityGroups } from './security-groups';

export interface Nodes {
  controlPlanes: aws.ec2.Instance[];
  workerTemplate: aws.ec2.LaunchTemplate;
  workerGroup: aws.autoscaling.Group;
}

/** user-data holds the cluster's secrets: tokens only (IMDSv2), and no hop beyond the node, so pods cannot read it. */
export const METADATA_OPTIONS = {
  httpEndpoint: 'enabled',
  httpTokens: 'required',
  httpPutResponseHopLimit: 1,
} as const;

function talosAmi(settings: Settings): pulumi.Output<string> {
  return aws.ec2
    .getAmiOutput({
      owners: [TALOS_AMI_OWNER],
      mostRecent: true,
      filters: [
        { name: 'name', values: [settings.talos.amiName] },
        { name: 'architecture', values: [settings.talos.arch === 'amd64' ? 'x86_64' : 'arm64'] },
      ],
    })
    .apply((ami) => ami.id);
}

export function declareNodes(
  settings: Settings,
  machineConfigs: { controlPlane: pulumi.Output<string>; worker: pulumi.Output<string> },
  network: Network,
  groups: SecurityGroups,
  identities: Identities,
  api: ApiLoadBalancer,
  tags: Record<string, string>,
  /** The customer-managed key of every root volume (encryption.ts). */
  ebsKeyArn: pulumi.Input<string>,
): Nodes {
  const name = settings.cluster.name;
  const ami = talosAmi(settings);
  const roleTags = (role: NodeRole) => ({ ...tags, [ROLE_TAG]: role, [`kubernetes.io/cluster/${name}`]: 'owned' });
  const rootVolume = {
    volumeType: 'gp3',
    volumeSize: settings.rootVolumeGiB,
    encrypted: true,
    kmsKeyId: ebsKeyArn,
    deleteOnTermination: true,
  };

  const controlPlanes = settings.controlPlane.privateIps.map((privateIp, i) => {
    const instance = new aws.ec2.Instance(
      `${name}-controlplane-${i}`,
      {
        ami,
        instanceType: settings.controlPlane.instanceType,
        subnetId: network.privateSubnets[i]!.id,
        privateIp,
        vpcSecurityGroupIds: [groups.controlPlane.id],
        iamInstanceProfile: identities.controlPlaneProfile.name,
        userData: machineConfigs.controlPlane,
        metadataOptions: METADATA_OPTIONS,
        rootBlockDevice: rootVolume,
        tags: { ...roleTags('controlplane'), Name: `${name}-controlplane-${i}` },
        volumeTags: roleTags('controlplane'),
      },
      { ignoreChanges: CONTROL_PLANE_IGNORED_CHANGES },
    );
    new aws.lb.TargetGroupAttachment(`${name}-api-controlplane-${i}`, {
      targetGroupArn: api.targetGroup.arn,
      targetId: instance.id,
      port: API_PORT,
    });
    return instance;
  });

  const workerTemplate = new aws.ec2.LaunchTemplate(`${name}-worker`, {
    imageId: ami,
    instanceType: settings.workers.instanceType,
    vpcSecurityGroupIds: [groups.worker.id],
    iamInstanceProfile: { arn: identities.workerProfile.arn },
    userData: machineConfigs.worker.apply((config) => Buffer.from(config, 'utf8').toString('base64')),
    metadataOptions: METADATA_OPTIONS,
    blockDeviceMappings: [
      {
        deviceName: '/dev/xvda',
        ebs: {
          volumeType: 'gp3',
          volumeSize: settings.rootVolumeGiB,
          encrypted: 'true',
          kmsKeyId: ebsKeyArn,
          deleteOnTermination: 'true',
        },
      },
    ],
    tagSpecifications: ['instance', 'volume'].map((resourceType) => ({ resourceType, tags: roleTags('worker') })),
    updateDefaultVersion: true,
    tags: roleTags('worker'),
  });
  const workerGroup = new aws.autoscaling.Group(`${name}-workers`, {
    minSize: settings.workers.min,
    maxSize: settings.workers.max,
    desiredCapacity: settings.workers.desired,
    vpcZoneIdentifiers: network.privateSubnets.map((s) => s.id),
    launchTemplate: { id: workerTemplate.id, version: pulumi.interpolate`${workerTemplate.latestVersion}` },
    tags: Object.entries({ ...roleTags('worker'), Name: `${name}-worker` }).map(([key, value]) => ({
      key,
      value,
      propagateAtLaunch: true,
    })),
  });

  return { controlPlanes, workerTemplate, workerGroup };
}
