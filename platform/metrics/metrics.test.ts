// Resource metrics on the real model: metrics-server from the pinned chart with kubelet TLS verified, the approver of
// the kubelet serving certificates from a pinned image with upstream's RBAC, the NetworkPolicies; the values checks;
// the gates.
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates';
import { versions } from '../../generators/versions';
import { APPROVER, APPROVER_IMAGE, KUBELET_PORT, METRICS_SERVER_LABELS, METRICS_SERVER_PORT, NAMESPACE } from './index';
import { validateMetrics, type MetricsValues } from './values';

describe('rendering', () => {
  const docs = componentDocs('metrics');
  const find = (cluster: string, kind: string, name?: string) =>
    docs
      .filter((d) => d.cluster === cluster && d.object.kind === kind && (!name || d.object.metadata?.name === name))
      .map((d) => d.object as any);
  const release = (cluster: string) => find(cluster, 'HelmRelease', 'metrics-server')[0];

  it('renders the same objects on both clusters, all in platform-controllers', () => {
    const names = (cluster: string) =>
      docs
        .filter((d) => d.cluster === cluster)
        .map((d) => `${d.object.kind}/${d.object.metadata?.name}`)
        .sort();
    expect(names('aws')).toEqual([
      'ClusterRole/kubelet-serving-cert-approver-certificates',
      'ClusterRole/kubelet-serving-cert-approver-events',
      'ClusterRoleBinding/kubelet-serving-cert-approver-certificates',
      'Deployment/kubelet-serving-cert-approver',
      'HelmRelease/metrics-server',
      'HelmRepository/metrics-server',
      'Namespace/metrics',
      'NetworkPolicy/allow-apiservice-from-apiserver',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-kube-apiserver',
      'NetworkPolicy/allow-kubelets-from-metrics-server',
      'NetworkPolicy/default-deny',
      'RoleBinding/kubelet-serving-cert-approver-events',
      'ServiceAccount/kubelet-serving-cert-approver',
    ]);
    expect(names('onprem')).toEqual(names('aws'));
    expect(new Set(docs.map((d) => d.file.split('/')[2]))).toEqual(new Set(['platform-controllers']));
    for (const cluster of estate.clusters)
      expect(find(cluster.name, 'Namespace')[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
        'restricted',
      );
  });

  it('installs metrics-server from the pinned chart of the upstream repository, two replicas behind a PDB', () => {
    for (const cluster of estate.clusters) {
      const [repository] = find(cluster.name, 'HelmRepository');
      expect(repository.spec.url).toBe('https://kubernetes-sigs.github.io/metrics-server/');
      const { spec } = release(cluster.name);
      expect(spec.chart.spec).toMatchObject({ chart: 'metrics-server', version: versions.metricsServerChart });
      expect(versions.metricsServerChart).toMatch(/^\d+\.\d+\.\d+$/);
      expect(spec.values).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
      expect(spec.values.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    }
  });

  it("verifies the kubelets' serving certificates and reaches them by InternalIP only", () => {
    for (const cluster of estate.clusters) {
      const args: string[] = release(cluster.name).spec.values.defaultArgs;
      expect(args).toContain('--kubelet-preferred-address-types=InternalIP');
      expect(args.filter((a) => a.startsWith('--kubelet-insecure-tls'))).toEqual([]);
      expect(release(cluster.name).spec.values.args).toBeUndefined();
    }
  });

  it('runs metrics-server and the approver non-root with a read-only root, no capabilities and the runtime seccomp profile', () => {
    const restricted = {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65534,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    for (const cluster of estate.clusters) {
      expect(release(cluster.name).spec.values.securityContext).toMatchObject(restricted);
      const [approver] = find(cluster.name, 'Deployment', APPROVER);
      expect(approver.spec.template.spec.containers[0].securityContext).toMatchObject(restricted);
    }
  });

  it('runs the approver from the pinned image tag, with probes, on its service account', () => {
    expect(APPROVER_IMAGE).toBe(
      `ghcr.io/alex1989hu/kubelet-serving-cert-approver:${versions.kubeletServingCertApprover}`,
    );
    expect(versions.kubeletServingCertApprover).toMatch(/^\d+\.\d+\.\d+$/);
    for (const cluster of estate.clusters) {
      const { spec } = find(cluster.name, 'Deployment', APPROVER)[0].spec.template;
      const [container] = spec.containers;
      expect(container).toMatchObject({ image: APPROVER_IMAGE, imagePullPolicy: 'IfNotPresent', args: ['serve'] });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
      expect(spec.serviceAccountName).toBe(APPROVER);
    }
  });

  it("lets the approver approve kubelet-serving CSRs only, as upstream's RBAC does", () => {
    const [certificates] = find('aws', 'ClusterRole', `${APPROVER}-certificates`);
    expect(certificates.rules).toContainEqual({
      apiGroups: ['certificates.k8s.io'],
      resources: ['signers'],
      resourceNames: ['kubernetes.io/kubelet-serving'],
      verbs: ['approve'],
    });
    expect(certificates.rules.flatMap((r: { verbs: string[] }) => r.verbs).sort()).toEqual([
      'approve',
      'create',
      'get',
      'list',
      'update',
      'watch',
    ]);
    const [binding] = find('aws', 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: APPROVER, namespace: NAMESPACE }]);
    expect(binding.roleRef.name).toBe(certificates.metadata.name);
  });

  it("lets metrics-server reach the kubelets and the API server reach metrics-server, on the cluster's node network", () => {
    for (const cluster of estate.clusters) {
      const [egress] = find(cluster.name, 'NetworkPolicy', 'allow-kubelets-from-metrics-server');
      expect(egress.spec).toEqual({
        podSelector: { matchLabels: METRICS_SERVER_LABELS },
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: cluster.network.nodeCidr } }], ports: [{ protocol: 'TCP', port: KUBELET_PORT }] },
        ],
      });
      const [ingress] = find(cluster.name, 'NetworkPolicy', 'allow-apiservice-from-apiserver');
      expect(ingress.spec.ingress).toEqual([
        {
          from: [{ ipBlock: { cidr: cluster.network.nodeCidr } }, { ipBlock: { cidr: cluster.network.podCidr } }],
          ports: [{ protocol: 'TCP', port: METRICS_SERVER_PORT }],
        },
      ]);
      expect(release(cluster.name).spec.values.containerPort).toBe(METRICS_SERVER_PORT);
    }
  });
});

describe('values', () => {
  const good: MetricsValues = { replicas: 2, requests: { cpu: '50m', memory: '64Mi' }, memoryLimit: '256Mi' };

  it('accepts the real values', () => {
    for (const cluster of estate.clusters) expect(validateMetrics(cluster.platform.metrics!)).toEqual([]);
  });

  it.each([
    ['one replica (a drain would stop the HPAs)', { ...good, replicas: 1 }, 'replicas', /from 2 to 5, got 1/],
    ['a fractional replica count', { ...good, replicas: 2.5 }, 'replicas', /whole number/],
    ['too many replicas', { ...good, replicas: 6 }, 'replicas', /from 2 to 5, got 6/],
    [
      'a bad CPU request',
      { ...good, requests: { cpu: 'lots', memory: '64Mi' } },
      'requests.cpu',
      /"lots" is not a CPU quantity/,
    ],
    [
      'a bad memory request',
      { ...good, requests: { cpu: '50m', memory: '64MB' } },
      'requests.memory',
      /"64MB" is not a memory quantity/,
    ],
    [
      'a missing memory limit',
      { ...good, memoryLimit: undefined },
      'memoryLimit',
      /undefined is not a memory quantity/,
    ],
  ])('rejects %s, naming the field', (_, values, field, message) => {
    const problems = validateMetrics(values as MetricsValues);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('the committed output', () => {
  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('metrics')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
