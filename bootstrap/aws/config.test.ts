import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { Estate, MetalCluster } from '../../generators/model';
import { versions } from '../../generators/versions';
import { ConfigError, loadSettings, PROJECT, readStackConfig, USER_DATA_LIMIT_BYTES, type StackConfig } from './config';
import { MACHINE_CONFIGS, stackFileConfig } from './mocks.testkit';
import { AWS_SCHEMATIC_ID } from '../talos/schematic';

/** The committed Pulumi.aws.yaml, read the way the program reads it. */
function committed(): StackConfig {
  return readStackConfig(stackFileConfig('aws'));
}

function problemsOf(raw: StackConfig, model: Estate = estate, stack = 'aws', region = 'eu-central-1'): string[] {
  try {
    loadSettings(stack, region, raw, model);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

function withNetwork(change: Record<string, unknown>): StackConfig {
  const raw = committed();
  return { ...raw, network: { ...(raw.network as object), ...change } };
}

function withNodes(change: (nodes: any) => void): StackConfig {
  const raw = committed();
  const nodes = structuredClone(raw.nodes) as any;
  change(nodes);
  return { ...raw, nodes };
}

function withAwsNetwork(change: Partial<Estate['clusters'][number]['network']>): Estate {
  return {
    ...estate,
    clusters: estate.clusters.map((c) => (c.name === 'aws' ? { ...c, network: { ...c.network, ...change } } : c)),
  };
}

describe('loadSettings on the committed stack', () => {
  it('joins the cluster model and Pulumi.aws.yaml', () => {
    const settings = loadSettings('aws', 'eu-central-1', committed(), estate);
    expect(settings).toMatchObject({
      vpcCidr: '10.10.0.0/16',
      publicSubnets: ['10.10.0.0/20', '10.10.16.0/20', '10.10.32.0/20'],
      privateSubnets: ['10.10.64.0/18', '10.10.128.0/18', '10.10.192.0/18'],
      vpnRoutes: ['10.30.0.0/24', '10.50.0.0/24'],
      onPrem: { name: 'onprem', vpnPeer: { publicIp: '203.0.113.10', bgpAsn: 65010 } },
      logArchive: estate.logArchive,
      controlPlane: { privateIps: ['10.10.64.10', '10.10.128.10', '10.10.192.10'] },
      talos: { version: versions.talos, amiName: `talos-v${versions.talos}-${AWS_SCHEMATIC_ID.slice(0, 12)}-amd64` },
      talosOutDir: 'bootstrap/talos/out/aws',
      machineConfigs: undefined,
    });
  });

  it('accepts both machine configs as text', () => {
    const settings = loadSettings('aws', 'eu-central-1', { ...committed(), ...MACHINE_CONFIGS }, estate);
    expect(settings.machineConfigs).toEqual({
      controlPlane: MACHINE_CONFIGS.talosControlPlaneConfig,
      worker: MACHINE_CONFIGS.talosWorkerConfig,
    });
  });
});

describe('invalid configuration fails with the file, the object and the field', () => {
  it.each<[string, () => string[], string]>([
    [
      'a stack that is no aws cluster',
      () => problemsOf(committed(), estate, 'onprem'),
      'Pulumi.onprem.yaml: the stack name must be an aws cluster of generators/estate/clusters.ts (one of aws), got "onprem"',
    ],
    [
      'aws:region off the model',
      () => problemsOf(committed(), estate, 'aws', 'us-east-1'),
      'aws:region must be the region of cluster "aws" in generators/estate/clusters.ts (eu-central-1), got "us-east-1"',
    ],
    [
      'no preview settings',
      () => problemsOf({ ...committed(), preview: undefined }),
      'Pulumi.aws.yaml: aws-bootstrap:preview is missing',
    ],
    [
      'a preview state bucket that is no bucket name',
      () => problemsOf({ ...committed(), preview: { ...(committed().preview as object), stateBucket: 'S3://State' } }),
      'Pulumi.aws.yaml: aws-bootstrap:preview.stateBucket "S3://State" is not an S3 bucket name',
    ],
    [
      "a secrets key of another account than the model's",
      () =>
        problemsOf({
          ...committed(),
          preview: {
            ...(committed().preview as object),
            secretsKeyArn: 'arn:aws:kms:eu-central-1:999999999999:key/00000000-0000-0000-0000-000000000000',
          },
        }),
      'is not a KMS key ARN in eu-central-1 of account 111122223333',
    ],
    [
      'a VPC overlapping the pod CIDR',
      () => problemsOf(committed(), withAwsNetwork({ podCidr: '10.10.128.0/17' })),
      'generators/estate/clusters.ts: cluster "aws" network.nodeCidr (the VPC, 10.10.0.0/16) overlaps its network.podCidr 10.10.128.0/17',
    ],
    [
      'a VPC overlapping the service CIDR',
      () => problemsOf(committed(), withAwsNetwork({ serviceCidr: '10.10.0.0/24' })),
      'overlaps its network.serviceCidr 10.10.0.0/24',
    ],
    [
      'a VPC overlapping the on-prem node CIDR',
      () =>
        problemsOf(committed(), {
          ...estate,
          clusters: estate.clusters.map((c) =>
            c.name === 'onprem' ? { ...c, network: { ...c.network, nodeCidr: '10.10.250.0/24' } } : c,
          ),
        }),
      'overlaps the on-prem node CIDR 10.10.250.0/24 of cluster "onprem"',
    ],
    [
      'a bad CIDR',
      () => problemsOf(withNetwork({ publicSubnets: ['10.10.0.0/20', '10.10.16.1/20', '10.10.32.0/20'] })),
      `Pulumi.aws.yaml: ${PROJECT}:network.publicSubnets[1] "10.10.16.1/20" is not an IPv4 CIDR with zero host bits`,
    ],
    [
      'fewer than two AZs',
      () => problemsOf(withNetwork({ azCount: 1 })),
      `${PROJECT}:network.azCount must be at least 2 for a highly available control plane, got 1`,
    ],
    [
      'a subnet list that does not match the AZ count',
      () => problemsOf(withNetwork({ azCount: 2 })),
      `${PROJECT}:network.publicSubnets must list one subnet per AZ (2), got 3`,
    ],
    [
      'a subnet outside the VPC',
      () => problemsOf(withNetwork({ privateSubnets: ['10.10.64.0/18', '10.10.128.0/18', '10.11.0.0/18'] })),
      `${PROJECT}:network.privateSubnets[2] 10.11.0.0/18 is outside the VPC 10.10.0.0/16`,
    ],
    [
      'overlapping subnets',
      () => problemsOf(withNetwork({ privateSubnets: ['10.10.0.0/18', '10.10.128.0/18', '10.10.192.0/18'] })),
      `${PROJECT}:network.privateSubnets[0] 10.10.0.0/18 overlaps network.publicSubnets[0] 10.10.0.0/20`,
    ],
    [
      'an unknown NAT option',
      () => problemsOf(withNetwork({ natGateways: 'none' })),
      `${PROJECT}:network.natGateways must be one of per-az, single, got "none"`,
    ],
    [
      'an even control-plane count',
      () => problemsOf(withNodes((n) => (n.controlPlane.count = 2))),
      `${PROJECT}:nodes.controlPlane.count must be odd so etcd keeps a quorum, got 2`,
    ],
    [
      'more control planes than AZs',
      () => problemsOf(withNodes((n) => (n.controlPlane.count = 5))),
      `${PROJECT}:nodes.controlPlane.count (5) must not exceed network.azCount (3): one control plane per AZ`,
    ],
    [
      'a control-plane address AWS reserves',
      () => problemsOf(withNodes((n) => (n.controlPlane.hostNumber = 2))),
      `${PROJECT}:nodes.controlPlane.hostNumber must be at least 4, got 2`,
    ],
    [
      'ASG min above max',
      () => problemsOf(withNodes((n) => Object.assign(n.workers, { min: 5, max: 3, desired: 4 }))),
      `${PROJECT}:nodes.workers min (5) must not exceed max (3)`,
    ],
    [
      'ASG desired outside min..max',
      () => problemsOf(withNodes((n) => (n.workers.desired = 11))),
      `${PROJECT}:nodes.workers.desired (11) must lie between min (2) and max (10)`,
    ],
    [
      'ASG max beyond the node addresses of the private subnets',
      () =>
        problemsOf(
          withNodes((n) => Object.assign(n.workers, { max: 50_000 })),
          estate,
        ),
      `${PROJECT}:nodes.workers.max (50000) plus 3 control planes exceeds the 49137 node addresses of network.privateSubnets`,
    ],
    [
      'a Spot share above 100 %',
      () => problemsOf(withNodes((n) => (n.workers.spotShare = 120))),
      `${PROJECT}:nodes.workers.spotShare is a percentage of 0 to 100, got 120`,
    ],
    [
      'a negative Spot share',
      () => problemsOf(withNodes((n) => (n.workers.spotShare = -5))),
      `${PROJECT}:nodes.workers.spotShare must be at least 0, got -5`,
    ],
    [
      'an on-demand base above max',
      () => problemsOf(withNodes((n) => (n.workers.onDemandBase = 11))),
      `${PROJECT}:nodes.workers.onDemandBase (11) must not exceed max (10)`,
    ],
    [
      'a worker type of an unknown family',
      () => problemsOf(withNodes((n) => (n.workers.instanceTypes = ['m7i.xlarge', 'x9z.xlarge']))),
      `${PROJECT}:nodes.workers.instanceTypes[1] "x9z.xlarge" is of an unknown instance family (known: m5, m5a,`,
    ],
    [
      'worker families of different memory per vCPU',
      () => problemsOf(withNodes((n) => (n.workers.instanceTypes = ['m7i.xlarge', 'c7i.xlarge']))),
      `${PROJECT}:nodes.workers.instanceTypes mixes m7i.xlarge (4 vCPU, 16 GiB, amd64) with c7i.xlarge (4 vCPU, 8 GiB, amd64)`,
    ],
    [
      'worker types of different sizes',
      () => problemsOf(withNodes((n) => (n.workers.instanceTypes = ['m7i.xlarge', 'm6i.2xlarge']))),
      `${PROJECT}:nodes.workers.instanceTypes mixes m7i.xlarge (4 vCPU, 16 GiB, amd64) with m6i.2xlarge (8 vCPU, 32 GiB, amd64)`,
    ],
    [
      'a worker type of the other architecture',
      () => problemsOf(withNodes((n) => (n.workers.instanceTypes = ['m7i.xlarge', 'm7g.xlarge']))),
      `${PROJECT}:nodes.workers.instanceTypes[1] m7g.xlarge is arm64, but nodes.arch is amd64 (the Talos AMI's)`,
    ],
    [
      'no worker types',
      () => problemsOf(withNodes((n) => (n.workers.instanceTypes = []))),
      `${PROJECT}:nodes.workers.instanceTypes must be a non-empty list of EC2 instance types, got []`,
    ],
    [
      'the internet as an admin CIDR',
      () => problemsOf({ ...committed(), adminCidrs: ['0.0.0.0/0'] }),
      `${PROJECT}:adminCidrs[0] 0.0.0.0/0 is not a private range`,
    ],
    [
      'an unknown on-prem cluster',
      () => problemsOf({ ...committed(), onPremCluster: 'aws' }),
      `${PROJECT}:onPremCluster must name a metal cluster of generators/estate/clusters.ts, got "aws"`,
    ],
    [
      'an on-prem cluster without a VPN peer',
      () =>
        problemsOf(committed(), {
          ...estate,
          clusters: estate.clusters.map((c) =>
            c.name === 'onprem' ? ({ ...c, vpnPeer: undefined } as MetalCluster) : c,
          ),
        }),
      'generators/estate/clusters.ts: cluster "onprem" vpnPeer is missing',
    ],
    [
      'a log bucket in another region',
      () => problemsOf(committed(), { ...estate, logArchive: { ...estate.logArchive, region: 'eu-west-1' } }),
      'generators/estate/clusters.ts: logArchive.region (eu-west-1) must be the region of cluster "aws"',
    ],
    [
      'one machine config without the other',
      () => problemsOf({ ...committed(), talosWorkerConfig: MACHINE_CONFIGS.talosWorkerConfig }),
      `${PROJECT}:talosControlPlaneConfig is missing: set both machine configs`,
    ],
    [
      'swapped machine configs',
      () =>
        problemsOf({
          ...committed(),
          talosControlPlaneConfig: MACHINE_CONFIGS.talosWorkerConfig,
          talosWorkerConfig: MACHINE_CONFIGS.talosWorkerConfig,
        }),
      `${PROJECT}:talosControlPlaneConfig must be a Talos machine config of machine.type controlplane, got worker`,
    ],
    [
      'user-data above 16 KB',
      () =>
        problemsOf({
          ...committed(),
          ...MACHINE_CONFIGS,
          talosWorkerConfig: MACHINE_CONFIGS.talosWorkerConfig + `# ${'x'.repeat(USER_DATA_LIMIT_BYTES)}\n`,
        }),
      `${PROJECT}:talosWorkerConfig is ${MACHINE_CONFIGS.talosWorkerConfig.length + USER_DATA_LIMIT_BYTES + 3} bytes; EC2 user-data is limited to 16384`,
    ],
    ['a missing section', () => problemsOf({ ...committed(), nodes: undefined }), `${PROJECT}:nodes is missing`],
    [
      'the retired issuer key (the model has it)',
      () => problemsOf({ ...committed(), serviceAccountIssuer: 'https://oidc.aws.acme.example' } as StackConfig),
      `${PROJECT}:serviceAccountIssuer is not a known setting`,
    ],
    [
      'an empty Talos output folder',
      () => problemsOf({ ...committed(), talosOutDir: '' }),
      `${PROJECT}:talosOutDir must be a non-empty string, got ""`,
    ],
    [
      'the retired log-writer section',
      () => problemsOf({ ...committed(), logWriter: { namespace: 'logging' } } as StackConfig),
      `${PROJECT}:logWriter is not a known setting`,
    ],
    [
      'issue 23 defect 7: the retired private-zone key',
      () => problemsOf({ ...committed(), privateZone: true } as StackConfig),
      `${PROJECT}:privateZone is not a known setting`,
    ],
    [
      'a misspelt key',
      () => problemsOf({ ...committed(), natGateways: 'single' } as StackConfig),
      `${PROJECT}:natGateways is not a known setting (known: onPremCluster, network,`,
    ],
    [
      'a misspelt nested key',
      () => problemsOf(withNodes((n) => (n.workers.maximum = 10))),
      `${PROJECT}:nodes.workers.maximum is not a known setting (known: instanceTypes, min, max, desired, onDemandBase, spotShare)`,
    ],
    [
      'no grafana settings',
      () => problemsOf({ ...committed(), grafana: undefined }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana is missing',
    ],
    [
      'a grafana authentication that is neither Identity Center nor SAML',
      () => problemsOf({ ...committed(), grafana: { authentication: 'LDAP', adminGroupIds: [] } }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.authentication must be one of AWS_SSO, SAML, got "LDAP"',
    ],
    [
      'Identity Center sign-in without admin groups',
      () => problemsOf({ ...committed(), grafana: { authentication: 'AWS_SSO' } }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.adminGroupIds must be a non-empty list, got undefined',
    ],
    [
      'an admin group that is no Identity Center group id',
      () => problemsOf({ ...committed(), grafana: { authentication: 'AWS_SSO', adminGroupIds: ['admins'] } }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.adminGroupIds[0] "admins" is not an IAM Identity Center group id',
    ],
    [
      'SAML sign-in without the identity provider',
      () => problemsOf({ ...committed(), grafana: { authentication: 'SAML' } }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.saml is missing',
    ],
    [
      'SAML metadata over plain HTTP',
      () =>
        problemsOf({
          ...committed(),
          grafana: {
            authentication: 'SAML',
            saml: { idpMetadataUrl: 'http://idp.example/metadata', roleAssertion: 'role', adminRoleValues: ['admin'] },
          },
        }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.saml.idpMetadataUrl "http://idp.example/metadata" is not an https URL',
    ],
    [
      'SAML settings beside Identity Center sign-in',
      () =>
        problemsOf({
          ...committed(),
          grafana: { ...(committed().grafana as object), saml: { idpMetadataUrl: 'https://idp.example/m' } },
        }),
      'Pulumi.aws.yaml: aws-bootstrap:grafana.saml is for authentication SAML, not AWS_SSO',
    ],
  ])('%s', (_, problems, message) => {
    expect(problems()).toContainEqual(expect.stringContaining(message));
  });

  it('takes SAML sign-in with its identity provider', () => {
    const saml = { idpMetadataUrl: 'https://idp.example/metadata', roleAssertion: 'role', adminRoleValues: ['admin'] };
    const settings = loadSettings(
      'aws',
      'eu-central-1',
      { ...committed(), grafana: { authentication: 'SAML', saml } },
      estate,
    );
    expect(settings.grafana).toEqual({ provider: 'SAML', ...saml });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ ...withNetwork({ azCount: 1 }), adminCidrs: ['0.0.0.0/0'] });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(() => loadSettings('aws', 'eu-central-1', withNetwork({ azCount: 1 }), estate)).toThrow(
      /^invalid bootstrap\/aws configuration:\n {2}- Pulumi\.aws\.yaml: /,
    );
  });
});
