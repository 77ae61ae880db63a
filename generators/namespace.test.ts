import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { estate } from './estate/clusters';
import { componentNamespace, podSecurityLabels } from './namespace';

const cluster = estate.clusters[0]!;

function namespaceObjects(options?: { kubeApiServer?: boolean }) {
  const chart = Testing.chart();
  componentNamespace(chart, cluster, 'demo', 'privileged', options);
  return Testing.synth(chart) as {
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  }[];
}

describe('podSecurityLabels', () => {
  it('enforces the given level, audits and warns at restricted, pinned to the minor version', () => {
    expect(podSecurityLabels('1.35.2', 'privileged')).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'v1.35',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.35',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.35',
    });
  });

  it('enforces restricted when asked, not privileged', () => {
    expect(podSecurityLabels('1.35.2', 'restricted')['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('componentNamespace', () => {
  it('declares the namespace with its labels, default deny, DNS and the API server', () => {
    const objects = namespaceObjects();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/demo',
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-kube-apiserver',
    ]);
    expect(objects[0]!.metadata.labels).toEqual(podSecurityLabels(cluster.kubernetesVersion, 'privileged'));
    expect(objects.slice(1).every((o) => o.metadata.namespace === 'demo')).toBe(true);
  });

  it('leaves out the API server allow for workloads that never call it', () => {
    expect(namespaceObjects({ kubeApiServer: false }).map((o) => o.metadata.name)).not.toContain(
      'allow-kube-apiserver',
    );
  });
});
