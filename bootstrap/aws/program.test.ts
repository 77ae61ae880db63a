// The program under Pulumi mocks with the committed Pulumi.aws.yaml plus the two machine configs the Talos scripts set.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import type { AwsCluster } from '../../generators/model';
import { OIDC_DOCUMENT_PATHS } from '../../generators/irsa';
import { versions } from '../../generators/versions';
import { PROJECT } from './config';
import { AWS_SCHEMATIC_ID } from '../talos/schematic';
import { LOG_DATASETS } from '../../platform/log-export/api';
import {
  asPolicyResources,
  AVAILABILITY_ZONES,
  installMocks,
  isSecret,
  MACHINE_CONFIGS,
  secondRunConfig,
  secretInput,
  settled,
  stackFileConfig,
  TALOS_AMI_ID,
  valueOf,
  type Declared,
  type Recorder,
} from './mocks.testkit';
import type { AwsBootstrapOutputs } from './outputs';
import { violations } from './policy/harness.testkit';
import { policies } from './policy/rules';
import { ROLE_TAG } from './policy/conventions';
import { loadManifests } from '../../generators/manifests';
import { catalogue } from '../../generators/estate/catalogue';
import { imagesOf } from '../../generators/registries';
import { queueUrl } from '../../platform/node-termination-handler/api';
import { repoRoot } from '../../generators/repo';

let recorder: Recorder;
let program: typeof import('./index');

let talosOutDir: string;

beforeAll(async () => {
  const secondRun = secondRunConfig();
  talosOutDir = secondRun[`${PROJECT}:talosOutDir`]!;
  recorder = installMocks('aws', { ...stackFileConfig('aws'), ...secondRun });
  program = await import('./index');
  await settled();
});

const cluster = estate.clusters.find((c): c is AwsCluster => c.name === 'aws')!;
const issuerHost = new URL(cluster.serviceAccountIssuer).host;
const sortedZones = [...AVAILABILITY_ZONES].sort();
const idOf = (r: Declared) => r.id;
const group = (name: string) => recorder.one('aws:ec2/securityGroup:SecurityGroup', name);
const privateSubnets = () => recorder.ofType('aws:ec2/subnet:Subnet').filter((s) => s.name.includes('-private-'));

/** What private-bucket.ts gives every bucket: no public access, owner-enforced, encrypted, versioned. */
const AES256 = { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } };
const keyArn = (use: string) => recorder.one('aws:kms/key:Key', `aws-${use}`).state.arn as string;

function expectPrivateBucket(of: (type: string) => any, encryption: object = AES256): void {
  expect(of('bucketPublicAccessBlock:BucketPublicAccessBlock')).toMatchObject({
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  expect(of('bucketOwnershipControls:BucketOwnershipControls').rule).toEqual({
    objectOwnership: 'BucketOwnerEnforced',
  });
  expect(of('bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration').rules).toEqual([
    encryption,
  ]);
  expect(of('bucketVersioning:BucketVersioning').versioningConfiguration).toEqual({ status: 'Enabled' });
}

describe('Pulumi project files', () => {
  it('Pulumi.yaml names the project the config keys use and runs TypeScript ESM through tsx', () => {
    const project = parse(readFileSync(join(import.meta.dirname, 'Pulumi.yaml'), 'utf8'));
    expect(project).toMatchObject({
      name: PROJECT,
      main: 'index.ts',
      runtime: { name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } },
    });
  });
});

describe('network', () => {
  it('declares a VPC on the model node CIDR with DNS hostnames', () => {
    const [vpc, ...more] = recorder.ofType('aws:ec2/vpc:Vpc');
    expect(more).toEqual([]);
    expect(vpc!.inputs).toMatchObject({
      cidrBlock: cluster.network.nodeCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
  });

  it('declares one public and one private subnet per AZ, in AZ order', () => {
    const subnets = recorder.ofType('aws:ec2/subnet:Subnet');
    const byTier = (tier: string) =>
      subnets.filter((s) => s.name.includes(`-${tier}-`)).map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock]);
    expect(byTier('public')).toEqual([
      [sortedZones[0], '10.10.0.0/20'],
      [sortedZones[1], '10.10.16.0/20'],
      [sortedZones[2], '10.10.32.0/20'],
    ]);
    expect(byTier('private')).toEqual([
      [sortedZones[0], '10.10.64.0/18'],
      [sortedZones[1], '10.10.128.0/18'],
      [sortedZones[2], '10.10.192.0/18'],
    ]);
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it('routes each private subnet through the NAT gateway of its own AZ, public subnets through the IGW', () => {
    const nats = recorder.ofType('aws:ec2/natGateway:NatGateway');
    const publicSubnets = recorder.ofType('aws:ec2/subnet:Subnet').filter((s) => s.name.includes('-public-'));
    expect(nats.map((n) => n.inputs.subnetId)).toEqual(publicSubnets.map(idOf));
    expect(recorder.ofType('aws:ec2/eip:Eip')).toHaveLength(3);
    const igw = recorder.ofType('aws:ec2/internetGateway:InternetGateway');
    expect(igw).toHaveLength(1);
    expect(recorder.one('aws:ec2/routeTable:RouteTable', 'aws-public').inputs.routes).toEqual([
      expect.objectContaining({ cidrBlock: '0.0.0.0/0', gatewayId: igw[0]!.id }),
    ]);
    for (const i of [0, 1, 2]) {
      expect(recorder.one('aws:ec2/routeTable:RouteTable', `aws-private-${i}`).inputs.routes).toEqual([
        expect.objectContaining({ cidrBlock: '0.0.0.0/0', natGatewayId: nats[i]!.id }),
      ]);
    }
    expect(recorder.ofType('aws:ec2/routeTableAssociation:RouteTableAssociation')).toHaveLength(6);
  });

  it('links to on-prem with a static site-to-site VPN that propagates into every private route table', () => {
    const onprem = estate.clusters.find((c) => c.name === 'onprem');
    const [cgw] = recorder.ofType('aws:ec2/customerGateway:CustomerGateway');
    expect(cgw!.inputs).toMatchObject({ type: 'ipsec.1', ipAddress: '203.0.113.10', bgpAsn: '65010' });
    const [vpn] = recorder.ofType('aws:ec2/vpnConnection:VpnConnection');
    const [vgw] = recorder.ofType('aws:ec2/vpnGateway:VpnGateway');
    expect(vpn!.inputs).toMatchObject({ staticRoutesOnly: true, customerGatewayId: cgw!.id, vpnGatewayId: vgw!.id });
    expect(
      recorder.ofType('aws:ec2/vpnConnectionRoute:VpnConnectionRoute').map((r) => r.inputs.destinationCidrBlock),
    ).toEqual([onprem!.network.nodeCidr, '10.50.0.0/24']);
    const propagations = recorder.ofType('aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation');
    expect(propagations.map((p) => p.inputs.routeTableId)).toEqual(
      [0, 1, 2].map((i) => recorder.one('aws:ec2/routeTable:RouteTable', `aws-private-${i}`).id),
    );
  });

  it('issue 23 defect 6: sends S3 traffic through a gateway endpoint on the private route tables, not NAT', () => {
    const [endpoint, ...more] = recorder.ofType('aws:ec2/vpcEndpoint:VpcEndpoint');
    expect(more).toEqual([]); // no interface endpoints (bootstrap/README.md "VPC endpoints")
    expect(endpoint!.inputs).toMatchObject({
      vpcId: recorder.one('aws:ec2/vpc:Vpc', 'aws-vpc').id,
      serviceName: 'com.amazonaws.eu-central-1.s3',
      vpcEndpointType: 'Gateway',
      routeTableIds: [0, 1, 2].map((i) => recorder.one('aws:ec2/routeTable:RouteTable', `aws-private-${i}`).id),
    });
    const publicTable = recorder.one('aws:ec2/routeTable:RouteTable', 'aws-public');
    expect(endpoint!.inputs.routeTableIds).not.toContain(publicTable.id);
  });

  it('issue 23 defect 7: declares no Route 53 zone, nor a record for the API, which keeps the load balancer name', async () => {
    expect(recorder.ofType('aws:route53/zone:Zone')).toEqual([]);
    // The only records are the app's failover records (program-failover.test.ts).
    expect(recorder.ofType('aws:route53/record:Record').map((r) => r.inputs.name)).toEqual([
      'tasks.acme.example',
      'tasks.acme.example',
    ]);
    expect(Object.keys(program)).not.toContain('privateZoneId');
    expect(await valueOf(program.apiEndpoint)).toBe('https://aws-api.elb.eu-central-1.amazonaws.com:6443');
  });
});

describe('security groups', () => {
  it('declares exactly the listed ingress rules per role', () => {
    const groups = new Map(
      recorder.ofType('aws:ec2/securityGroup:SecurityGroup').map((g) => [g.id, g.name.replace('aws-', '')]),
    );
    const rules = recorder
      .ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .map((r) => {
        const from = r.inputs.cidrIpv4 ?? `sg:${groups.get(r.inputs.referencedSecurityGroupId)}`;
        const ports =
          r.inputs.fromPort === r.inputs.toPort ? r.inputs.fromPort : `${r.inputs.fromPort}-${r.inputs.toPort}`;
        return `${groups.get(r.inputs.securityGroupId)} ${r.inputs.ipProtocol}/${ports} from ${from}`;
      })
      .sort();
    expect(rules).toEqual(
      [
        'controlplane tcp/50000 from 10.50.0.0/24',
        'controlplane tcp/50000 from sg:controlplane',
        'controlplane tcp/50001 from sg:worker',
        'controlplane tcp/2379-2380 from sg:controlplane',
        'controlplane tcp/6443 from sg:api-lb',
        'controlplane tcp/6443 from sg:controlplane',
        'controlplane tcp/6443 from sg:worker',
        'controlplane tcp/10250 from sg:controlplane',
        'controlplane tcp/10250 from sg:worker',
        'controlplane tcp/9100 from sg:controlplane',
        'controlplane tcp/9100 from sg:worker',
        'controlplane tcp/10249 from sg:controlplane',
        'controlplane tcp/10249 from sg:worker',
        'controlplane udp/4789 from sg:controlplane',
        'controlplane udp/4789 from sg:worker',
        'controlplane tcp/5473 from sg:controlplane',
        'controlplane tcp/5473 from sg:worker',
        'worker tcp/50000 from 10.50.0.0/24',
        'worker tcp/50000 from sg:controlplane',
        'worker tcp/10250 from sg:controlplane',
        'worker tcp/10250 from sg:worker',
        'worker tcp/9100 from sg:controlplane',
        'worker tcp/9100 from sg:worker',
        'worker tcp/10249 from sg:controlplane',
        'worker tcp/10249 from sg:worker',
        'worker udp/4789 from sg:controlplane',
        'worker udp/4789 from sg:worker',
        'worker tcp/5473 from sg:controlplane',
        'worker tcp/5473 from sg:worker',
        'api-lb tcp/6443 from 10.30.0.0/24',
        'api-lb tcp/6443 from 10.50.0.0/24',
        'api-lb tcp/6443 from sg:controlplane',
        'api-lb tcp/6443 from sg:worker',
      ].sort(),
    );
  });

  it('issue 23 defect 2: opens kube-proxy metrics (10249/tcp) on every node to the nodes only', () => {
    const groups = new Map(recorder.ofType('aws:ec2/securityGroup:SecurityGroup').map((g) => [g.id, g.name]));
    const rules = recorder
      .ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .filter((r) => r.inputs.fromPort <= 10249 && r.inputs.toPort >= 10249)
      .map((r) => {
        const from = groups.get(r.inputs.referencedSecurityGroupId) ?? r.inputs.cidrIpv4;
        return `${groups.get(r.inputs.securityGroupId)} ${r.inputs.ipProtocol} ${r.inputs.description} <- ${from}`;
      });
    expect(rules.sort()).toEqual([
      'aws-controlplane tcp kube-proxy-metrics <- aws-controlplane',
      'aws-controlplane tcp kube-proxy-metrics <- aws-worker',
      'aws-worker tcp kube-proxy-metrics <- aws-controlplane',
      'aws-worker tcp kube-proxy-metrics <- aws-worker',
    ]);
  });

  it('lets the API load balancer send only to the control planes on 6443', () => {
    const egress = recorder.one('aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', 'aws-api-lb-egress').inputs;
    expect(egress).toMatchObject({
      ipProtocol: 'tcp',
      fromPort: 6443,
      toPort: 6443,
      referencedSecurityGroupId: group('aws-controlplane').id,
    });
  });
});

describe('IAM', () => {
  const document = (name: string, type = 'aws:iam/rolePolicy:RolePolicy') =>
    JSON.parse(recorder.ofType(type).find((r) => r.name === name)!.inputs.policy);

  it('lets the in-cluster log writer (IRSA) and the on-prem exporter only put objects under their own cluster', () => {
    const prefixes = (c: string) =>
      LOG_DATASETS.map((d) => `arn:aws:s3:::${estate.logArchive.bucket}/${d}/cluster=${c}/*`);
    expect(document('aws-log-writer').Statement).toEqual([
      { Sid: 'WriteOwnClusterPrefix', Effect: 'Allow', Action: 's3:PutObject', Resource: prefixes('aws') },
    ]);
    expect(document('onprem-log-writer', 'aws:iam/userPolicy:UserPolicy').Statement).toEqual([
      { Sid: 'WriteOwnClusterPrefix', Effect: 'Allow', Action: 's3:PutObject', Resource: prefixes('onprem') },
    ]);
  });

  it('lets the etcd snapshot writers (IRSA on aws, a user key on-prem) only add snapshots under their own prefix', () => {
    const writeOnly = (c: string) => [
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: `arn:aws:s3:::${estate.logArchive.bucket}/etcd-snapshots/cluster=${c}/*`,
      },
    ];
    expect(document('aws-etcd-snapshot-writer').Statement).toEqual(writeOnly('aws'));
    const onPremPolicy = document('onprem-etcd-snapshot-writer', 'aws:iam/userPolicy:UserPolicy');
    expect(onPremPolicy.Statement).toEqual(writeOnly('onprem'));
    expect(recorder.one('aws:iam/accessKey:AccessKey', 'onprem-etcd-snapshot-writer')).toBeDefined();
    // The on-prem job has no role: only the user exists there.
    expect(recorder.ofType('aws:iam/role:Role').map((r) => r.name)).not.toContain('onprem-etcd-snapshot-writer');
  });

  it.each([
    [
      'aws-log-writer',
      ['system:serviceaccount:log-export:log-export-agent', 'system:serviceaccount:log-export:log-export-cluster'],
    ],
    ['aws-ebs-csi-controller', ['system:serviceaccount:storage:ebs-csi-controller-sa']],
    ['aws-etcd-snapshot-writer', ['system:serviceaccount:etcd-backup:etcd-snapshot']],
  ])(
    'lets only the service accounts of the rendered component assume %s, through the cluster issuer',
    (name, subjects) => {
      const role = recorder.one('aws:iam/role:Role', name);
      const [statement, ...more] = JSON.parse(role.inputs.assumeRolePolicy).Statement;
      expect(more).toEqual([]);
      expect(statement).toEqual({
        Effect: 'Allow',
        Principal: {
          Federated: recorder.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'aws-service-accounts').state
            .arn,
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuerHost}:aud`]: 'sts.amazonaws.com', [`${issuerHost}:sub`]: subjects } },
      });
    },
  );

  it('names the IRSA roles exactly as the ARNs in the rendered platform end', () => {
    const rendered = loadManifests(repoRoot, ['clusters/aws']).docs.flatMap((d) => {
      const spec = d.object.spec as any;
      const values = d.object.kind === 'HelmRelease' ? spec.values : undefined;
      const jobContainers = d.object.kind === 'CronJob' ? spec.jobTemplate.spec.template.spec.containers : [];
      return [
        ...(values?.extraEnvs ?? []),
        ...(values?.controller?.env ?? []),
        ...jobContainers.flatMap((c: { env?: unknown[] }) => c.env ?? []),
      ].filter((e: { name: string }) => e.name === 'AWS_ROLE_ARN');
    });
    const roleNames = new Set(
      rendered.map((e: { value: string }) => /^arn:aws:iam::111122223333:role\/(.+)$/.exec(e.value)?.[1]),
    );
    expect(roleNames).toEqual(new Set(['aws-log-writer', 'aws-ebs-csi-controller', 'aws-etcd-snapshot-writer']));
    for (const name of roleNames) expect(recorder.one('aws:iam/role:Role', name!).inputs.name).toBe(name);
  });

  it("gives the EBS CSI controller only volume calls on this cluster's tagged volumes, snapshots and instances", () => {
    const statements = document('aws-ebs-csi-controller').Statement as {
      Sid: string;
      Action: string | string[];
      Resource: string | string[];
      Condition?: any;
    }[];
    expect(statements.filter((s) => [s.Resource].flat().includes('*')).map((s) => s.Sid)).toEqual([
      'DescribeForEbsCsi',
    ]);
    expect(statements.find((s) => s.Sid === 'DescribeForEbsCsi')!.Action).toSatisfy((actions: string[]) =>
      actions.every((a) => a.startsWith('ec2:Describe')),
    );
    const driverTags = { 'kubernetes.io/cluster/aws': 'owned', 'ebs.csi.aws.com/cluster': 'true' };
    const prefixed = (prefix: string) =>
      Object.fromEntries(Object.entries(driverTags).map(([k, v]) => [`${prefix}/${k}`, v]));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.CreateTaggedVolumes).toMatchObject({
      Action: 'ec2:CreateVolume',
      Resource: 'arn:aws:ec2:eu-central-1:*:volume/*',
      Condition: { StringEquals: prefixed('aws:RequestTag') },
    });
    expect(bySid.ManageOwnVolumes).toMatchObject({
      Resource: 'arn:aws:ec2:eu-central-1:*:volume/*',
      Condition: { StringEquals: prefixed('ec2:ResourceTag') },
    });
    expect(bySid.ManageOwnVolumes!.Action).toEqual(
      expect.arrayContaining(['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DeleteVolume']),
    );
    expect(bySid.AttachToOwnInstances!.Condition).toEqual({
      StringEquals: { 'ec2:ResourceTag/kubernetes.io/cluster/aws': 'owned' },
    });
    expect(bySid.TagOnCreate!.Condition).toEqual({
      StringEquals: { 'ec2:CreateAction': ['CreateVolume', 'CreateSnapshot'] },
    });
    for (const s of statements.filter((s) => s.Sid !== 'DescribeForEbsCsi' && s.Sid !== 'TagOnCreate'))
      expect(s.Condition, s.Sid).toBeDefined();
  });

  it('issue 16: gives the cluster autoscaler exactly its calls, changing only groups with its discovery tags', () => {
    expect(document('aws-cluster-autoscaler')).toEqual({
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
          Resource: 'arn:aws:autoscaling:eu-central-1:111122223333:autoScalingGroup:*:autoScalingGroupName/*',
          Condition: {
            StringEquals: {
              'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': 'true',
              'aws:ResourceTag/k8s.io/cluster-autoscaler/aws': 'owned',
            },
          },
        },
      ],
    });
    // The tags the condition requires are the worker group's.
    const tags = recorder.ofType('aws:autoscaling/group:Group')[0]!.inputs.tags;
    expect(tags).toContainEqual({ key: 'k8s.io/cluster-autoscaler/enabled', value: 'true', propagateAtLaunch: false });
    expect(tags).toContainEqual({ key: 'k8s.io/cluster-autoscaler/aws', value: 'owned', propagateAtLaunch: false });
  });

  it('issue 16: gives the node termination handler its queue and lifecycle actions on tagged groups only', () => {
    expect(document('aws-node-termination-handler')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DescribeForNodeTerminationHandler',
          Effect: 'Allow',
          Action: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeTags', 'ec2:DescribeInstances'],
          Resource: '*',
        },
        {
          Sid: 'CompleteOwnLifecycleActions',
          Effect: 'Allow',
          Action: 'autoscaling:CompleteLifecycleAction',
          Resource: 'arn:aws:autoscaling:eu-central-1:111122223333:autoScalingGroup:*:autoScalingGroupName/*',
          Condition: {
            StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/aws': 'owned' },
            Null: { 'aws:ResourceTag/aws-node-termination-handler/managed': 'false' },
          },
        },
        {
          Sid: 'ConsumeOwnQueue',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
          Resource: recorder.one('aws:sqs/queue:Queue', 'aws-node-termination').state.arn,
        },
      ],
    });
    const [statement] = JSON.parse(
      recorder.one('aws:iam/role:Role', 'aws-node-termination-handler').inputs.assumeRolePolicy,
    ).Statement;
    expect(statement.Condition.StringEquals[`${issuerHost}:sub`]).toEqual([
      'system:serviceaccount:node-termination-handler:aws-node-termination-handler',
    ]);
  });

  it('gives the control planes the cloud integration, workers nothing, both through instance profiles', () => {
    const statements = document('aws-controlplane-cloud-integration').Statement as {
      Sid: string;
      Action: string[];
      Resource: string | string[];
    }[];
    expect(statements.map((s) => s.Sid)).toEqual([
      'DescribeForCloudIntegration',
      'ServiceLoadBalancers',
      'ServiceSecurityGroups',
      'TagOwnResources',
    ]);
    // Volume calls belong to the EBS CSI controller's IRSA role: its pods cannot reach this instance role.
    expect(statements.flatMap((s) => s.Action).filter((a) => /Volume|Snapshot/.test(a))).toEqual([]);
    expect(statements.filter((s) => [s.Resource].flat().includes('*')).map((s) => s.Sid)).toEqual([
      'DescribeForCloudIntegration',
    ]);
    expect(statements.find((s) => s.Sid === 'ServiceSecurityGroups')!.Resource).toContain('arn:aws:mock:::Vpc/aws-vpc');
    const policiesOfWorker = [
      ...recorder.ofType('aws:iam/rolePolicy:RolePolicy'),
      ...recorder.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment'),
    ].filter((p) => p.inputs.role === recorder.ofType('aws:iam/role:Role').find((r) => r.name === 'aws-worker')!.id);
    // Only image pulls (kubelet's ECR credential provider), checked in 'ECR'.
    expect(policiesOfWorker.map((p) => p.name)).toEqual(['aws-worker-ecr-pull']);
    expect(recorder.ofType('aws:iam/instanceProfile:InstanceProfile').map((p) => p.name)).toEqual([
      'aws-controlplane',
      'aws-worker',
    ]);
  });
});

/** The one resource of an S3 type that configures the named bucket. */
function ofBucket(bucketName: string, type: string) {
  const [resource, ...more] = recorder.ofType(`aws:s3/${type}`).filter((r) => r.inputs.bucket === bucketName);
  expect(resource).toBeDefined();
  expect(more).toEqual([]);
  return resource!.inputs;
}

describe('log bucket', () => {
  const of = (type: string) => ofBucket(estate.logArchive.bucket, type);

  it('is the model bucket: private, owner-enforced, encrypted, versioned, TLS-only, with a lifecycle', () => {
    of('bucket:Bucket');
    expectPrivateBucket(of, {
      applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: keyArn('telemetry') },
      bucketKeyEnabled: true,
    });
    const lifecycle = of('bucketLifecycleConfiguration:BucketLifecycleConfiguration');
    const snapshots = (c: string) => ({
      id: `etcd-snapshots-${c}`,
      status: 'Enabled',
      filter: { prefix: `etcd-snapshots/cluster=${c}/` },
      expiration: { days: 14 },
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    });
    expect(lifecycle.rules).toEqual([
      expect.objectContaining({
        status: 'Enabled',
        filter: { prefix: '' },
        transitions: [{ days: 30, storageClass: 'STANDARD_IA' }],
        expiration: { days: estate.logArchive.retentionDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      }),
      // Each cluster's etcd snapshots expire after that cluster's retention (platform/etcd-backup values).
      snapshots('aws'),
      snapshots('onprem'),
    ]);
    // Objects under 128 KB (quiet partitions) stay in STANDARD, and every object, small or not, still expires.
    expect(lifecycle.transitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    const policy = JSON.parse(of('bucketPolicy:BucketPolicy').policy);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });
});

describe('nodes', () => {
  it("looks the Talos AMI up in the account's own images by the pinned version, the ECR schematic and the arch", () => {
    const call = recorder.calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi');
    expect(call!.inputs).toMatchObject({
      owners: ['self'],
      mostRecent: true,
      filters: [
        { name: 'name', values: [`talos-v${versions.talos}-${AWS_SCHEMATIC_ID.slice(0, 12)}-amd64`] },
        { name: 'architecture', values: ['x86_64'] },
      ],
    });
  });

  it('runs one control plane per AZ at its fixed address, outside any ASG, with IMDSv2, encrypted gp3 and its machine config', () => {
    const instances = recorder.ofType('aws:ec2/instance:Instance');
    expect(instances.map((i) => [i.inputs.subnetId, i.inputs.privateIp])).toEqual([
      [privateSubnets()[0]!.id, '10.10.64.10'],
      [privateSubnets()[1]!.id, '10.10.128.10'],
      [privateSubnets()[2]!.id, '10.10.192.10'],
    ]);
    for (const instance of instances) {
      expect(instance.inputs).toMatchObject({
        ami: TALOS_AMI_ID,
        instanceType: 'm7i.large',
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        rootBlockDevice: {
          volumeType: 'gp3',
          encrypted: true,
          kmsKeyId: keyArn('ebs'),
          volumeSize: 50,
          deleteOnTermination: true,
        },
        vpcSecurityGroupIds: [group('aws-controlplane').id],
        tags: expect.objectContaining({ [ROLE_TAG]: 'controlplane' }),
      });
      expect(secretInput(instance.inputs.userData)).toBe(MACHINE_CONFIGS.talosControlPlaneConfig);
    }
  });

  it('issue 23 defect 3: control planes ignore userData and ami, so `pulumi up` never stops or replaces them', () => {
    const instances = recorder.ofType('aws:ec2/instance:Instance');
    expect(instances).toHaveLength(3);
    for (const instance of instances) expect(instance.ignoreChanges, instance.name).toEqual(['userData', 'ami']);
    // Workers take a new config or AMI through a new launch-template version, which only new instances boot.
    expect(recorder.ofType('aws:ec2/launchTemplate:LaunchTemplate').map((t) => t.ignoreChanges)).toEqual([[]]);
  });

  it('puts workers in an ASG across the private subnets from a launch template with IMDSv2 and encrypted gp3', () => {
    const [template] = recorder.ofType('aws:ec2/launchTemplate:LaunchTemplate');
    expect(template!.inputs.metadataOptions).toEqual({
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
    });
    expect(template!.inputs.blockDeviceMappings).toEqual([
      {
        deviceName: '/dev/xvda',
        ebs: {
          volumeType: 'gp3',
          volumeSize: 50,
          encrypted: 'true',
          kmsKeyId: keyArn('ebs'),
          deleteOnTermination: 'true',
        },
      },
    ]);
    expect(Buffer.from(secretInput(template!.inputs.userData) as string, 'base64').toString('utf8')).toBe(
      MACHINE_CONFIGS.talosWorkerConfig,
    );
    const [group, ...more] = recorder.ofType('aws:autoscaling/group:Group');
    expect(more).toEqual([]);
    expect(group!.inputs).toMatchObject({
      vpcZoneIdentifiers: privateSubnets().map(idOf),
      minSize: 2,
      maxSize: 10,
      desiredCapacity: 3,
    });
    expect(group!.inputs.launchTemplate).toBeUndefined();
    expect(group!.inputs.tags).toContainEqual({ key: ROLE_TAG, value: 'worker', propagateAtLaunch: true });
  });

  it('issue 16: tags the worker group for the autoscaler (on the group only) and the handler (also on instances)', () => {
    const [group] = recorder.ofType('aws:autoscaling/group:Group');
    const tags = group!.inputs.tags as { key: string; value: string; propagateAtLaunch: boolean }[];
    expect(tags.filter((t) => t.key.startsWith('k8s.io/cluster-autoscaler/'))).toEqual([
      { key: 'k8s.io/cluster-autoscaler/enabled', value: 'true', propagateAtLaunch: false },
      { key: 'k8s.io/cluster-autoscaler/aws', value: 'owned', propagateAtLaunch: false },
    ]);
    expect(tags).toContainEqual({
      key: 'aws-node-termination-handler/managed',
      value: 'true',
      propagateAtLaunch: true,
    });
    expect(tags).toContainEqual({ key: 'kubernetes.io/cluster/aws', value: 'owned', propagateAtLaunch: true });
  });

  it('issue 16: leaves the size to the autoscaler after creation (ignoreChanges desiredCapacity)', () => {
    expect(recorder.ofType('aws:autoscaling/group:Group').map((g) => g.ignoreChanges)).toEqual([['desiredCapacity']]);
  });

  it('issue 16: mixes the stack config types, on-demand base and Spot share, with capacity rebalance', () => {
    const [template] = recorder.ofType('aws:ec2/launchTemplate:LaunchTemplate');
    const [group] = recorder.ofType('aws:autoscaling/group:Group');
    expect(template!.inputs.instanceType).toBe('m7i.xlarge');
    expect(group!.inputs.capacityRebalance).toBe(true);
    expect(group!.inputs.mixedInstancesPolicy).toEqual({
      launchTemplate: {
        launchTemplateSpecification: { launchTemplateId: template!.id, version: '1' },
        overrides: ['m7i.xlarge', 'm6i.xlarge', 'm6a.xlarge', 'm7a.xlarge', 'm5.xlarge'].map((instanceType) => ({
          instanceType,
        })),
      },
      instancesDistribution: {
        onDemandBaseCapacity: 2,
        onDemandPercentageAboveBaseCapacity: 50,
        onDemandAllocationStrategy: 'prioritized',
        spotAllocationStrategy: 'price-capacity-optimized',
      },
    });
  });

  it('issue 16: rolls workers onto a new launch-template version by an instance refresh with checkpoints', () => {
    const [group] = recorder.ofType('aws:autoscaling/group:Group');
    expect(group!.inputs.instanceRefresh).toEqual({
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
    });
  });

  it('issue 16: holds every leaving worker in a termination hook that continues after 10 minutes', () => {
    const [group] = recorder.ofType('aws:autoscaling/group:Group');
    const hooks = recorder.ofType('aws:autoscaling/lifecycleHook:LifecycleHook');
    expect(hooks.map((h) => h.inputs)).toEqual([
      {
        autoscalingGroupName: group!.state.name,
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        heartbeatTimeout: 600,
        defaultResult: 'CONTINUE',
      },
    ]);
  });

  it('serves TCP 6443 from an internal NLB whose target group holds only the control planes', () => {
    const [lb] = recorder.ofType('aws:lb/loadBalancer:LoadBalancer');
    expect(lb!.inputs).toMatchObject({
      loadBalancerType: 'network',
      internal: true,
      subnets: privateSubnets().map(idOf),
      securityGroups: [group('aws-api-lb').id],
    });
    const [listener] = recorder.ofType('aws:lb/listener:Listener');
    const [targetGroup] = recorder.ofType('aws:lb/targetGroup:TargetGroup');
    expect(listener!.inputs).toMatchObject({
      port: 6443,
      protocol: 'TCP',
      defaultActions: [{ type: 'forward', targetGroupArn: targetGroup!.state.arn }],
    });
    expect(targetGroup!.inputs).toMatchObject({
      port: 6443,
      protocol: 'TCP',
      targetType: 'instance',
      preserveClientIp: 'false',
    });
    const targets = recorder.ofType('aws:lb/targetGroupAttachment:TargetGroupAttachment').map((a) => a.inputs.targetId);
    expect(targets).toEqual(recorder.ofType('aws:ec2/instance:Instance').map(idOf));
  });
});

describe('issue 16: node termination events', () => {
  const queue = () => recorder.one('aws:sqs/queue:Queue', 'aws-node-termination');
  const rules = () => recorder.ofType('aws:cloudwatch/eventRule:EventRule');

  it('queues them in an SSE-encrypted queue named by the handler contract, kept five minutes', () => {
    expect(queue().inputs).toMatchObject({
      name: 'aws-node-termination',
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
    });
    expect(queue().state.url).toBe(queueUrl(cluster));
  });

  it('routes the worker group termination actions, Spot interruptions, rebalance and state changes', () => {
    const [group] = recorder.ofType('aws:autoscaling/group:Group');
    expect(Object.fromEntries(rules().map((r) => [r.name, JSON.parse(r.inputs.eventPattern)]))).toEqual({
      'aws-asg-termination': {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance-terminate Lifecycle Action'],
        detail: { AutoScalingGroupName: [group!.state.name] },
      },
      'aws-spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
      'aws-rebalance-recommendation': {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance Rebalance Recommendation'],
      },
      'aws-instance-state-change': {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
      },
    });
    const targets = recorder.ofType('aws:cloudwatch/eventTarget:EventTarget');
    expect(targets.map((t) => [t.inputs.rule, t.inputs.arn])).toEqual(
      rules().map((r) => [`EventRule-${r.name}`, queue().state.arn]),
    );
  });

  it('lets only those rules send to the queue, over TLS', () => {
    const policy = recorder.one('aws:sqs/queuePolicy:QueuePolicy', 'aws-node-termination');
    expect(policy.inputs.queueUrl).toBe(queue().state.url);
    expect(JSON.parse(policy.inputs.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'FromOwnRules',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queue().state.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': rules().map((r) => r.state.arn) } },
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: queue().state.arn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('exports the queue URL the handler reads', async () => {
    expect(await valueOf(program.nodeTerminationQueueUrl)).toBe(queueUrl(cluster));
  });
});

describe('issue 16: ECR', () => {
  const repositories = () => recorder.ofType('aws:ecr/repository:Repository');
  const pullPush = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
  const repositoryArns = () => repositories().map((r) => r.state.arn);

  it('keeps one private repository per image built here: immutable tags, scan on push, KMS encryption', () => {
    expect(repositories().map((r) => r.inputs)).toEqual(
      imagesOf(catalogue).map((image) => ({
        name: image.name,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'KMS' }],
        tags: { cluster: 'aws', 'managed-by': 'pulumi/aws-bootstrap' },
      })),
    );
    expect(repositories().map((r) => r.inputs.name)).toEqual(['otelcol-log-export', 'task-stream', 'task-tracker']);
  });

  it('expires untagged images after a week and keeps the newest hundred', () => {
    const policies = recorder.ofType('aws:ecr/lifecyclePolicy:LifecyclePolicy');
    expect(policies.map((p) => p.inputs.repository)).toEqual(repositories().map((r) => r.inputs.name));
    for (const p of policies) {
      expect(JSON.parse(p.inputs.policy).rules.map((r: any) => [r.rulePriority, r.selection])).toEqual([
        [1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }],
        [2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }],
      ]);
    }
  });

  it('lets every node role pull, read-only, from these repositories (the log agent runs on control planes too)', () => {
    const role = (name: string) => recorder.ofType('aws:iam/role:Role').find((r) => r.name === name)!.id;
    for (const node of ['controlplane', 'worker']) {
      const pull = recorder.one('aws:iam/rolePolicy:RolePolicy', `aws-${node}-ecr-pull`);
      expect(pull.inputs.role).toBe(role(`aws-${node}`));
      expect(JSON.parse(pull.inputs.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'PullAuthorization', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
          { Sid: 'PullOwnImages', Effect: 'Allow', Action: pullPush, Resource: repositoryArns() },
        ],
      });
    }
  });

  it("trusts GitHub's OIDC tokens of this repository's release tags only for the push role", () => {
    const provider = recorder.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'github-actions');
    expect(provider.inputs).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      clientIdLists: ['sts.amazonaws.com'],
    });
    const role = recorder.one('aws:iam/role:Role', 'image-push');
    expect(role.inputs.name).toBe('aws-image-push');
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: provider.state.arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          StringLike: {
            'token.actions.githubusercontent.com:sub': [
              'repo:acme/hybrid-gitops-platform:ref:refs/tags/otelcol-log-export/v*',
              'repo:acme/hybrid-gitops-platform:ref:refs/tags/task-stream/v*',
              'repo:acme/hybrid-gitops-platform:ref:refs/tags/task-tracker/v*',
            ],
          },
        },
      },
    ]);
    expect(JSON.parse(recorder.one('aws:iam/rolePolicy:RolePolicy', 'image-push').inputs.policy).Statement).toEqual([
      { Sid: 'PullAuthorization', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'PushOwnImages',
        Effect: 'Allow',
        Action: [
          ...pullPush,
          'ecr:CompleteLayerUpload',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: repositoryArns(),
      },
    ]);
  });

  it('exports the repository URLs and the push role', async () => {
    expect(await valueOf(program.imageRepositories)).toEqual({
      'otelcol-log-export': '111122223333.dkr.ecr.eu-central-1.amazonaws.com/otelcol-log-export',
      'task-stream': '111122223333.dkr.ecr.eu-central-1.amazonaws.com/task-stream',
      'task-tracker': '111122223333.dkr.ecr.eu-central-1.amazonaws.com/task-tracker',
    });
    expect(await valueOf(program.imagePushRoleArn)).toBe('arn:aws:mock:::Role/image-push');
  });
});

describe('service-account issuer', () => {
  const bucketName = `aws-oidc-issuer-${cluster.accountId}`;
  const of = (type: string) => ofBucket(bucketName, type);
  const distribution = () => recorder.one('aws:cloudfront/distribution:Distribution', 'oidc-issuer-distribution');

  it("trusts the distribution's URL (the model's issuer) in the IAM OIDC provider, for the STS audience", () => {
    expect(
      recorder.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'aws-service-accounts').inputs,
    ).toMatchObject({ url: cluster.serviceAccountIssuer, clientIdLists: ['sts.amazonaws.com'] });
  });

  it('keeps the documents in a private, encrypted, versioned bucket whose current objects never expire', () => {
    expectPrivateBucket(of);
    const [rule, ...more] = of('bucketLifecycleConfiguration:BucketLifecycleConfiguration').rules;
    expect(more).toEqual([]);
    expect(rule).toMatchObject({
      status: 'Enabled',
      noncurrentVersionExpiration: { noncurrentDays: 30 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    });
    expect(rule.expiration).toBeUndefined();
  });

  it('lets only the distribution read the bucket, over TLS', () => {
    const { Statement } = JSON.parse(of('bucketPolicy:BucketPolicy').policy);
    expect(Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
      {
        Sid: 'ReadThroughTheDistribution',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucketName}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': distribution().state.arn } },
      },
    ]);
  });

  it('serves the bucket over HTTPS only, GET and HEAD, through a signing Origin Access Control', () => {
    const [access, ...more] = recorder.ofType('aws:cloudfront/originAccessControl:OriginAccessControl');
    expect(more).toEqual([]);
    expect(access!.inputs).toMatchObject({
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    const inputs = distribution().inputs;
    expect(inputs.origins).toEqual([
      {
        originId: 'oidc-documents',
        domainName: `${bucketName}.s3.eu-central-1.amazonaws.com`,
        originAccessControlId: access!.id,
      },
    ]);
    expect(inputs.defaultCacheBehavior).toMatchObject({
      targetOriginId: 'oidc-documents',
      viewerProtocolPolicy: 'https-only',
      allowedMethods: ['GET', 'HEAD'],
    });
    expect(inputs).toMatchObject({ enabled: true, viewerCertificate: { cloudfrontDefaultCertificate: true } });
  });

  it('publishes the documents that gen-config wrote, at their paths under the issuer', () => {
    const objects = recorder.ofType('aws:s3/bucketObjectv2:BucketObjectv2');
    expect(objects.map((o) => o.inputs.key)).toEqual([...OIDC_DOCUMENT_PATHS]);
    for (const object of objects) {
      expect(object.inputs).toMatchObject({ bucket: bucketName, contentType: 'application/json' });
      expect(object.inputs.content).toBe(readFileSync(join(talosOutDir, 'oidc', object.inputs.key), 'utf8'));
    }
    expect(JSON.parse(objects[0]!.inputs.content).issuer).toBe(cluster.serviceAccountIssuer);
    expect(JSON.parse(objects[1]!.inputs.content).keys).toHaveLength(1);
  });

  it("exports the distribution's URL, which is the model's issuer", async () => {
    expect(await valueOf(program.serviceAccountIssuer)).toBe(cluster.serviceAccountIssuer);
  });
});

describe('outputs', () => {
  it('exports what the Talos scripts read, with secrets marked secret', async () => {
    const keys: (keyof AwsBootstrapOutputs)[] = [
      'cluster',
      'region',
      'apiEndpoint',
      'controlPlaneIps',
      'nodesDeclared',
      'vpcId',
      'publicSubnetIds',
      'privateSubnetIds',
      'securityGroupIds',
      'roleArns',
      'logBucket',
      'databaseBucket',
      'serviceAccountIssuer',
      'accessKeys',
      'vpnTunnels',
      'imageRepositories',
      'imagePushRoleArn',
      'nodeTerminationQueueUrl',
      'vpnPresharedKeys',
      'analysis',
    ];
    expect(Object.keys(program).sort()).toEqual([...keys].sort());
    expect(await valueOf(program.apiEndpoint)).toBe('https://aws-api.elb.eu-central-1.amazonaws.com:6443');
    expect(await valueOf(program.controlPlaneIps)).toEqual(['10.10.64.10', '10.10.128.10', '10.10.192.10']);
    expect(await valueOf(program.nodesDeclared)).toBe(true);
    expect(await valueOf(program.vpnTunnels)).toEqual({
      tunnel1Address: '198.51.100.1',
      tunnel2Address: '198.51.100.2',
    });
    expect(await valueOf(program.logBucket)).toEqual({
      name: estate.logArchive.bucket,
      region: estate.logArchive.region,
      arn: `arn:aws:s3:::${estate.logArchive.bucket}`,
    });
    expect(await valueOf(program.securityGroupIds)).toEqual({
      controlPlane: group('aws-controlplane').id,
      worker: group('aws-worker').id,
      apiLoadBalancer: group('aws-api-lb').id,
    });
    for (const secret of [program.accessKeys, program.vpnPresharedKeys]) expect(await isSecret(secret)).toBe(true);
    for (const plain of [program.apiEndpoint, program.controlPlaneIps, program.vpnTunnels])
      expect(await isSecret(plain)).toBe(false);
    const key = (user: string) => ({ accessKeyId: `AccessKey-${user}`, secretAccessKey: 'mock-secret-access-key' });
    expect(await valueOf(program.accessKeys)).toEqual({
      'onprem-etcd-snapshot-writer': key('onprem-etcd-snapshot-writer'),
      'onprem-log-writer': key('onprem-log-writer'),
      'onprem-task-tracker-db': key('onprem-task-tracker-db'),
    });
    expect(Object.keys((await valueOf(program.roleArns)).irsa).sort()).toEqual([
      'cert-manager',
      'cluster-autoscaler',
      'ebs-csi-controller',
      'etcd-snapshot-writer',
      'log-writer',
      'node-termination-handler',
      'prometheus-remote-write',
      'task-tracker-db',
    ]);
  });
});

describe('pull-request preview role', () => {
  const role = () => recorder.one('aws:iam/role:Role', 'aws-pulumi-preview');
  const policy = () =>
    JSON.parse(
      recorder.ofType('aws:iam/rolePolicy:RolePolicy').find((r) => r.name === 'aws-pulumi-preview')!.inputs.policy,
    );
  /** Statements that could change something: an action that is not a read, or a read of anything but the state. */
  const writes = (document: { Statement: { Action: string | string[] }[] }) =>
    document.Statement.flatMap((s) => [s.Action].flat()).filter(
      (action) => !/^[a-z0-9]+:(Describe|Get|List)[A-Za-z]*$/.test(action) && action !== 'kms:Decrypt',
    );

  it("trusts GitHub's OIDC issuer for the STS audience", () => {
    expect(recorder.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'github-actions').inputs).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      clientIdLists: ['sts.amazonaws.com'],
    });
  });

  it('may be assumed only by pull-request runs of this repository, by exact subject', () => {
    const [statement, ...more] = JSON.parse(role().inputs.assumeRolePolicy).Statement;
    expect(more).toEqual([]);
    expect(statement).toEqual({
      Effect: 'Allow',
      Principal: {
        Federated: recorder.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'github-actions').state.arn,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': 'repo:acme/hybrid-gitops-platform:pull_request',
        },
      },
    });
    expect(role().inputs.maxSessionDuration).toBe(3600);
  });

  it('is read-only: the data sources, the state bucket and the stack secrets key, nothing else', () => {
    const state = 'acme-estate-pulumi-state';
    expect(policy().Statement).toEqual([
      expect.objectContaining({ Action: ['ec2:DescribeAvailabilityZones', 'ec2:DescribeImages'], Resource: '*' }),
      expect.objectContaining({ Action: 's3:ListBucket', Resource: `arn:aws:s3:::${state}` }),
      expect.objectContaining({ Action: 's3:GetObject', Resource: `arn:aws:s3:::${state}/*` }),
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-central-1:111122223333:key/00000000-0000-0000-0000-000000000000',
      }),
    ]);
    expect(writes(policy())).toEqual([]);
    // The check itself catches a write.
    expect(writes({ Statement: [...policy().Statement, { Action: ['s3:PutObject', 'kms:Encrypt'] }] })).toEqual([
      's3:PutObject',
      'kms:Encrypt',
    ]);
  });

  it('is exported for the repository variable the workflow reads', async () => {
    expect((await valueOf(program.roleArns)).pulumiPreview).toBe(role().state.arn);
  });
});

describe('KMS keys', () => {
  const account = cluster.accountId;
  const policyOf = (use: string) => JSON.parse(recorder.one('aws:kms/key:Key', `aws-${use}`).inputs.policy);
  const statement = (use: string, sid: string) => policyOf(use).Statement.find((s: any) => s.Sid === sid);

  it('rotate yearly, under the aliases the cluster names them by', () => {
    for (const use of ['telemetry', 'database', 'ebs']) {
      expect(recorder.one('aws:kms/key:Key', `aws-${use}`).inputs).toMatchObject({
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
      });
      expect(recorder.one('aws:kms/alias:Alias', `aws-${use}`).inputs.name).toBe(`alias/aws-${use}`);
    }
  });

  it('let the deployer administer them without using them, and give the account root nothing', () => {
    for (const use of ['telemetry', 'database', 'ebs']) {
      const admin = statement(use, 'KeyAdministration');
      expect(admin.Principal).toEqual({ AWS: `arn:aws:iam::${account}:user/deployer` });
      expect(admin.Action).not.toContain('kms:Decrypt');
      expect(JSON.stringify(policyOf(use))).not.toContain(':root');
    }
  });

  it('let only the log writers and the Athena users (analysts, Grafana, compaction) use the telemetry key', () => {
    expect(statement('telemetry', 'UseThroughService')).toEqual({
      Sid: 'UseThroughService',
      Effect: 'Allow',
      Principal: {
        AWS: [
          `arn:aws:iam::${account}:role/aws-etcd-snapshot-writer`,
          `arn:aws:iam::${account}:role/aws-log-writer`,
          `arn:aws:iam::${account}:user/onprem-etcd-snapshot-writer`,
          `arn:aws:iam::${account}:user/onprem-log-writer`,
          `arn:aws:iam::${account}:role/estate-analyst`,
          `arn:aws:iam::${account}:role/aws-grafana`,
          `arn:aws:iam::${account}:role/aws-parquet-compaction`,
        ],
      },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': `s3.${estate.logArchive.region}.amazonaws.com` } },
    });
  });

  it("let only the database's identities use the database key, through S3 of the stack's region", () => {
    expect(statement('database', 'UseThroughService')).toMatchObject({
      Principal: {
        AWS: [
          `arn:aws:iam::${account}:role/aws-task-tracker-db`,
          `arn:aws:iam::${account}:user/onprem-task-tracker-db`,
        ],
      },
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
    const encryption = recorder
      .ofType('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration')
      .find((r) => r.name === 'database-backups-encryption')!;
    expect(encryption.inputs.rules[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: 'aws:kms',
      kmsMasterKeyId: recorder.one('aws:kms/key:Key', 'aws-database').state.arn,
    });
  });

  it('let only Auto Scaling, the EBS CSI controller and the deployer use the EBS key, through EC2', () => {
    const users = [
      `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      `arn:aws:iam::${account}:role/aws-ebs-csi-controller`,
      `arn:aws:iam::${account}:user/deployer`,
    ];
    expect(statement('ebs', 'UseThroughService')).toMatchObject({
      Principal: { AWS: users },
      Condition: { StringEquals: { 'kms:ViaService': 'ec2.eu-central-1.amazonaws.com' } },
    });
    expect(statement('ebs', 'GrantsForAwsResources')).toMatchObject({
      Principal: { AWS: users },
      Action: 'kms:CreateGrant',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
  });
});

describe('policy pack over the declared stack', () => {
  it.each(policies.map((p) => p.name))('%s reports nothing', async (name) => {
    expect(await violations(name, asPolicyResources(recorder.resources))).toEqual([]);
  });
});
