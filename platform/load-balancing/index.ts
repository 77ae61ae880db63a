// Load balancing: whatever gives Services of type LoadBalancer an address, as the model's `ingress.loadBalancer` says.
// `metallb`: MetalLB in layer-2 mode, handing out only the addresses the model assigns from `loadBalancerPool`.
// `aws-nlb`: the AWS cloud controller manager, which creates an NLB per Service and deletes Nodes of ended instances.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AwsCluster, MetalCluster } from '../../generators/clusters';
import type { Component, RenderContext } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { cidrPeers, componentNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { validateLoadBalancing, type LoadBalancingValues } from './values';

export type { LoadBalancingValues } from './values';

export const NAMESPACE = 'load-balancing';
/** The annotation by which a Service asks MetalLB for one address of the pool. */
export const METALLB_ADDRESS_ANNOTATION = 'metallb.universe.tf/loadBalancerIPs';
/** Annotations by which a Service asks the AWS cloud controller manager for a network load balancer. */
export const AWS_NLB_ANNOTATIONS = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
  'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
} as const;
export const POOL_NAME = 'node-network';
/** MetalLB's admission webhook, which the API server (on the nodes) calls. */
const METALLB_WEBHOOK_PORT = 9443;

const small = (cpu: string, memory: string, limit: string) => ({ requests: { cpu, memory }, limits: { memory: limit } });

function metallb(ctx: RenderContext, cluster: MetalCluster, values: LoadBalancingValues): void {
  const controllers = ctx.chart('platform-controllers');
  networkPolicy(controllers, NAMESPACE, 'allow-webhook-from-apiserver', {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'metallb', 'app.kubernetes.io/component': 'controller' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: METALLB_WEBHOOK_PORT }] }],
  });
  helmRepository(controllers, 'metallb', { namespace: NAMESPACE, url: 'https://metallb.github.io/metallb' });
  helmRelease(controllers, 'metallb', {
    namespace: NAMESPACE,
    chart: 'metallb',
    version: versions.metallb,
    repository: 'metallb',
    values: {
      crds: { enabled: true },
      controller: { resources: small('25m', '64Mi', '128Mi') },
      // Layer 2 only: the FRR (BGP) sidecars stay out.
      speaker: { resources: small('25m', '64Mi', '128Mi'), frr: { enabled: false } },
    },
  });

  const configs = ctx.chart('platform-configs');
  const { first, last } = cluster.loadBalancerPool;
  new ApiObject(configs, 'ipaddresspool', {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: POOL_NAME, namespace: NAMESPACE },
    // Every address is assigned in the model, so no Service takes one that another was promised.
    spec: { addresses: [`${first}-${last}`], autoAssign: false },
  });
  new ApiObject(configs, 'l2advertisement', {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: POOL_NAME, namespace: NAMESPACE },
    spec: { ipAddressPools: [POOL_NAME], interfaces: values.interfaces },
  });
}

/** The chart's service account; it also names the account in the RoleBinding below. */
const CCM_SERVICE_ACCOUNT = 'cloud-controller-manager';

function awsCloudControllerManager(scope: Construct, cluster: AwsCluster): void {
  // Delegated authentication reads kube-system's extension-apiserver-authentication ConfigMap. The chart binds its Role
  // in the release namespace, where that Role does not exist, so the binding is declared here, next to the Role.
  new ApiObject(scope, 'rolebinding-ccm-authentication-reader', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${CCM_SERVICE_ACCOUNT}-authentication-reader`, namespace: 'kube-system' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
    subjects: [{ kind: 'ServiceAccount', name: CCM_SERVICE_ACCOUNT, namespace: NAMESPACE }],
  });
  helmRepository(scope, 'cloud-provider-aws', { namespace: NAMESPACE, url: 'https://kubernetes.github.io/cloud-provider-aws' });
  helmRelease(scope, 'aws-cloud-controller-manager', {
    namespace: NAMESPACE,
    chart: 'aws-cloud-controller-manager',
    version: versions.awsCloudControllerManagerChart,
    repository: 'cloud-provider-aws',
    values: {
      namespace: NAMESPACE,
      serviceAccountName: CCM_SERVICE_ACCOUNT,
      image: { tag: `v${versions.awsCloudControllerManager}` },
      // Credentials come from the control planes' instance profile; IMDSv2 with hop limit 1 answers the host network only.
      hostNetworking: true,
      // Tags the NLBs with the cluster name; Calico's VXLAN carries pod traffic, so the VPC route tables stay untouched.
      args: ['--v=2', '--cloud-provider=aws', `--cluster-name=${cluster.name}`, '--configure-cloud-routes=false'],
      resources: small('100m', '128Mi', '256Mi'),
      podSecurityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    },
  });
}

export const loadBalancing: Component<LoadBalancingValues> = {
  name: 'load-balancing',
  version: versions.metallb,
  validate: validateLoadBalancing,
  render(ctx, values) {
    const { cluster } = ctx;
    const controllers = ctx.chart('platform-controllers');
    // MetalLB's speaker and the cloud controller manager run on the host network (see the policy allow-list).
    componentNamespace(controllers, cluster, NAMESPACE, 'privileged');
    // The model check ties each provider to its load balancer: metal to metallb, aws to aws-nlb.
    if (cluster.ingress.loadBalancer === 'metallb') metallb(ctx, cluster as MetalCluster, values);
    else awsCloudControllerManager(controllers, cluster as AwsCluster);
  },
};
