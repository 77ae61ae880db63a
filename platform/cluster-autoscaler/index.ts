// The cluster autoscaler on aws clusters: it adds workers when pods cannot be scheduled and removes underused ones,
// by changing the desired size of the worker Auto Scaling Group that bootstrap/aws tags for discovery (api.ts).
// Rendered from the chart's facts (templates/ of cluster-autoscaler/charts/cluster-autoscaler in kubernetes/autoscaler
// at tag cluster-autoscaler-chart-9.55.1): no Go module ships that chart, and its RBAC here keeps only what the aws
// provider uses (no Cluster API, CoreWeave or PodSecurityPolicy rules).
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { irsaCredentials, irsaRoleArn } from '../../generators/irsa';
import type { AwsCluster, Cluster } from '../../generators/model';
import { awsApiEgress, componentNamespace, networkPolicy } from '../../generators/namespace';
import { ON_CONTROL_PLANES } from '../../generators/placement';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';
import { versions } from '../../generators/versions';
import { metricsEndpoint, monitoredService } from '../monitoring/api';
import { alertGroups, METRICS_JOB } from './alerts';
import { autoscalingDashboard } from './dashboard';
import { autoDiscoveryTags, CLUSTER_AUTOSCALER_ROLE, NAMESPACE, SERVICE_ACCOUNT } from './api';
import { CLUSTER_AUTOSCALER_KEYS, validateClusterAutoscaler, type ClusterAutoscalerValues } from './values';

export type { ClusterAutoscalerValues } from './values';

export const NAME = 'cluster-autoscaler';
export const IMAGE = `registry.k8s.io/autoscaling/cluster-autoscaler:v${versions.clusterAutoscaler}`;
/** `--address` default ":8085" (config/flags/flags.go at cluster-autoscaler-1.35.2): /metrics and /health-check. */
export const METRICS_PORT = 8085;
const LABELS = { 'app.kubernetes.io/name': NAME };
const minor = (version: string) => version.split('.').slice(0, 2).join('.');

/**
 * The flags, all of config/flags/flags.go at cluster-autoscaler-1.35.2. `least-waste` picks, of the groups that fit
 * the pending pods, the one leaving the least idle CPU and memory; there is one mixed group, so the on-demand/Spot
 * split is the group's instances distribution (bootstrap/aws), not an expander priority (README "Spot").
 */
export function autoscalerArgs(cluster: Cluster, values: ClusterAutoscalerValues): string[] {
  return [
    '--cloud-provider=aws',
    `--node-group-auto-discovery=asg:tag=${Object.keys(autoDiscoveryTags(cluster.name)).join(',')}`,
    '--expander=least-waste',
    // The group's instance types are alike (bootstrap/aws/worker-types.ts): no group per zone to balance.
    '--balance-similar-node-groups=false',
    `--scale-down-utilization-threshold=${values.scaleDownUtilizationThreshold}`,
    `--scale-down-unneeded-time=${values.scaleDownUnneededTime}`,
    `--scale-down-delay-after-add=${values.scaleDownDelayAfterAdd}`,
    // emptyDir is scratch space here (PVCs are EBS volumes, which follow the pod): such nodes may go.
    '--skip-nodes-with-local-storage=false',
    '--skip-nodes-with-system-pods=true',
    // The drain the autoscaler does itself before terminating; the termination hook (10 min) covers the same span.
    '--max-graceful-termination-sec=600',
    '--cordon-node-before-terminating=true',
    `--namespace=${NAMESPACE}`,
    `--leader-elect-resource-namespace=${NAMESPACE}`,
    `--address=:${METRICS_PORT}`,
    '--v=2',
  ];
}

function rbac(scope: Construct): void {
  const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({
    apiGroups,
    resources,
    verbs,
    ...(resourceNames ? { resourceNames } : {}),
  });
  const read = ['watch', 'list', 'get'];
  const subjects = [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }];
  new ApiObject(scope, 'serviceaccount', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: SERVICE_ACCOUNT, namespace: NAMESPACE },
  });
  new ApiObject(scope, 'clusterrole', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: NAME },
    rules: [
      rule([''], ['events', 'endpoints'], ['create', 'patch']),
      rule([''], ['pods/eviction'], ['create']),
      rule([''], ['pods/status'], ['update']),
      rule([''], ['endpoints'], ['get', 'update'], [NAME]),
      rule([''], ['nodes'], ['watch', 'list', 'create', 'delete', 'get', 'update']),
      rule(['resource.k8s.io'], ['resourceslices', 'deviceclasses', 'resourceclaims'], read),
      rule(
        [''],
        ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'],
        read,
      ),
      rule(['batch'], ['jobs', 'cronjobs'], read),
      rule(['policy'], ['poddisruptionbudgets'], ['watch', 'list']),
      rule(['apps'], ['daemonsets', 'replicasets', 'statefulsets'], read),
      rule(
        ['storage.k8s.io'],
        ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'],
        read,
      ),
      rule([''], ['configmaps'], ['list', 'watch', 'get']),
      rule(['coordination.k8s.io'], ['leases'], ['create']),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], [NAME]),
    ],
  });
  new ApiObject(scope, 'clusterrolebinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: NAME },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects,
  });
  new ApiObject(scope, 'role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: NAME, namespace: NAMESPACE },
    rules: [
      rule([''], ['configmaps'], ['create', 'list', 'watch']),
      rule([''], ['configmaps'], ['delete', 'get', 'update', 'watch'], ['cluster-autoscaler-status']),
    ],
  });
  new ApiObject(scope, 'rolebinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: NAME, namespace: NAMESPACE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
    subjects,
  });
}

function deployment(scope: Construct, cluster: AwsCluster, values: ClusterAutoscalerValues): void {
  const credentials = irsaCredentials(irsaRoleArn(cluster, CLUSTER_AUTOSCALER_ROLE));
  const probe = { httpGet: { path: '/health-check', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 };
  new ApiObject(scope, 'deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      // One leader scales; a second replica would only wait for the lease (1 replica, as the chart's default).
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          priorityClassName: 'system-cluster-critical',
          ...ON_CONTROL_PLANES,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, ...RUNTIME_DEFAULT_SECCOMP },
          volumes: credentials.volumes,
          containers: [
            {
              name: NAME,
              image: IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['./cluster-autoscaler'],
              args: autoscalerArgs(cluster, values),
              env: [{ name: 'AWS_REGION', value: cluster.region }, ...credentials.env],
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              livenessProbe: { ...probe, initialDelaySeconds: 30 },
              readinessProbe: probe,
              resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: credentials.mounts,
            },
          ],
        },
      },
    },
  });
}

function awsApiAccess(scope: Construct, cluster: Cluster): void {
  networkPolicy(scope, NAMESPACE, 'allow-aws-apis', {
    podSelector: { matchLabels: LABELS },
    policyTypes: ['Egress'],
    egress: [awsApiEgress(cluster)],
  });
}

function monitoringObjects(scope: Construct): void {
  for (const manifest of monitoredService(NAME, NAMESPACE, LABELS, alertGroups()))
    new ApiObject(scope, manifest.kind.toLowerCase(), manifest);
}

export const clusterAutoscaler: Component<ClusterAutoscalerValues> = {
  name: 'cluster-autoscaler',
  version: versions.clusterAutoscaler,
  validate(values, cluster) {
    const problems = validateClusterAutoscaler(values, cluster);
    // "versioning scheme was changed to match Kubernetes minor releases exactly" (cluster-autoscaler/README.md at
    // tag cluster-autoscaler-1.35.2): its scheduler simulation is that minor's.
    if (minor(versions.clusterAutoscaler) !== minor(cluster.kubernetesVersion))
      problems.push({
        field: '',
        message: `cluster-autoscaler ${versions.clusterAutoscaler} is for Kubernetes ${minor(versions.clusterAutoscaler)}, but the cluster runs ${cluster.kubernetesVersion}: set versions.clusterAutoscaler (generators/versions.ts) to a ${minor(cluster.kubernetesVersion)} release`,
      });
    return problems;
  },
  keys: CLUSTER_AUTOSCALER_KEYS,
  irsaRoles: [CLUSTER_AUTOSCALER_ROLE],
  render(ctx, values) {
    const cluster = ctx.cluster as AwsCluster;
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, cluster, NAMESPACE, 'restricted');
    awsApiAccess(controllers, cluster);
    for (const manifest of metricsEndpoint(METRICS_JOB, NAMESPACE, LABELS, METRICS_PORT))
      new ApiObject(controllers, `${manifest.kind.toLowerCase()}-metrics`, manifest);
    rbac(controllers);
    deployment(controllers, cluster, values);
    monitoringObjects(ctx.chart('platform-configs'));
  },
  dashboards: () => [autoscalingDashboard()],
};
