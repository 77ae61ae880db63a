// The Kubernetes API endpoint: a network load balancer on TCP 6443 with only the control planes as targets. Its own
// DNS name is the endpoint, with no Route 53 name on top: bootstrap/README.md "API name and DNS".
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Settings } from './config';
import type { Network } from './network';
import { API_PORT } from './policy/conventions';
import type { SecurityGroups } from './security-groups';

export interface ApiLoadBalancer {
  loadBalancer: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
  endpoint: pulumi.Output<string>;
}

export function declareApiLoadBalancer(
  settings: Settings,
  network: Network,
  groups: SecurityGroups,
  tags: Record<string, string>,
): ApiLoadBalancer {
  const name = settings.cluster.name;
  const loadBalancer = new aws.lb.LoadBalancer(`${name}-api`, {
    loadBalancerType: 'network',
    internal: !settings.publicApi,
    subnets: (settings.publicApi ? network.publicSubnets : network.privateSubnets).map((s) => s.id),
    securityGroups: [groups.apiLoadBalancer.id],
    enableCrossZoneLoadBalancing: true,
    tags,
  });
  const targetGroup = new aws.lb.TargetGroup(`${name}-api`, {
    vpcId: network.vpc.id,
    port: API_PORT,
    protocol: 'TCP',
    targetType: 'instance',
    // Without this, a control plane that reaches the API through the NLB can be sent to itself and the reply is lost.
    preserveClientIp: 'false',
    healthCheck: {
      protocol: 'HTTPS',
      port: String(API_PORT),
      path: '/readyz',
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      interval: 10,
    },
    tags,
  });
  new aws.lb.Listener(`${name}-api`, {
    loadBalancerArn: loadBalancer.arn,
    port: API_PORT,
    protocol: 'TCP',
    defaultActions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
    tags,
  });
  return { loadBalancer, targetGroup, endpoint: pulumi.interpolate`https://${loadBalancer.dnsName}:${API_PORT}` };
}
