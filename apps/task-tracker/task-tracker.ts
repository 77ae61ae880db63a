// The task-tracker app on a cluster: namespace, workload, autoscaling, disruption budget, network policies, HTTPRoute,
// scrape config, SLO rules and dashboard, all in the apps layer.
import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { Cluster } from '../../generators/model';
import type { Component } from '../../generators/component';
import { irsaRoleArn, type IrsaRole } from '../../generators/irsa';
import { API_SERVER_PORT, cidrPeers, componentNamespace, inNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import {
  MONITORING_SELECTOR,
  NAMESPACE as MONITORING_NAMESPACE,
  PROMETHEUS_POD_LABELS,
} from '../../platform/monitoring/api';
import { ENVOY_POD_LABELS, httpRoute } from '../../platform/gateway/api';
import {
  declareKafkaCredentials,
  KAFKA_BOOTSTRAP,
  KAFKA_CA_KEY,
  KAFKA_PASSWORD_KEY,
  kafkaCredentialsSecret,
  kafkaEgress,
} from '../../platform/kafka/api';
import { KAFKA_USERS, runsStreaming, TOPICS } from '../../platform/streaming/api';
import { aggregates, overview } from './aggregates';
import {
  archivePolicy,
  CLUSTER_LABEL,
  databaseCluster,
  INSTANCE_STATUS_PORT,
  OPERATOR_NAMESPACE,
  POSTGRES_PORT,
  roleOf,
  S3_SECRET_KEYS,
  scheduledBackup,
  type DatabaseRequest,
} from '../../platform/cloudnative-pg/api';
import type { RenderContext } from '../../generators/component';
import {
  API_KEYS_KEY,
  API_KEYS_SECRET,
  DATABASE,
  DATABASE_OWNER_SECRET,
  DATABASE_ROLE,
  DATABASE_S3_SECRET,
  IMAGE,
  NAME,
  NAMESPACE,
  PORTS,
  TOOL,
} from './api';
import { taskTrackerDashboard } from './dashboard';
import { clusterImageReference } from '../../generators/images';
import { taskTrackerRuleGroups } from './rules';
import { TASK_TRACKER_KEYS, validateValues, type TaskTrackerValues } from './values';

const SELECTOR = { 'app.kubernetes.io/name': NAME } as const;
const DATABASE_PODS = { [CLUSTER_LABEL]: DATABASE };
/** CloudNativePG's `-rw` Service always points at the member that takes writes (on a replica site: none does). */
const DATABASE_URL = `postgres://app@${DATABASE}-rw.${NAMESPACE}.svc:${POSTGRES_PORT}/app?sslmode=require`;
const UID = 65532;

/** Not ready for this long after SIGTERM, still serving, while endpoints and the Gateway drop the pod. */
export const SHUTDOWN_DRAIN_DELAY_SECONDS = 5;
/** Then in-flight requests get this long to finish. */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;
/** The kubelet kills the pod after this: the whole shutdown plus a margin. */
export const TERMINATION_GRACE_SECONDS = SHUTDOWN_DRAIN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 5;

const MEMORY_LIMIT_MIB = 128;
const KEYS_DIR = '/etc/task-tracker/keys';
/** The Kafka user's Secret (SCRAM password, cluster CA) where the cluster runs streaming. */
const KAFKA_DIR = '/etc/task-tracker/kafka';
const KAFKA_USER = KAFKA_USERS.taskTracker;
/**
 * Requests a minute per client key and pod, beyond the Gateway's per-address limit: a client that spreads over many
 * addresses is still bounded, and no request reaches the store unauthenticated.
 */
const RATE_LIMIT_PER_MINUTE = 600;

/** The allows beyond the base policies: HTTP from the Gateway's Envoy pods, metrics to Prometheus. */
function networkPolicies(scope: Construct, cluster: Cluster): void {
  networkPolicy(scope, NAMESPACE, 'allow-gateway', {
    podSelector: { matchLabels: SELECTOR },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ ...inNamespace(cluster.ingress.controllerNamespace), podSelector: { matchLabels: ENVOY_POD_LABELS } }],
        ports: [{ protocol: 'TCP', port: 'http' }],
      },
    ],
  });
  networkPolicy(scope, NAMESPACE, 'allow-prometheus-scrape', {
    podSelector: { matchLabels: SELECTOR },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ ...inNamespace(MONITORING_NAMESPACE), podSelector: { matchLabels: PROMETHEUS_POD_LABELS } }],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      },
    ],
  });
}

/** The app to its database; the database's instances to each other, the operator, S3 and the Kubernetes API. */
function databasePolicies(scope: Construct, cluster: Cluster): void {
  const postgres = [{ protocol: 'TCP', port: POSTGRES_PORT }];
  networkPolicy(scope, NAMESPACE, 'allow-app-to-database', {
    podSelector: { matchLabels: SELECTOR },
    policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: { matchLabels: DATABASE_PODS } }], ports: postgres }],
  });
  networkPolicy(scope, NAMESPACE, 'allow-database-ingress', {
    podSelector: { matchLabels: DATABASE_PODS },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ podSelector: { matchLabels: SELECTOR } }, { podSelector: { matchLabels: DATABASE_PODS } }],
        ports: postgres,
      },
      { from: [inNamespace(OPERATOR_NAMESPACE)], ports: [{ protocol: 'TCP', port: INSTANCE_STATUS_PORT }] },
    ],
  });
  networkPolicy(scope, NAMESPACE, 'allow-database-egress', {
    podSelector: { matchLabels: DATABASE_PODS },
    policyTypes: ['Egress'],
    egress: [
      { to: [{ podSelector: { matchLabels: DATABASE_PODS } }], ports: postgres },
      // The instance manager watches its Cluster; barman-cloud reaches S3 over HTTPS.
      { to: cidrPeers(cluster.network.nodeCidr), ports: [{ protocol: 'TCP', port: API_SERVER_PORT }] },
      { to: cidrPeers('0.0.0.0/0'), ports: [{ protocol: 'TCP', port: 443 }] },
    ],
  });
}

/** This site's member of the tasks database, its role taken from `estate.database.primarySite`. */
function database(ctx: RenderContext, values: TaskTrackerValues): void {
  const chart = ctx.chart('apps');
  const { cluster, estate } = ctx;
  ctx.secret('apps', NAMESPACE, DATABASE_OWNER_SECRET, ['username', 'password']);
  const request: DatabaseRequest = {
    name: DATABASE,
    namespace: NAMESPACE,
    instances: values.database.instances,
    storageGi: values.database.storageGi,
    database: 'app',
    owner: 'app',
    ownerSecret: DATABASE_OWNER_SECRET,
    s3:
      cluster.provider === 'aws'
        ? { roleArn: irsaRoleArn(cluster, { name: DATABASE_ROLE }) }
        : { secret: DATABASE_S3_SECRET },
  };
  if (cluster.provider !== 'aws') ctx.secret('apps', NAMESPACE, DATABASE_S3_SECRET, S3_SECRET_KEYS);
  new ApiObject(chart, 'database', databaseCluster(estate, cluster, request) as any);
  if (roleOf(estate, cluster) === 'primary') new ApiObject(chart, 'database-backup', scheduledBackup(request) as any);
  databasePolicies(chart, cluster);
}

const probe = (path: string, periodSeconds: number, failureThreshold: number) =>
  kplus.Probe.fromHttpGet(path, { port: PORTS.http, periodSeconds: Duration.seconds(periodSeconds), failureThreshold });

/**
 * Where the cluster runs streaming, the service publishes task events (apps/task-tracker/internal/events) to its
 * brokers over TLS with SCRAM-SHA-512, as the Kafka user task-tracker; elsewhere it publishes nothing.
 */
function eventsPublishing(scope: Construct) {
  const secret = kplus.Secret.fromSecretName(scope, 'kafka', kafkaCredentialsSecret(KAFKA_USER.name));
  return {
    env: {
      TASK_EVENTS_BROKERS: kplus.EnvValue.fromValue(KAFKA_BOOTSTRAP),
      TASK_EVENTS_TOPIC: kplus.EnvValue.fromValue(TOPICS.events),
      TASK_EVENTS_USERNAME: kplus.EnvValue.fromValue(KAFKA_USER.name),
      TASK_EVENTS_PASSWORD_FILE: kplus.EnvValue.fromValue(`${KAFKA_DIR}/${KAFKA_PASSWORD_KEY}`),
      TASK_EVENTS_CA_FILE: kplus.EnvValue.fromValue(`${KAFKA_DIR}/${KAFKA_CA_KEY}`),
    },
    mount: {
      path: KAFKA_DIR,
      readOnly: true,
      volume: kplus.Volume.fromSecret(scope, 'kafka-user', secret, {
        name: 'kafka-user',
        defaultMode: 0o440,
        items: {
          [KAFKA_PASSWORD_KEY]: { path: KAFKA_PASSWORD_KEY },
          [KAFKA_CA_KEY]: { path: KAFKA_CA_KEY },
        },
      }),
    },
  };
}

function workload(scope: Construct, cluster: Cluster, values: TaskTrackerValues, publishes: boolean): void {
  const events = publishes ? eventsPublishing(scope) : undefined;
  const deployment = new kplus.Deployment(scope, 'deployment', {
    metadata: { name: NAME, namespace: NAMESPACE, labels: SELECTOR },
    select: false,
    spread: false,
    podMetadata: { labels: SELECTOR },
    strategy: kplus.DeploymentStrategy.rollingUpdate({
      maxSurge: kplus.PercentOrAbsolute.absolute(1),
      maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
    }),
    terminationGracePeriod: Duration.seconds(TERMINATION_GRACE_SECONDS),
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: UID, group: UID },
    containers: [
      {
        name: NAME,
        image: clusterImageReference(IMAGE, cluster),
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [
          { name: 'http', number: PORTS.http },
          { name: 'metrics', number: PORTS.metrics },
        ],
        envVariables: {
          LISTEN_ADDR: kplus.EnvValue.fromValue(`:${PORTS.http}`),
          METRICS_ADDR: kplus.EnvValue.fromValue(`:${PORTS.metrics}`),
          LOG_LEVEL: kplus.EnvValue.fromValue('info'),
          DATABASE_URL: kplus.EnvValue.fromValue(DATABASE_URL),
          // pgx reads PGPASSWORD like libpq; the URL stays free of it.
          PGPASSWORD: kplus.EnvValue.fromSecretValue({
            secret: kplus.Secret.fromSecretName(scope, 'database-owner', DATABASE_OWNER_SECRET),
            key: 'password',
          }),
          SHUTDOWN_DRAIN_DELAY: kplus.EnvValue.fromValue(`${SHUTDOWN_DRAIN_DELAY_SECONDS}s`),
          SHUTDOWN_TIMEOUT: kplus.EnvValue.fromValue(`${SHUTDOWN_TIMEOUT_SECONDS}s`),
          // The Go runtime collects garbage harder before it reaches the container's memory limit.
          GOMEMLIMIT: kplus.EnvValue.fromValue(`${Math.floor(MEMORY_LIMIT_MIB * 0.9)}MiB`),
          API_KEYS_FILE: kplus.EnvValue.fromValue(`${KEYS_DIR}/${API_KEYS_KEY}`),
          RATE_LIMIT_PER_MINUTE: kplus.EnvValue.fromValue(String(RATE_LIMIT_PER_MINUTE)),
          ...events?.env,
        },
        volumeMounts: [
          {
            path: KEYS_DIR,
            readOnly: true,
            volume: kplus.Volume.fromSecret(
              scope,
              'api-keys',
              kplus.Secret.fromSecretName(scope, 'keys', API_KEYS_SECRET),
              {
                name: 'api-keys',
                defaultMode: 0o440,
              },
            ),
          },
          ...(events ? [events.mount] : []),
        ],
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(MEMORY_LIMIT_MIB) },
        },
        // Each probe is a request (logged at debug): 9 a minute in steady state. Startup gets 30 s; a hung process
        // is restarted after a minute; a pod that stops being ready leaves the endpoints within 20 s. On SIGTERM
        // the endpoints drop the terminating pod without waiting for readiness.
        startup: probe('/healthz', 2, 15),
        liveness: probe('/healthz', 20, 3),
        readiness: probe('/readyz', 10, 2),
        securityContext: {
          ensureNonRoot: true,
          user: UID,
          group: UID,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
      },
    ],
  });
  deployment.select(kplus.LabelSelector.of({ labels: SELECTOR }));
  ApiObject.of(deployment).addJsonPatch(
    // cdk8s-plus labels pods with their construct path even with `select: false`.
    JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
      // Zones where the nodes carry the label (AWS); a no-op on-prem, where they do not.
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: SELECTOR },
      },
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: SELECTOR },
      },
    ]),
  );
  new kplus.HorizontalPodAutoscaler(scope, 'autoscaler', {
    metadata: { name: NAME, namespace: NAMESPACE },
    target: deployment,
    minReplicas: values.replicas.min,
    maxReplicas: values.replicas.max,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
  });
  new ApiObject(scope, 'disruption-budget', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } },
  });
}

function monitoring(scope: Construct): void {
  new ApiObject(scope, 'service-monitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: {
      // The job label comes from this Service label: job="task-tracker", which the rules and dashboard select on.
      jobLabel: 'app.kubernetes.io/name',
      selector: { matchLabels: SELECTOR },
      namespaceSelector: { matchNames: [NAMESPACE] },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
    },
  });
  new ApiObject(scope, 'prometheus-rule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: NAME, namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: { groups: taskTrackerRuleGroups() },
  });
}

/** The database pods' role: IRSA on aws, an IAM user with the same policy (its key in a SOPS Secret) on metal. */
const databaseRole: IrsaRole = {
  name: DATABASE_ROLE,
  namespace: NAMESPACE,
  // CloudNativePG runs the instances under a ServiceAccount named after the Cluster.
  serviceAccounts: [DATABASE],
  policy: (ctx) => archivePolicy(DATABASE, ctx),
  accessKeyOutsideAws: true,
};

export const taskTracker: Component<TaskTrackerValues> = {
  name: NAME,
  version: versions.taskTracker.tag,
  keys: TASK_TRACKER_KEYS,
  validate: (values, cluster) => validateValues(values, cluster),
  images: [IMAGE],
  irsaRoles: [databaseRole],
  goTools: [TOOL],
  telemetry: { aggregates, overview },
  dashboards: () => [taskTrackerDashboard()],
  render(ctx, values) {
    const chart = ctx.chart('apps');
    // The app never calls the Kubernetes API.
    componentNamespace(chart, ctx.cluster, NAMESPACE, 'restricted', { kubeApiServer: false });
    ctx.secret('apps', NAMESPACE, API_KEYS_SECRET, [API_KEYS_KEY]);
    const publishes = runsStreaming(ctx);
    workload(chart, ctx.cluster, values, publishes);
    if (publishes) declareKafkaCredentials(ctx, 'apps', NAMESPACE, KAFKA_USER.name);
    if (publishes)
      networkPolicy(chart, NAMESPACE, 'allow-kafka', {
        podSelector: { matchLabels: SELECTOR },
        policyTypes: ['Egress'],
        egress: [kafkaEgress()],
      });
    const service = new kplus.Service(chart, 'service', {
      metadata: { name: NAME, namespace: NAMESPACE, labels: SELECTOR },
      ports: [
        { name: 'http', port: PORTS.http, targetPort: PORTS.http },
        { name: 'metrics', port: PORTS.metrics, targetPort: PORTS.metrics },
      ],
    });
    service.selectLabel('app.kubernetes.io/name', NAME);
    ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/externalIPs'));
    // One route per listener: the site's own name, and the public name every site serves (Route 53 picks the primary).
    const routes = [
      { name: NAME, listener: values.listener, hostname: values.hostname },
      { name: `${NAME}-public`, listener: values.publicListener, hostname: values.publicHostname },
    ];
    for (const route of routes)
      new ApiObject(
        chart,
        `httproute-${route.name}`,
        httpRoute({
          ...route,
          namespace: NAMESPACE,
          service: NAME,
          port: PORTS.http,
          gatewayNamespace: ctx.cluster.ingress.controllerNamespace,
        }),
      );
    networkPolicies(chart, ctx.cluster);
    database(ctx, values);
    monitoring(chart);
  },
};
