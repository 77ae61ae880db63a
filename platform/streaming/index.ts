// The stream job on the cluster that runs streaming (the model says which: on-prem here): namespace, the Kafka Streams
// Deployment with its Kafka user's SCRAM password and the cluster CA, NetworkPolicies, its scrape, alerts and the
// aggregates that federation carries to the central cluster. The brokers are platform/kafka's (its api.ts).
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { clusterImageReference } from '../../generators/images';
import type { Cluster } from '../../generators/model';
import { componentNamespace, networkPolicy } from '../../generators/namespace';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';
import { monitoredService, prometheusScrapeIngress } from '../monitoring/api';
import { aggregates, overview } from './aggregates';
import { alertGroups } from './alerts';
import {
  declareKafkaCredentials,
  KAFKA_BOOTSTRAP,
  KAFKA_CA_KEY,
  KAFKA_PASSWORD_KEY,
  KAFKA_SASL_MECHANISM,
  kafkaCredentialsSecret,
  kafkaEgress,
} from '../kafka/api';
import { IMAGE, JOB, KAFKA_USERS, METRICS_PORT, NAME, NAMESPACE, TOPICS } from './api';
import { STREAMING_KEYS, validateStreaming, type StreamingValues } from './values';

export type { StreamingValues } from './values';

const LABELS = { 'app.kubernetes.io/name': JOB };
const UID = 65532;
const CA_DIR = '/etc/kafka-ca';
const STATE_DIR = '/var/lib/task-stream';
const USER = KAFKA_USERS.taskStream;

/**
 * The job's environment (platform/streaming/job Settings.java: every KAFKA_<NAME> is the Kafka property <name>). The
 * JAAS line takes the password through Kubernetes' $(VAR) expansion of an earlier variable, named without the KAFKA_
 * prefix so the job does not read it as a property; the CA is a PEM truststore (Kafka clients read PEM since 2.7,
 * KIP-651), the Secret's `ca.crt` as it is.
 */
export function jobEnv(cluster: Cluster, values: StreamingValues) {
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER.name}" password="$(SCRAM_PASSWORD)";`;
  return [
    { name: 'CLUSTER', value: cluster.name },
    { name: 'METRICS_PORT', value: String(METRICS_PORT) },
    { name: 'WINDOW_GRACE_SECONDS', value: String(values.windowGraceSeconds) },
    { name: 'TASK_EVENTS_TOPIC', value: TOPICS.events },
    { name: 'TASK_AGGREGATES_TOPIC', value: TOPICS.aggregates },
    { name: 'KAFKA_BOOTSTRAP_SERVERS', value: KAFKA_BOOTSTRAP },
    // Its consumer group, and the prefix of its transactional ids and internal topics, which its ACLs allow.
    { name: 'KAFKA_APPLICATION_ID', value: USER.applicationId },
    { name: 'KAFKA_SECURITY_PROTOCOL', value: 'SASL_SSL' },
    { name: 'KAFKA_SASL_MECHANISM', value: KAFKA_SASL_MECHANISM },
    {
      name: 'SCRAM_PASSWORD',
      valueFrom: { secretKeyRef: { name: kafkaCredentialsSecret(USER.name), key: KAFKA_PASSWORD_KEY } },
    },
    { name: 'KAFKA_SASL_JAAS_CONFIG', value: jaas },
    { name: 'KAFKA_SSL_TRUSTSTORE_TYPE', value: 'PEM' },
    { name: 'KAFKA_SSL_TRUSTSTORE_LOCATION', value: `${CA_DIR}/${KAFKA_CA_KEY}` },
    { name: 'KAFKA_STATE_DIR', value: STATE_DIR },
  ];
}

function deployment(scope: Construct, cluster: Cluster, values: StreamingValues): void {
  const probe = { httpGet: { path: '/-/healthy', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 };
  new ApiObject(scope, 'deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: JOB, namespace: NAMESPACE, labels: LABELS },
    spec: {
      // Every event of a minute shares one group key, so one instance does all the work; a second would be a
      // standby. Recreate: the old instance leaves the group before the new one joins (no fencing churn).
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          automountServiceAccountToken: false,
          // Kafka Streams closes within 20 s of SIGTERM (Main.java).
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: UID,
            runAsGroup: UID,
            fsGroup: UID,
            ...RUNTIME_DEFAULT_SECCOMP,
          },
          volumes: [
            {
              name: 'kafka-ca',
              secret: {
                secretName: kafkaCredentialsSecret(USER.name),
                items: [{ key: KAFKA_CA_KEY, path: KAFKA_CA_KEY }],
                defaultMode: 0o440,
              },
            },
            // The window store's local copy (RocksDB; Kafka rebuilds it from its changelog topic) and the JVM's tmp,
            // where RocksDB unpacks its native library.
            { name: 'state', emptyDir: {} },
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          ],
          containers: [
            {
              name: JOB,
              image: clusterImageReference(IMAGE, cluster),
              imagePullPolicy: 'IfNotPresent',
              env: jobEnv(cluster, values),
              ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
              // The JVM and the broker connection take a while at start.
              startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 24 },
              livenessProbe: { ...probe, failureThreshold: 3 },
              readinessProbe: probe,
              resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
              securityContext: { ...RESTRICTED_CONTAINER, runAsNonRoot: true, runAsUser: UID, runAsGroup: UID },
              volumeMounts: [
                { name: 'kafka-ca', mountPath: CA_DIR, readOnly: true },
                { name: 'state', mountPath: STATE_DIR },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
        },
      },
    },
  });
  new ApiObject(scope, 'service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: JOB, namespace: NAMESPACE, labels: LABELS },
    spec: {
      type: 'ClusterIP',
      selector: LABELS,
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
    },
  });
}

function networkPolicies(scope: Construct): void {
  networkPolicy(scope, NAMESPACE, 'allow-kafka', {
    podSelector: { matchLabels: LABELS },
    policyTypes: ['Egress'],
    egress: [kafkaEgress()],
  });
  networkPolicy(scope, NAMESPACE, 'allow-metrics-scrape', {
    podSelector: { matchLabels: LABELS },
    policyTypes: ['Ingress'],
    ingress: [prometheusScrapeIngress(METRICS_PORT)],
  });
}

export const streaming: Component<StreamingValues> = {
  name: NAME,
  version: IMAGE.tag,
  keys: STREAMING_KEYS,
  validate: (values, cluster) => validateStreaming(values, cluster),
  images: [IMAGE],
  telemetry: { aggregates, overview },
  // The brokers and the job's KafkaUser (its Secret) come first, once the cluster runs platform/kafka.
  dependsOn: () => ['kafka'],
  render(ctx, values) {
    const controllers = ctx.chart('platform-controllers');
    // The job never calls the Kubernetes API.
    componentNamespace(controllers, ctx.cluster, NAMESPACE, 'restricted', { kubeApiServer: false });
    networkPolicies(controllers);
    deployment(controllers, ctx.cluster, values);
    declareKafkaCredentials(ctx, 'platform-controllers', NAMESPACE, USER.name);
    const configs = ctx.chart('platform-configs');
    for (const manifest of monitoredService(JOB, NAMESPACE, LABELS, alertGroups(values.staleAfterMinutes)))
      new ApiObject(configs, manifest.kind.toLowerCase(), manifest);
  },
};
