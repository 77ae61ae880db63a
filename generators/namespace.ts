// The namespace of a platform component: Pod Security labels, a default-deny NetworkPolicy and the common allows.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Cluster } from './clusters';

/** Talos serves the Kubernetes API on the control-plane nodes. */
export const API_SERVER_PORT = 6443;

/**
 * A Namespace that enforces `enforce` and warns and audits at `restricted`. `privileged` is for system components
 * that need the host (each such namespace is on the policy allow-list with its reason).
 */
export function componentNamespace(scope: Construct, cluster: Cluster, name: string, enforce: 'restricted' | 'privileged'): void {
  const [major, minor] = cluster.kubernetesVersion.split('.');
  const version = `v${major}.${minor}`;
  const labels: Record<string, string> = {};
  for (const [mode, level] of [['enforce', enforce], ['audit', 'restricted'], ['warn', 'restricted']] as const) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  new ApiObject(scope, `namespace-${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
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

/** Default deny both ways, then DNS and the Kubernetes API for every pod of the namespace. */
export function baseNetworkPolicies(scope: Construct, cluster: Cluster, namespace: string): void {
  networkPolicy(scope, namespace, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  networkPolicy(scope, namespace, 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
    ],
  });
  networkPolicy(scope, namespace, 'allow-kube-apiserver', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: API_SERVER_PORT }] }],
  });
}
