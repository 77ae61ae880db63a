// Load balancing on `metallb` clusters: MetalLB in layer-2 mode, handing out only the addresses the model assigns from
// `loadBalancerPool`. On `aws-nlb` clusters the AWS cloud controller manager, which Talos installs at bootstrap
// (bootstrap/talos/cloud-controller-manager.ts), creates an NLB per LoadBalancer Service; this component is not
// enabled.
import { ApiObject } from 'cdk8s';
import type { MetalCluster } from '../../generators/model';
import type { Component, RenderContext } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { componentNamespace, fromApiServer, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';
import { LOAD_BALANCING_KEYS, validateLoadBalancing, type LoadBalancingValues } from './values';

export type { LoadBalancingValues } from './values';

export const NAMESPACE = 'load-balancing';
export const POOL_NAME = 'node-network';
/** MetalLB's admission webhook, which the API server (on the nodes) calls. */
const METALLB_WEBHOOK_PORT = 9443;

const small = (cpu: string, memory: string, limit: string) => ({
  requests: { cpu, memory },
  limits: { memory: limit },
});
/** The chart's images carry the pinned chart's own tag, so a node never needs to pull them again. */
const PINNED_PULL = { pullPolicy: 'IfNotPresent' };
/**
 * The speaker, as charts/metallb/templates/speaker.yaml of go.universe.tf/metallb v0.15.2 renders it: host network,
 * NET_RAW, no user set; its image (speaker/Dockerfile) is distroless/static, which runs as root, without setcap.
 */
const SPEAKER = `DaemonSet/${NAMESPACE}/metallb-speaker`;
const SPEAKER_ARP = 'the speaker answers ARP for Service addresses on the node network';

function metallb(ctx: RenderContext, cluster: MetalCluster, values: LoadBalancingValues): void {
  const controllers = ctx.chart('platform-controllers');
  networkPolicy(controllers, NAMESPACE, 'allow-webhook-from-apiserver', {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'metallb', 'app.kubernetes.io/component': 'controller' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: METALLB_WEBHOOK_PORT }] }],
  });
  helmRepository(controllers, 'metallb', { namespace: NAMESPACE, url: 'https://metallb.github.io/metallb' });
  helmRelease(controllers, 'metallb', {
    namespace: NAMESPACE,
    chart: 'metallb',
    version: versions.metallb,
    repository: 'metallb',
    values: {
      crds: { enabled: true },
      // `securityContext` is the pod's; Helm merges it into the chart's default (runAsNonRoot, user 65534).
      controller: {
        image: PINNED_PULL,
        securityContext: RUNTIME_DEFAULT_SECCOMP,
        resources: small('25m', '64Mi', '128Mi'),
      },
      // Layer 2 only: the FRR (BGP) sidecars stay out.
      speaker: {
        image: PINNED_PULL,
        securityContext: RUNTIME_DEFAULT_SECCOMP,
        resources: small('25m', '64Mi', '128Mi'),
        frr: { enabled: false },
      },
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

export const loadBalancing: Component<LoadBalancingValues> = {
  name: 'load-balancing',
  version: versions.metallb,
  keys: LOAD_BALANCING_KEYS,
  validate: validateLoadBalancing,
  crds: {
    groups: ['metallb.io'],
    sources: [{ module: 'go.universe.tf/metallb', version: versions.metallb, dir: 'config/crd/bases' }],
  },
  // The chart ships in the module at the same version (go.universe.tf/metallb v0.15.2, charts/metallb).
  charts: [{ release: 'metallb', module: 'go.universe.tf/metallb', version: versions.metallb, dir: 'charts/metallb' }],
  exemptions: [
    {
      rule: 'namespace-psa-restricted',
      object: `Namespace/${NAMESPACE}`,
      reason: 'the MetalLB speaker answers ARP on the host network with NET_RAW; warn/audit stay restricted',
    },
    { rule: 'no-host-network', object: SPEAKER, reason: `${SPEAKER_ARP}, so the chart puts it on the host network` },
    {
      rule: 'drop-all-capabilities',
      object: SPEAKER,
      reason: `${SPEAKER_ARP}: it drops ALL and adds back only NET_RAW, as the chart renders it`,
    },
    {
      rule: 'run-as-non-root',
      object: SPEAKER,
      reason: `${SPEAKER_ARP}; NET_RAW takes effect only for root, as the container carries no file capabilities`,
    },
  ],
  render(ctx, values) {
    // MetalLB's speaker answers ARP on the host network (see the policy allow-list).
    componentNamespace(ctx.chart('platform-controllers'), ctx.cluster, NAMESPACE, 'privileged');
    // validateLoadBalancing admits metallb clusters only.
    metallb(ctx, ctx.cluster as MetalCluster, values);
  },
};
