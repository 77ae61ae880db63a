// VPC, subnets per AZ, internet and NAT gateways, route tables, the S3 gateway endpoint, and the site-to-site VPN to
// the on-prem cluster.
import * as aws from '@pulumi/aws';
import type { Settings } from './config';

export interface Network {
  vpc: aws.ec2.Vpc;
  publicSubnets: aws.ec2.Subnet[];
  privateSubnets: aws.ec2.Subnet[];
  vpn: aws.ec2.VpnConnection;
}

export function declareNetwork(settings: Settings, tags: Record<string, string>): Network {
  const name = settings.cluster.name;
  const named = (suffix: string) => ({ ...tags, Name: `${name}-${suffix}` });

  const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
    cidrBlock: settings.vpcCidr,
    enableDnsSupport: true,
    enableDnsHostnames: true,
    tags: named('vpc'),
  });
  const zones = aws.getAvailabilityZonesOutput({ state: 'available' });
  const availabilityZones = settings.privateSubnets.map((_, i) =>
    zones.names.apply((names) => {
      const zone = [...names].sort()[i];
      if (!zone)
        throw new Error(
          `${settings.region} has ${names.length} available AZs; network.azCount asks for ${settings.privateSubnets.length}`,
        );
      return zone;
    }),
  );

  const subnet = (tier: 'public' | 'private', cidrBlock: string, i: number) =>
    new aws.ec2.Subnet(`${name}-${tier}-${i}`, {
      vpcId: vpc.id,
      cidrBlock,
      availabilityZone: availabilityZones[i],
      mapPublicIpOnLaunch: false,
      // Tags that the AWS cloud controller reads to place Service load balancers.
      tags: {
        ...named(`${tier}-${i}`),
        [tier === 'public' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb']: '1',
      },
    });
  const publicSubnets = settings.publicSubnets.map((cidr, i) => subnet('public', cidr, i));
  const privateSubnets = settings.privateSubnets.map((cidr, i) => subnet('private', cidr, i));

  const internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named('igw') });
  const publicRouteTable = new aws.ec2.RouteTable(`${name}-public`, {
    vpcId: vpc.id,
    routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id }],
    tags: named('public'),
  });
  publicSubnets.forEach(
    (s, i) =>
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRouteTable.id }),
  );

  // `single` trades AZ independence of egress for the cost of one NAT gateway instead of one per AZ.
  const natCount = settings.natGateways === 'per-az' ? publicSubnets.length : 1;
  const natGateways = publicSubnets.slice(0, natCount).map((s, i) => {
    const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: 'vpc', tags: named(`nat-${i}`) });
    return new aws.ec2.NatGateway(
      `${name}-nat-${i}`,
      { subnetId: s.id, allocationId: eip.id, tags: named(`nat-${i}`) },
      { dependsOn: [internetGateway] },
    );
  });
  const privateRouteTables = privateSubnets.map((s, i) => {
    const table = new aws.ec2.RouteTable(`${name}-private-${i}`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', natGatewayId: natGateways[i % natCount]!.id }],
      tags: named(`private-${i}`),
    });
    new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: table.id });
    return table;
  });

  // Log export writes to S3 in this region (config.ts checks logArchive.region): through the NAT gateways every
  // byte would pay NAT data processing; a gateway endpoint costs nothing. Its default policy allows any bucket, as the
  // route takes all of the region's S3 traffic. No interface endpoints (STS, ECR): bootstrap/README.md "VPC endpoints".
  new aws.ec2.VpcEndpoint(`${name}-s3`, {
    vpcId: vpc.id,
    serviceName: `com.amazonaws.${settings.region}.s3`,
    vpcEndpointType: 'Gateway',
    routeTableIds: privateRouteTables.map((table) => table.id),
    tags: named('s3'),
  });

  const vpnGateway = new aws.ec2.VpnGateway(`${name}-vgw`, { vpcId: vpc.id, tags: named('vgw') });
  const customerGateway = new aws.ec2.CustomerGateway(`${name}-${settings.onPrem.name}-cgw`, {
    type: 'ipsec.1',
    ipAddress: settings.onPrem.vpnPeer.publicIp,
    bgpAsn: String(settings.onPrem.vpnPeer.bgpAsn),
    tags: named(`${settings.onPrem.name}-cgw`),
  });
  const vpn = new aws.ec2.VpnConnection(`${name}-${settings.onPrem.name}-vpn`, {
    type: 'ipsec.1',
    vpnGatewayId: vpnGateway.id,
    customerGatewayId: customerGateway.id,
    staticRoutesOnly: true,
    tags: named(`${settings.onPrem.name}-vpn`),
  });
  settings.vpnRoutes.forEach(
    (cidr, i) =>
      new aws.ec2.VpnConnectionRoute(`${name}-${settings.onPrem.name}-route-${i}`, {
        vpnConnectionId: vpn.id,
        destinationCidrBlock: cidr,
      }),
  );
  privateRouteTables.forEach(
    (table, i) =>
      new aws.ec2.VpnGatewayRoutePropagation(`${name}-vgw-private-${i}`, {
        vpnGatewayId: vpnGateway.id,
        routeTableId: table.id,
      }),
  );

  return { vpc, publicSubnets, privateSubnets, vpn };
}
