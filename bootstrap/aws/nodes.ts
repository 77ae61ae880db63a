// The Talos nodes: control planes as plain instances at fixed addresses, one per AZ (never in an ASG), registered with
// the API load balancer, and workers in an Auto Scaling Group across the private subnets, which the cluster
// autoscaler sizes, which mixes on-demand and Spot, drains each leaving instance through a termination hook, and rolls
// onto a new launch-template version by an instance refresh.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { TALOS_AMI_OWNER, type Settings } from './config';
import type { ApiLoadBalancer } from './api-endpoint';
import type { Identities } from './iam';
import type { Network } from './network';
import {
  API_PORT,
  CONTROL_PLANE_IGNORED_CHANGES,
  ROLE_TAG,
  TERMINATING_TRANSITION,
  WORKER_GROUP_IGNORED_CHANGES,
  type NodeRole,
} from './policy/conventions';
import type { SecurityGroups } from './security-groups';
import { autoDiscoveryTags } from '../../platform/cluster-autoscaler/api';
import { MANAGED_TAG, TERMINATION_HEARTBEAT_SECONDS } from '../../platform/node-termination-handler/api';

export interface Nodes {
  controlPlanes: aws.ec2.Instance[];
  workerTemplate: aws.ec2.LaunchTemplate;
  workerGroup: aws.autoscaling.Group;
  terminationHook: aws.autoscaling.LifecycleHook;
}

/**
 * A launch-template change (new AMI for a Talos bump, new worker machine config) replaces the workers in three
 * batches: a new instance boots and joins before an old one leaves (max 120 %), capacity never falls below 90 %,
 * and the refresh pauses at each checkpoint so a broken image stops after a third of the group.
 */
export const INSTANCE_REFRESH: aws.types.input.autoscaling.GroupInstanceRefresh = {
  strategy: 'Rolling',
  preferences: {
    minHealthyPercentage: 90,
    maxHealthyPercentage: 120,
    instanceWarmup: '300',
    checkpointPercentages: [34, 67, 100],
    checkpointDelay: '600',
    skipMatching: true,
    scaleInProtectedInstances: 'Ignore',
    standbyInstances: 'Ignore',
  },
};

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
    instanceType: settings.workers.instanceTypes[0],
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
  const [baseType, ...otherTypes] = settings.workers.instanceTypes;
  const groupTags = { ...roleTags('worker'), Name: `${name}-worker`, [MANAGED_TAG]: 'true' };
  const workerGroup = new aws.autoscaling.Group(
    `${name}-workers`,
    {
      minSize: settings.workers.min,
      maxSize: settings.workers.max,
      // Only at creation: the cluster autoscaler owns the size afterwards (ignoreChanges below).
      desiredCapacity: settings.workers.desired,
      vpcZoneIdentifiers: network.privateSubnets.map((s) => s.id),
      mixedInstancesPolicy: {
        launchTemplate: {
          launchTemplateSpecification: {
            launchTemplateId: workerTemplate.id,
            version: pulumi.interpolate`${workerTemplate.latestVersion}`,
          },
          overrides: [baseType!, ...otherTypes].map((instanceType) => ({ instanceType })),
        },
        instancesDistribution: {
          onDemandBaseCapacity: settings.workers.onDemandBase,
          onDemandPercentageAboveBaseCapacity: 100 - settings.workers.spotShare,
          // On-demand takes the types in order (the autoscaler's basis first); Spot picks the pools least likely to
          // be reclaimed among the cheap ones.
          onDemandAllocationStrategy: 'prioritized',
          spotAllocationStrategy: 'price-capacity-optimized',
        },
      },
      // A rebalance recommendation launches a replacement first; the termination hook then drains the old instance.
      capacityRebalance: true,
      instanceRefresh: INSTANCE_REFRESH,
      // The autoscaler's discovery tags stay on the group; the rest propagate to instances (the handler checks the
      // managed tag on instances for EC2 events).
      tags: [
        ...Object.entries(groupTags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        ...Object.entries(autoDiscoveryTags(name)).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
      ],
    },
    { ignoreChanges: WORKER_GROUP_IGNORED_CHANGES },
  );
  const terminationHook = new aws.autoscaling.LifecycleHook(`${name}-workers-terminating`, {
    autoscalingGroupName: workerGroup.name,
    lifecycleTransition: TERMINATING_TRANSITION,
    heartbeatTimeout: TERMINATION_HEARTBEAT_SECONDS,
    defaultResult: 'CONTINUE',
  });

  return { controlPlanes, workerTemplate, workerGroup, terminationHook };
}
