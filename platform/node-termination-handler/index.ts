// AWS Node Termination Handler in queue mode on aws clusters: it reads the SQS queue that bootstrap/aws fills with the
// worker group's termination lifecycle actions, Spot interruption warnings, rebalance recommendations and instance
// state changes (bootstrap/aws/node-lifecycle.ts), cordons and drains the node through the eviction API (so
// PodDisruptionBudgets hold), then completes the lifecycle action. Rendered from the facts of its chart 0.27.1
// (config/helm/aws-node-termination-handler of github.com/aws/aws-node-termination-handler v1.25.1, templates/
// deployment.yaml and clusterrole.yaml): the chart has no volume values, so it cannot mount the projected token that
// IRSA needs on Talos, where no pod identity webhook injects it.
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
import { nodeLifecycleDashboard } from './dashboard';
import { MANAGED_TAG, NAMESPACE, NODE_TERMINATION_HANDLER_ROLE, queueUrl, SERVICE_ACCOUNT } from './api';
import {
  NODE_TERMINATION_HANDLER_KEYS,
  validateNodeTerminationHandler,
  type NodeTerminationHandlerValues,
} from './values';

export type { NodeTerminationHandlerValues } from './values';

export const NAME = 'aws-node-termination-handler';
export const IMAGE = `public.ecr.aws/aws-ec2/aws-node-termination-handler:v${versions.awsNodeTerminationHandler}`;
/** The chart's `probes.httpGet.port` and `prometheusServerPort` defaults. */
export const PROBES_PORT = 8080;
export const METRICS_PORT = 9092;
const LABELS = { 'app.kubernetes.io/name': NAME };

/** The environment the chart's deployment.yaml sets in queue mode, with this estate's choices. */
export function handlerEnv(cluster: AwsCluster, values: NodeTerminationHandlerValues) {
  const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const settings: Record<string, string> = {
    ENABLE_PROBES_SERVER: 'true',
    PROBES_SERVER_PORT: String(PROBES_PORT),
    PROBES_SERVER_ENDPOINT: '/healthz',
    LOG_LEVEL: 'info',
    JSON_LOGGING: 'true',
    LOG_FORMAT_VERSION: '2',
    ENABLE_PROMETHEUS_SERVER: 'true',
    PROMETHEUS_SERVER_PORT: String(METRICS_PORT),
    // Only instances of groups that carry the tag (bootstrap/aws's worker group) are drained.
    CHECK_TAG_BEFORE_DRAINING: 'true',
    MANAGED_TAG,
    DRY_RUN: 'false',
    CORDON_ONLY: 'false',
    // The taint keeps new pods off a node from the moment it is announced, before its drain completes.
    TAINT_NODE: 'true',
    DELETE_LOCAL_DATA: 'true',
    IGNORE_DAEMON_SETS: 'true',
    // -1: each pod's own terminationGracePeriodSeconds; the node's whole drain gets nodeGracePeriodSeconds.
    POD_TERMINATION_GRACE_PERIOD: '-1',
    NODE_TERMINATION_GRACE_PERIOD: String(values.nodeGracePeriodSeconds),
    EMIT_KUBERNETES_EVENTS: 'true',
    ENABLE_SQS_TERMINATION_DRAINING: 'true',
    AWS_REGION: cluster.region,
    QUEUE_URL: queueUrl(cluster),
    DELETE_SQS_MSG_IF_NODE_NOT_FOUND: 'false',
    WORKERS: '10',
  };
  return [
    fromField('NODE_NAME', 'spec.nodeName'),
    fromField('POD_NAME', 'metadata.name'),
    fromField('NAMESPACE', 'metadata.namespace'),
    ...Object.entries(settings).map(([name, value]) => ({ name, value })),
  ];
}

function rbac(scope: Construct): void {
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
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'get'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get'] },
      // emitKubernetesEvents
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ],
  });
  new ApiObject(scope, 'clusterrolebinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: NAME },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: NAMESPACE }],
  });
}

function deployment(scope: Construct, cluster: AwsCluster, values: NodeTerminationHandlerValues): void {
  const credentials = irsaCredentials(irsaRoleArn(cluster, NODE_TERMINATION_HANDLER_ROLE));
  const probe = { httpGet: { path: '/healthz', port: 'probes' }, initialDelaySeconds: 5, periodSeconds: 5 };
  new ApiObject(scope, 'deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      // Several replicas share the queue (SQS hides a message while one handles it): a drain survives a replica's loss.
      replicas: values.replicas,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          priorityClassName: 'system-cluster-critical',
          ...ON_CONTROL_PLANES,
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: LABELS } },
                },
              ],
            },
          },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            fsGroup: 1000,
            ...RUNTIME_DEFAULT_SECCOMP,
          },
          volumes: credentials.volumes,
          containers: [
            {
              name: NAME,
              image: IMAGE,
              imagePullPolicy: 'IfNotPresent',
              env: [...handlerEnv(cluster, values), ...credentials.env],
              ports: [
                { name: 'probes', containerPort: PROBES_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
              ],
              livenessProbe: probe,
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
  new ApiObject(scope, 'poddisruptionbudget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } },
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

export const nodeTerminationHandler: Component<NodeTerminationHandlerValues> = {
  name: 'node-termination-handler',
  version: versions.awsNodeTerminationHandler,
  validate: validateNodeTerminationHandler,
  keys: NODE_TERMINATION_HANDLER_KEYS,
  irsaRoles: [NODE_TERMINATION_HANDLER_ROLE],
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
  dashboards: () => [nodeLifecycleDashboard()],
};
