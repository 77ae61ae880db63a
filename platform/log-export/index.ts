// The log-export component: a node agent ships container logs, one cluster exporter ships Kubernetes events and
// periodic node/workload snapshots; both write gzip NDJSON into the estate's log archive bucket.
import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { stringify } from 'yaml';
import type { Construct } from 'constructs';
import type { Component, RenderContext } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import type { GoTool } from '../../generators/go-tools';
import { clusterRepository, type ContainerImage } from '../../generators/images';
import { irsaCredentials, irsaRoleArn } from '../../generators/irsa';
import type { Cluster } from '../../generators/model';
import { componentNamespace, inNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import {
  aggregateSeries,
  MONITORING_SELECTOR,
  NAMESPACE as MONITORING_NAMESPACE,
  PROMETHEUS_POD_LABELS,
  PROMETHEUS_REPLICA_ADDRESS,
} from '../monitoring/api';
import {
  declareKafkaCredentials,
  KAFKA_BOOTSTRAP,
  KAFKA_CA_KEY,
  KAFKA_PASSWORD_KEY,
  kafkaCredentialsSecret,
  kafkaEgress,
} from '../kafka/api';
import { KAFKA_USERS, runsStreaming, TOPICS } from '../streaming/api';
import { alertGroups } from './alerts';
import { AGENT, CLUSTER_EXPORTER, LOG_WRITER_ROLE, NAMESPACE } from './api';
import { logExportCheck } from './check';
import { logExportDashboard } from './dashboard';
import {
  AGENT_STATE_DIR,
  agentConfig,
  clusterExporterConfig,
  CONFIG_KEY,
  HEALTH_PORT,
  KAFKA_PASSWORD_ENV,
  METRICS_PORT,
  POD_LOGS_DIR,
  type S3Target,
  type StreamsSource,
} from './collector-config';
import { LOG_EXPORT_KEYS, validateLogExport, type LogExportValues } from './values';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';

export type { LogExportValues } from './values';

const BINARY = 'otelcol-log-export';
/** Built by CI from `platform/log-export/collector`, the module the tests build, tagged with the pinned release. */
export const COLLECTOR_IMAGE: ContainerImage = {
  name: BINARY,
  repository: 'ghcr.io/acme/otelcol-log-export',
  tag: versions.otelCollector,
  context: 'platform/log-export/collector',
  builder: 'go',
  binary: BINARY,
};
/** The collector the image holds (≈8 min cold build on 2 cores). */
export const COLLECTOR_TOOL: GoTool = {
  name: BINARY,
  module: 'platform/log-export/collector',
  pkg: '.',
  ldflags: `-X main.version=${versions.otelCollector}`,
  localSource: true,
};
/** The S3-compatible server the end-to-end tests write to (a stand-in for S3). */
export const S3_SERVER_TOOL: GoTool = {
  name: 'gofakes3',
  module: 'platform/log-export/s3server',
  pkg: 'github.com/johannesboyne/gofakes3/cmd/gofakes3',
};
/** Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` of the write-only on-prem identity. */
export const S3_WRITER_SECRET = 's3-writer';
/** The keys the collectors read from it, as environment variables of the same name. */
export const S3_WRITER_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
const CHART_REPOSITORY = 'open-telemetry';

type Values = Record<string, unknown>;

function configMap(scope: Construct, cluster: string, workload: string, config: unknown): string {
  const text = stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  // The name follows the content, so a config change rolls the pods through a HelmRelease upgrade. The cluster's own
  // name is left out of the hash: it never changes for a cluster, and twin clusters then render the same names.
  const digest = createHash('sha256')
    .update(text.replaceAll(`cluster=${cluster}/`, 'cluster=/'))
    .digest('hex');
  const name = `${workload}-${digest.slice(0, 10)}`;
  new ApiObject(scope, `configmap-${workload}`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/name': workload } },
    data: { [CONFIG_KEY]: text },
  });
  return name;
}

/** Credentials: IRSA token and role on aws, the encrypted write-only key on-prem. */
function identity(cluster: Cluster, values: LogExportValues) {
  if (values.s3Identity === 'web-identity' && cluster.provider === 'aws')
    return irsaCredentials(irsaRoleArn(cluster, LOG_WRITER_ROLE));
  const key = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: S3_WRITER_SECRET, key: name } } });
  return { env: S3_WRITER_KEYS.map(key), volumes: [], mounts: [] };
}

const DISABLED_PORTS = ['otlp', 'otlp-http', 'jaeger-compact', 'jaeger-thrift', 'jaeger-grpc', 'zipkin'];

/** Chart values both collectors share: our image and config, no default receivers, hardened containers. */
function commonValues(
  name: string,
  configName: string,
  cluster: Cluster,
  values: LogExportValues,
  rules: Values[],
): Values {
  const id = identity(cluster, values);
  const probe = { httpGet: { path: '/', port: HEALTH_PORT }, periodSeconds: 15 };
  return {
    nameOverride: name,
    fullnameOverride: name,
    image: {
      repository: clusterRepository(COLLECTOR_IMAGE, cluster),
      tag: COLLECTOR_IMAGE.tag,
      pullPolicy: 'IfNotPresent',
    },
    command: { name: BINARY },
    configMap: { create: false, existingName: configName },
    serviceAccount: { create: true, name },
    clusterRole: { create: true, name, rules },
    ports: {
      ...Object.fromEntries(DISABLED_PORTS.map((p) => [p, { enabled: false }])),
      metrics: { enabled: true, containerPort: METRICS_PORT, servicePort: METRICS_PORT, protocol: 'TCP' },
    },
    service: { enabled: false },
    livenessProbe: probe,
    readinessProbe: probe,
    securityContext: { ...RESTRICTED_CONTAINER, ...RUNTIME_DEFAULT_SECCOMP },
    extraEnvs: [{ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, ...id.env],
    extraVolumes: id.volumes,
    extraVolumeMounts: id.mounts,
  };
}

const read = (apiGroups: string[], resources: string[]) => ({ apiGroups, resources, verbs: ['get', 'list', 'watch'] });

function agentValues(configName: string, cluster: Cluster, values: LogExportValues): Values {
  const common = commonValues(AGENT, configName, cluster, values, [
    read([''], ['pods', 'namespaces', 'nodes']),
    read(['apps'], ['replicasets']),
    read(['batch'], ['jobs']),
  ]);
  return {
    ...common,
    mode: 'daemonset',
    // Root without capabilities: the kubelet's log files are root-owned 0640; the state folder is root's.
    podSecurityContext: { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, ...RUNTIME_DEFAULT_SECCOMP },
    extraVolumes: [
      ...(common.extraVolumes as Values[]),
      { name: 'pod-logs', hostPath: { path: POD_LOGS_DIR, type: 'Directory' } },
      { name: 'state', hostPath: { path: AGENT_STATE_DIR, type: 'DirectoryOrCreate' } },
    ],
    extraVolumeMounts: [
      ...(common.extraVolumeMounts as Values[]),
      { name: 'pod-logs', mountPath: POD_LOGS_DIR, readOnly: true },
      { name: 'state', mountPath: AGENT_STATE_DIR },
    ],
    tolerations: [{ operator: 'Exists' }],
    priorityClassName: 'system-node-critical',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  };
}

const KAFKA_CA_DIR = '/etc/kafka-ca';
const KAFKA_USER = KAFKA_USERS.logExport;

/** What the cluster exporter reads where the cluster runs streaming: task-aggregates, as the Kafka user log-export. */
const streamsSource: StreamsSource = {
  brokers: [KAFKA_BOOTSTRAP],
  topic: TOPICS.aggregates,
  group: KAFKA_USER.group,
  sasl: { username: KAFKA_USER.name, passwordEnv: KAFKA_PASSWORD_ENV },
  caFile: `${KAFKA_CA_DIR}/${KAFKA_CA_KEY}`,
};

/** The Kafka user's Secret: the password as an environment variable, the cluster CA as a file. */
const kafkaCredentials = {
  env: [
    {
      name: KAFKA_PASSWORD_ENV,
      valueFrom: { secretKeyRef: { name: kafkaCredentialsSecret(KAFKA_USER.name), key: KAFKA_PASSWORD_KEY } },
    },
  ],
  volumes: [
    {
      name: 'kafka-ca',
      secret: {
        secretName: kafkaCredentialsSecret(KAFKA_USER.name),
        items: [{ key: KAFKA_CA_KEY, path: KAFKA_CA_KEY }],
      },
    },
  ],
  mounts: [{ name: 'kafka-ca', mountPath: KAFKA_CA_DIR, readOnly: true }],
};

function clusterExporterValues(
  configName: string,
  cluster: Cluster,
  values: LogExportValues,
  streams: boolean,
): Values {
  const common = commonValues(CLUSTER_EXPORTER, configName, cluster, values, [
    read(['events.k8s.io'], ['events']),
    read([''], ['nodes', 'pods']),
    read(['apps'], ['deployments', 'statefulsets', 'daemonsets']),
  ]);
  return {
    ...common,
    mode: 'deployment',
    replicaCount: 1,
    podSecurityContext: {
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      runAsNonRoot: true,
      ...RUNTIME_DEFAULT_SECCOMP,
    },
    extraEnvs: [...(common.extraEnvs as Values[]), ...(streams ? kafkaCredentials.env : [])],
    extraVolumes: [
      ...(common.extraVolumes as Values[]),
      { name: 'state', emptyDir: { sizeLimit: '2Gi' } },
      ...(streams ? kafkaCredentials.volumes : []),
    ],
    extraVolumeMounts: [
      ...(common.extraVolumeMounts as Values[]),
      { name: 'state', mountPath: AGENT_STATE_DIR },
      ...(streams ? kafkaCredentials.mounts : []),
    ],
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  };
}

/** Prometheus' port, which the cluster exporter reads /federate on. */
const PROMETHEUS_PORT = 9090;

/**
 * The allows beyond the base policies: S3 over HTTPS, metrics scraping from the monitoring namespace, and the
 * cluster exporter's /federate reads of the local Prometheus (the ingress side is in the monitoring namespace).
 */
function networkPolicies(scope: Construct, configs: Construct, cluster: Cluster, streams: boolean): void {
  // S3 (and STS on aws) have no fixed addresses: HTTPS to anywhere outside the cluster's own networks.
  const { podCidr, serviceCidr } = cluster.network;
  networkPolicy(scope, NAMESPACE, 'allow-s3-https', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [podCidr, serviceCidr] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ],
  });
  networkPolicy(scope, NAMESPACE, 'allow-metrics-scrape', {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [inNamespace(MONITORING_NAMESPACE)], ports: [{ protocol: 'TCP', port: METRICS_PORT }] }],
  });
  const prometheus = [{ protocol: 'TCP', port: PROMETHEUS_PORT }];
  const exporterPods = { matchLabels: { 'app.kubernetes.io/name': CLUSTER_EXPORTER } };
  networkPolicy(scope, NAMESPACE, 'allow-federate-to-prometheus', {
    podSelector: exporterPods,
    policyTypes: ['Egress'],
    egress: [
      {
        to: [{ ...inNamespace(MONITORING_NAMESPACE), podSelector: { matchLabels: PROMETHEUS_POD_LABELS } }],
        ports: prometheus,
      },
    ],
  });
  if (streams)
    networkPolicy(scope, NAMESPACE, 'allow-kafka', {
      podSelector: exporterPods,
      policyTypes: ['Egress'],
      egress: [kafkaEgress()],
    });
  networkPolicy(configs, MONITORING_NAMESPACE, 'allow-federate-from-log-export', {
    podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ ...inNamespace(NAMESPACE), podSelector: exporterPods }], ports: prometheus }],
  });
}

function monitoringObjects(scope: Construct): void {
  new ApiObject(scope, 'podmonitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'log-export', namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: {
      selector: {
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: [AGENT, CLUSTER_EXPORTER] }],
      },
      podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }],
    },
  });
  new ApiObject(scope, 'prometheusrule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'log-export', namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: { groups: alertGroups() },
  });
}

export const logExport: Component<LogExportValues> = {
  name: 'log-export',
  version: versions.otelCollector,
  keys: LOG_EXPORT_KEYS,
  validate: validateLogExport,
  images: [COLLECTOR_IMAGE],
  goTools: [COLLECTOR_TOOL, S3_SERVER_TOOL],
  checks: [logExportCheck],
  irsaRoles: [LOG_WRITER_ROLE],
  dashboards: () => [logExportDashboard()],
  exemptions: [
    {
      rule: 'namespace-psa-restricted',
      object: `Namespace/${NAMESPACE}`,
      reason:
        'the log agent DaemonSet mounts hostPath /var/log/pods read-only to tail container logs and ' +
        '/var/lib/otelcol-log-export for its position DB and on-disk sending queue, which must outlive pod restarts; ' +
        'warn/audit stay restricted',
    },
  ],
  render(ctx: RenderContext, values: LogExportValues) {
    const { cluster, estate } = ctx;
    const target: S3Target = { bucket: estate.logArchive.bucket, region: estate.logArchive.region };
    const controllers = ctx.chart('platform-controllers');
    // The node agent mounts /var/log/pods and its state folder from the host (allow-listed in the policy gate).
    componentNamespace(controllers, cluster, NAMESPACE, 'privileged');
    const streams = runsStreaming(ctx);
    networkPolicies(controllers, ctx.chart('platform-configs'), cluster, streams);
    if (values.s3Identity === 'access-key')
      ctx.secret('platform-controllers', NAMESPACE, S3_WRITER_SECRET, S3_WRITER_KEYS);
    if (streams) declareKafkaCredentials(ctx, 'platform-controllers', NAMESPACE, KAFKA_USER.name);
    helmRepository(controllers, CHART_REPOSITORY, {
      namespace: NAMESPACE,
      url: 'https://open-telemetry.github.io/opentelemetry-helm-charts',
    });
    const release = (name: string, chartValues: Values) =>
      helmRelease(controllers, name, {
        namespace: NAMESPACE,
        chart: 'opentelemetry-collector',
        version: versions.otelCollectorChart,
        repository: CHART_REPOSITORY,
        values: chartValues,
      });
    const agent = configMap(
      controllers,
      cluster.name,
      AGENT,
      agentConfig({ cluster: cluster.name, target, queueRequests: values.queueRequests }),
    );
    release(AGENT, agentValues(agent, cluster, values));
    const exporter = configMap(
      controllers,
      cluster.name,
      CLUSTER_EXPORTER,
      clusterExporterConfig({
        cluster: cluster.name,
        target,
        stateDir: AGENT_STATE_DIR,
        queueRequests: values.queueRequests,
        statesInterval: values.statesInterval,
        prometheus: { address: PROMETHEUS_REPLICA_ADDRESS, aggregates: aggregateSeries(ctx.installed()) },
        ...(streams ? { streams: streamsSource } : {}),
      }),
    );
    release(CLUSTER_EXPORTER, clusterExporterValues(exporter, cluster, values, streams));
    monitoringObjects(ctx.chart('platform-configs'));
  },
};
