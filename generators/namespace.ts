// The namespace of a component: Pod Security labels, a default-deny NetworkPolicy, the common allows, and the
// builders for the component's own allows.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Cluster } from './model';

/** Talos serves the Kubernetes API on the control-plane nodes. */
export const API_SERVER_PORT = 6443;

export type PodSecurityLevel = 'restricted' | 'privileged';

/**
 * Pod Security Admission labels that enforce `enforce` and warn and audit at `restricted`, all pinned to the
 * Kubernetes minor version. `privileged` is for system components that need the host (each such namespace is on the
 * policy allow-list with its reason).
 */
export function podSecurityLabels(kubernetesVersion: string, enforce: PodSecurityLevel): Record<string, string> {
  const [major, minor] = kubernetesVersion.split('.');
  const version = `v${major}.${minor}`;
  const labels: Record<string, string> = {};
  for (const [mode, level] of [
    ['enforce', enforce],
    ['audit', 'restricted'],
    ['warn', 'restricted'],
  ] as const) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

export function networkPolicy(scope: Construct, namespace: string, name: string, spec: Record<string, unknown>): void {
  new ApiObject(scope, `networkpolicy-${namespace}-${name}`, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec,
  });
}

export const cidrPeers = (...blocks: string[]) => blocks.map((cidr) => ({ ipBlock: { cidr } }));

/** A peer selecting every pod of the namespace `name`. */
/**
 * Where the API server's calls to a webhook come from: it runs on the control planes' host network, and Calico (VXLAN)
 * gives host-to-remote-pod traffic the node's tunnel address, which lies in the pod network.
 */
export const fromApiServer = (cluster: Cluster) => cidrPeers(cluster.network.nodeCidr, cluster.network.podCidr);

export const inNamespace = (name: string) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});

/**
 * A component's Namespace with its Pod Security labels, and its base NetworkPolicies: default deny both ways, then DNS
 * for every pod and, unless `kubeApiServer` is false (workloads that never call the API), the Kubernetes API.
 * The component adds its own allows with `networkPolicy`.
 */
export function componentNamespace(
  scope: Construct,
  cluster: Cluster,
  name: string,
  enforce: PodSecurityLevel,
  { kubeApiServer = true } = {},
): void {
  new ApiObject(scope, `namespace-${name}`, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: podSecurityLabels(cluster.kubernetesVersion, enforce) },
  });
  networkPolicy(scope, name, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  networkPolicy(scope, name, 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ...inNamespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ],
  });
  if (!kubeApiServer) return;
  networkPolicy(scope, name, 'allow-kube-apiserver', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: API_SERVER_PORT }] }],
  });
}

/**
 * HTTPS to the AWS APIs, which have no fixed addresses: anywhere outside the cluster's node, pod and service
 * networks, so nothing in the cluster is reachable through it.
 */
export function awsApiEgress(cluster: Cluster) {
  const { nodeCidr, podCidr, serviceCidr } = cluster.network;
  return {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [nodeCidr, podCidr, serviceCidr] } }],
    ports: [{ protocol: 'TCP', port: 443 }],
  };
}
