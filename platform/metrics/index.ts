// Resource metrics for the HPAs and `kubectl top`: metrics-server (upstream chart) scrapes the kubelets over TLS and
// verifies their serving certificates, which the kubelets request from the cluster CA (Talos
// `rotate-server-certificates`, bootstrap/talos/patches/common.yaml) and kubelet-serving-cert-approver approves.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Cluster } from '../../generators/model';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { cidrPeers, componentNamespace, fromApiServer, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { METRICS_KEYS, validateMetrics, type MetricsValues } from './values';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';

export type { MetricsValues } from './values';

export const NAMESPACE = 'metrics';
export const METRICS_SERVER = 'metrics-server';
export const APPROVER = 'kubelet-serving-cert-approver';
export const APPROVER_IMAGE = `ghcr.io/alex1989hu/kubelet-serving-cert-approver:${versions.kubeletServingCertApprover}`;
/** The kubelets' API, which metrics-server scrapes. */
export const KUBELET_PORT = 10250;
/** The chart's `containerPort`: where the API server reaches the APIService v1beta1.metrics.k8s.io. */
export const METRICS_SERVER_PORT = 10250;
/** Pod labels of the chart's Deployment (its selector labels for the release name). */
export const METRICS_SERVER_LABELS = {
  'app.kubernetes.io/name': METRICS_SERVER,
  'app.kubernetes.io/instance': METRICS_SERVER,
};
const APPROVER_LABELS = { 'app.kubernetes.io/name': APPROVER };
const APPROVER_HEALTH_PORT = 8080;

const restrictedContainer = {
  ...RESTRICTED_CONTAINER,
  ...RUNTIME_DEFAULT_SECCOMP,
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
};

function metricsServer(scope: Construct, cluster: Cluster, values: MetricsValues): void {
  networkPolicy(scope, NAMESPACE, 'allow-kubelets-from-metrics-server', {
    podSelector: { matchLabels: METRICS_SERVER_LABELS },
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: KUBELET_PORT }] }],
  });
  networkPolicy(scope, NAMESPACE, 'allow-apiservice-from-apiserver', {
    podSelector: { matchLabels: METRICS_SERVER_LABELS },
    policyTypes: ['Ingress'],
    ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: METRICS_SERVER_PORT }] }],
  });
  helmRepository(scope, METRICS_SERVER, {
    namespace: NAMESPACE,
    url: 'https://kubernetes-sigs.github.io/metrics-server/',
  });
  helmRelease(scope, METRICS_SERVER, {
    namespace: NAMESPACE,
    chart: METRICS_SERVER,
    version: versions.metricsServerChart,
    repository: METRICS_SERVER,
    values: {
      replicas: values.replicas,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: METRICS_SERVER_LABELS },
        },
      ],
      // The chart's defaults without ExternalIP and Hostname; no --kubelet-insecure-tls: the kubelets' serving
      // certificates are verified against the cluster CA.
      defaultArgs: [
        '--cert-dir=/tmp',
        '--kubelet-preferred-address-types=InternalIP',
        '--kubelet-use-node-status-port',
        '--metric-resolution=15s',
      ],
      containerPort: METRICS_SERVER_PORT,
      resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
      podSecurityContext: { runAsNonRoot: true, ...RUNTIME_DEFAULT_SECCOMP },
      // Sets every key of the chart's default (Helm merges maps), runAsUser included.
      securityContext: restrictedContainer,
    },
  });
}

function approver(scope: Construct): void {
  const serviceAccount = { kind: 'ServiceAccount', name: APPROVER, namespace: NAMESPACE };
  new ApiObject(scope, 'approver-serviceaccount', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: APPROVER, namespace: NAMESPACE },
  });
  // Upstream's RBAC (deploy/ of alex1989hu/kubelet-serving-cert-approver): read CSRs, approve those of the
  // kubelet-serving signer after a SubjectAccessReview, and record events.
  new ApiObject(scope, 'approver-clusterrole-certificates', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `${APPROVER}-certificates` },
    rules: [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: ['kubernetes.io/kubelet-serving'],
        verbs: ['approve'],
      },
    ],
  });
  new ApiObject(scope, 'approver-clusterrolebinding-certificates', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: `${APPROVER}-certificates` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${APPROVER}-certificates` },
    subjects: [serviceAccount],
  });
  new ApiObject(scope, 'approver-clusterrole-events', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: `${APPROVER}-events` },
    rules: [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }],
  });
  // Events about cluster-scoped CSRs land in the `default` namespace.
  new ApiObject(scope, 'approver-rolebinding-events', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `${APPROVER}-events`, namespace: 'default' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${APPROVER}-events` },
    subjects: [serviceAccount],
  });
  const probe = (path: string) => ({ httpGet: { path, port: 'health' }, periodSeconds: 10 });
  new ApiObject(scope, 'approver-deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APPROVER, namespace: NAMESPACE, labels: APPROVER_LABELS },
    spec: {
      // One approver is enough: kubelets retry their CSRs until one is approved.
      replicas: 1,
      selector: { matchLabels: APPROVER_LABELS },
      template: {
        metadata: { labels: APPROVER_LABELS },
        spec: {
          serviceAccountName: APPROVER,
          priorityClassName: 'system-cluster-critical',
          securityContext: { runAsNonRoot: true, ...RUNTIME_DEFAULT_SECCOMP },
          // The approver may have to run before any worker has a serving certificate.
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'cert-approver',
              image: APPROVER_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['serve'],
              env: [{ name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              ports: [{ name: 'health', containerPort: APPROVER_HEALTH_PORT }],
              livenessProbe: probe('/healthz'),
              readinessProbe: probe('/readyz'),
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
              securityContext: restrictedContainer,
            },
          ],
        },
      },
    },
  });
}

export const metrics: Component<MetricsValues> = {
  name: 'metrics',
  version: versions.metricsServerChart,
  keys: METRICS_KEYS,
  validate: validateMetrics,
  render(ctx, values) {
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, ctx.cluster, NAMESPACE, 'restricted');
    approver(controllers);
    metricsServer(controllers, ctx.cluster, values);
  },
};
