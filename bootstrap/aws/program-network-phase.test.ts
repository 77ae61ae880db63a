// The first `pulumi up`, before the Talos scripts have set machine configs, on the cost options: two AZs, a single
// NAT gateway, one control plane, and an internet-facing API.
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT } from './config';
import { asPolicyResources, installMocks, settled, stackFileConfig, valueOf, type Recorder } from './mocks';
import { violations } from './policy/harness';
import { policies } from './policy/rules';

let recorder: Recorder;
let program: typeof import('./index');

beforeAll(async () => {
  const config = stackFileConfig('aws');
  const network = JSON.parse(config[`${PROJECT}:network`]!);
  const nodes = JSON.parse(config[`${PROJECT}:nodes`]!);
  recorder = installMocks('aws', {
    ...config,
    [`${PROJECT}:network`]: JSON.stringify({
      ...network,
      azCount: 2,
      natGateways: 'single',
      publicSubnets: network.publicSubnets.slice(0, 2),
      privateSubnets: network.privateSubnets.slice(0, 2),
    }),
    [`${PROJECT}:nodes`]: JSON.stringify({ ...nodes, controlPlane: { ...nodes.controlPlane, count: 1 } }),
    [`${PROJECT}:publicApi`]: 'true',
  });
  program = await import('./index');
  await settled();
});

describe('network phase with the cost options', () => {
  it('declares two AZs sharing one NAT gateway', () => {
    expect(recorder.ofType('aws:ec2/subnet:Subnet')).toHaveLength(4);
    const nats = recorder.ofType('aws:ec2/natGateway:NatGateway');
    expect(nats).toHaveLength(1);
    const privateRoutes = [0, 1].map(
      (i) => recorder.one('aws:ec2/routeTable:RouteTable', `aws-private-${i}`).inputs.routes[0].natGatewayId,
    );
    expect(privateRoutes).toEqual([nats[0]!.id, nats[0]!.id]);
  });

  it('issue 23 defect 6: puts the S3 gateway endpoint on both private route tables from the first run', () => {
    const [endpoint, ...more] = recorder.ofType('aws:ec2/vpcEndpoint:VpcEndpoint');
    expect(more).toEqual([]);
    const tables = [0, 1].map((i) => recorder.one('aws:ec2/routeTable:RouteTable', `aws-private-${i}`).id);
    expect(endpoint!.inputs).toMatchObject({ vpcEndpointType: 'Gateway', routeTableIds: tables });
  });

  it('declares no node, launch template or ASG until the machine configs exist', async () => {
    const nodeTypes = ['aws:ec2/instance:Instance', 'aws:ec2/launchTemplate:LaunchTemplate'];
    for (const type of [...nodeTypes, 'aws:autoscaling/group:Group']) expect(recorder.ofType(type)).toEqual([]);
    expect(await valueOf(program.nodesDeclared)).toBe(false);
    expect(await valueOf(program.controlPlaneIps)).toEqual(['10.10.64.10']);
  });

  it('creates the issuer distribution, whose URL the model needs, but publishes no OIDC document before gen-config', async () => {
    expect(recorder.ofType('aws:cloudfront/distribution:Distribution')).toHaveLength(1);
    expect(recorder.ofType('aws:s3/bucketObjectv2:BucketObjectv2')).toEqual([]);
    expect(await valueOf(program.serviceAccountIssuer)).toMatch(/^https:\/\/[a-z0-9]+\.cloudfront\.net$/);
  });

  it('puts the API load balancer in the public subnets and opens only its 6443 listener to the internet', () => {
    const [lb] = recorder.ofType('aws:lb/loadBalancer:LoadBalancer');
    const publicSubnets = recorder.ofType('aws:ec2/subnet:Subnet').filter((s) => s.name.includes('-public-'));
    expect(lb!.inputs).toMatchObject({ internal: false, subnets: publicSubnets.map((s) => s.id) });
    const world = recorder
      .ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .filter((r) => r.inputs.cidrIpv4 === '0.0.0.0/0')
      .map((r) => r.name);
    expect(world).toEqual(['aws-api-lb-kube-apiserver-from-0-0-0-0-0']);
  });

  it.each(policies.map((p) => p.name))(
    'passes %s, the public listener being the one allowed exception',
    async (name) => {
      expect(await violations(name, asPolicyResources(recorder.resources))).toEqual([]);
    },
  );

  it('the exception holds only while the load balancer is internet-facing', async () => {
    const resources = asPolicyResources(recorder.resources);
    resources.find((r) => r.type === 'aws:lb/loadBalancer:LoadBalancer')!.props.internal = true;
    expect(await violations('sg-no-world-ingress', resources)).toEqual([
      expect.stringContaining('aws-api-lb-kube-apiserver-from-0-0-0-0-0'),
    ]);
  });
});
