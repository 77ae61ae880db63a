// Least-privilege security groups per role. Every rule is its own resource, so tests and policies see each one.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { Talos } from '../../generators/model';
import type { Settings } from './config';
import { API_PORT } from './policy/conventions';

export const PORTS = {
  apid: 50000,
  trustd: 50001,
  etcd: [2379, 2380],
  kubelet: 10250,
  nodeExporter: 9100,
  /** kube-proxy's metrics, on the node address (bootstrap/talos/patches/controlplane.yaml). */
  kubeProxyMetrics: 10249,
} as const;

export interface SecurityGroups {
  controlPlane: aws.ec2.SecurityGroup;
  worker: aws.ec2.SecurityGroup;
  apiLoadBalancer: aws.ec2.SecurityGroup;
}

type Source = { cidr: string } | { role: string; group: aws.ec2.SecurityGroup };

interface Rule {
  description: string;
  protocol: 'tcp' | 'udp';
  ports: readonly [number, number] | number;
  from: Source[];
}

/**
 * What each CNI of the model (talos.cni) needs between all nodes. Calico as bootstrap/talos installs it: VXLAN without
 * BGP, and Typha, which the operator always runs and every calico-node connects to. KubeSpan (51820/udp) is off: the
 * VPN links the sites.
 */
const CNI_PORTS: Record<Talos['cni']['name'], Omit<Rule, 'from'>[]> = {
  calico: [
    { description: 'calico-vxlan', protocol: 'udp', ports: 4789 },
    { description: 'calico-typha', protocol: 'tcp', ports: 5473 },
  ],
};

export function declareSecurityGroups(
  settings: Settings,
  vpcId: pulumi.Input<string>,
  tags: Record<string, string>,
): SecurityGroups {
  const name = settings.cluster.name;
  const group = (role: string, description: string) =>
    new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId, description, tags: { ...tags, Name: `${name}-${role}` } });
  const controlPlane = group('controlplane', 'Talos control-plane nodes');
  const worker = group('worker', 'Talos worker nodes');
  const apiLoadBalancer = group('api-lb', `Kubernetes API load balancer (TCP ${API_PORT})`);

  const cidrs = (list: string[]): Source[] => list.map((cidr) => ({ cidr }));
  const fromControlPlane: Source = { role: 'controlplane', group: controlPlane };
  const fromWorker: Source = { role: 'worker', group: worker };
  const fromApiLoadBalancer: Source = { role: 'api-lb', group: apiLoadBalancer };
  const nodes = [fromControlPlane, fromWorker];
  const cniRules: Rule[] = CNI_PORTS[settings.cluster.talos.cni.name].map((rule) => ({ ...rule, from: nodes }));
  // From nodes, not only the API servers: Prometheus (kube-prometheus-stack) and metrics agents run on the workers and
  // scrape every node's kubelet and cAdvisor, and node-exporter and kube-proxy on every node's host network.
  const scrapedRules: Rule[] = [
    { description: 'kubelet', protocol: 'tcp', ports: PORTS.kubelet, from: nodes },
    { description: 'node-exporter', protocol: 'tcp', ports: PORTS.nodeExporter, from: nodes },
    { description: 'kube-proxy-metrics', protocol: 'tcp', ports: PORTS.kubeProxyMetrics, from: nodes },
  ];
  const ingress = (target: aws.ec2.SecurityGroup, role: string, rules: Rule[]) =>
    rules.forEach((rule) =>
      rule.from.forEach((source) => {
        const [fromPort, toPort] = typeof rule.ports === 'number' ? [rule.ports, rule.ports] : rule.ports;
        const sourceName = 'cidr' in source ? source.cidr.replace(/[./]/g, '-') : source.role;
        new aws.vpc.SecurityGroupIngressRule(`${name}-${role}-${rule.description}-from-${sourceName}`, {
          securityGroupId: target.id,
          description: rule.description,
          ipProtocol: rule.protocol,
          fromPort,
          toPort,
          ...('cidr' in source ? { cidrIpv4: source.cidr } : { referencedSecurityGroupId: source.group.id }),
          tags,
        });
      }),
    );

  ingress(controlPlane, 'controlplane', [
    {
      description: 'apid',
      protocol: 'tcp',
      ports: PORTS.apid,
      from: [...cidrs(settings.adminCidrs), fromControlPlane],
    },
    { description: 'trustd', protocol: 'tcp', ports: PORTS.trustd, from: [fromWorker] },
    { description: 'etcd', protocol: 'tcp', ports: PORTS.etcd, from: [fromControlPlane] },
    // Nodes reach the API servers directly for the `kubernetes` Service (its endpoints are the node IPs).
    { description: 'kube-apiserver', protocol: 'tcp', ports: API_PORT, from: [fromApiLoadBalancer, ...nodes] },
    ...scrapedRules,
    ...cniRules,
  ]);
  ingress(worker, 'worker', [
    {
      description: 'apid',
      protocol: 'tcp',
      ports: PORTS.apid,
      from: [...cidrs(settings.adminCidrs), fromControlPlane],
    },
    ...scrapedRules,
    ...cniRules,
  ]);
  ingress(apiLoadBalancer, 'api-lb', [
    {
      description: 'kube-apiserver',
      protocol: 'tcp',
      ports: API_PORT,
      from: [...cidrs(settings.publicApi ? ['0.0.0.0/0'] : settings.vpnRoutes), ...nodes],
    },
  ]);

  const egress = (
    target: aws.ec2.SecurityGroup,
    role: string,
    args: Omit<aws.vpc.SecurityGroupEgressRuleArgs, 'securityGroupId'>,
  ) => new aws.vpc.SecurityGroupEgressRule(`${name}-${role}-egress`, { securityGroupId: target.id, tags, ...args });
  // Nodes pull images, call AWS APIs, write to S3 and reach on-prem over the VPN.
  egress(controlPlane, 'controlplane', { description: 'all', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' });
  egress(worker, 'worker', { description: 'all', ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' });
  egress(apiLoadBalancer, 'api-lb', {
    description: 'kube-apiserver',
    ipProtocol: 'tcp',
    fromPort: API_PORT,
    toPort: API_PORT,
    referencedSecurityGroupId: controlPlane.id,
  });

  return { controlPlane, worker, apiLoadBalancer };
}
