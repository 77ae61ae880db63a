// Kafka on-prem: the Strimzi operator (its chart from Strimzi's OCI registry) and one KRaft cluster `events` of three
// combined controller+broker nodes, with the topics and SCRAM users of the model. The operator, the brokers and the
// entity operator share the namespace `kafka`; Strimzi's own NetworkPolicy generation is off, so the policies here
// are the whole of what may reach the brokers.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import type { Cluster } from '../../generators/model';
import { componentNamespace, inNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { MONITORING_SELECTOR, prometheusScrapeIngress } from '../monitoring/api';
import { alertGroups } from './alerts';
import {
  KAFKA_CA_KEY,
  KAFKA_CLUSTER,
  KAFKA_GROUP,
  KAFKA_NAMESPACE,
  KAFKA_PASSWORD_KEY,
  KAFKA_PORT,
  kafkaCredentialsSecret,
} from './api';
import { KAFKA_KEYS, validateKafka, type KafkaAclValues, type KafkaValues } from './values';

export type { KafkaValues } from './values';

const OPERATOR = 'strimzi-kafka-operator';
const API = `${KAFKA_GROUP}/v1`;
export const NODE_POOL = 'brokers';
/** Strimzi's ports (cluster-operator/.../model/KafkaCluster.java and metrics/MetricsModel.java at tag 1.2.0). */
export const PORTS = { controlPlane: 9090, replication: 9091, agent: 8443, metrics: 9404, operatorHttp: 8080 };
/**
 * The cluster CA is ours, not Strimzi's (`clusterCa.generateCertificateAuthority: false`), so that its certificate
 * can be given, SOPS-encrypted, to the clients in their own namespaces. Strimzi reads it from these two Secrets, with
 * these labels and generation annotations, and signs the brokers' certificates with the key (documentation/modules/
 * security/proc-installing-your-own-ca-certificates.adoc at tag 1.2.0: PEM only; ca.p12 is optional).
 */
export const CLUSTER_CA = {
  cert: { name: `${KAFKA_CLUSTER}-cluster-ca-cert`, key: KAFKA_CA_KEY, annotation: 'strimzi.io/ca-cert-generation' },
  key: { name: `${KAFKA_CLUSTER}-cluster-ca`, key: 'ca.key', annotation: 'strimzi.io/ca-key-generation' },
} as const;
const METRICS_CONFIG = 'kafka-metrics';
const METRICS_KEY = 'kafka-metrics-config.yml';

/** Pod labels Strimzi sets (labels.strimziSelectorLabels(); KafkaExporterResources, EntityOperator at 1.2.0). */
const strimziName = (component: string) => ({ 'strimzi.io/name': `${KAFKA_CLUSTER}-${component}` });
const BROKERS = { 'strimzi.io/cluster': KAFKA_CLUSTER, 'strimzi.io/kind': 'Kafka', ...strimziName('kafka') };
const ENTITY_OPERATOR = strimziName('entity-operator');
const KAFKA_EXPORTER = strimziName('kafka-exporter');
/** The chart's Deployment labels (templates/060-Deployment-strimzi-cluster-operator.yaml at 1.2.0). */
const CLUSTER_OPERATOR = { 'strimzi.io/kind': 'cluster-operator' };

/**
 * The broker versions Strimzi 1.2.0 supports (`supported: true` in kafka-versions.yaml at tag 1.2.0: 4.2.0, 4.2.1,
 * 4.3.0 and 4.3.1); the brokers run the version the streaming tests start, which must be one of them.
 */
export const STRIMZI_KAFKA_VERSIONS = /^4\.[23]\.[01]$/;
/** `metadataVersion` of that release (kafka-versions.yaml at 1.2.0: 4.3.x is 4.3-IV0). */
const metadataVersion = (kafka: string) => `${kafka.split('.').slice(0, 2).join('.')}-IV0`;

/** JMX exporter rules giving the series names of Strimzi's example config for the gauges the alerts read. */
const JMX_EXPORTER_CONFIG = {
  lowercaseOutputName: true,
  rules: [
    { pattern: 'kafka.server<type=(.+), name=(.+)><>Value', name: 'kafka_server_$1_$2', type: 'GAUGE' },
    { pattern: 'kafka.controller<type=(.+), name=(.+)><>Value', name: 'kafka_controller_$1_$2', type: 'GAUGE' },
  ],
};

function operator(scope: Construct): void {
  helmRepository(scope, OPERATOR, { namespace: KAFKA_NAMESPACE, url: 'oci://quay.io/strimzi-helm', type: 'oci' });
  helmRelease(scope, OPERATOR, {
    namespace: KAFKA_NAMESPACE,
    chart: OPERATOR,
    version: versions.strimzi,
    repository: OPERATOR,
    values: {
      // watchNamespaces empty: the operator watches its own namespace only (values.yaml at 1.2.0).
      watchNamespaces: [],
      generateNetworkPolicy: false,
      // Strimzi's pods fit Pod Security `restricted` only with this provider (documentation, "Applying security
      // context to Strimzi pods" at 1.2.0).
      extraEnvs: [{ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' }],
      resources: { requests: { cpu: '200m', memory: '384Mi' }, limits: { memory: '384Mi' } },
    },
  });
}

/** Allows inside `kafka` and from the clients' namespaces; default-deny, DNS and the API server come first. */
function networkPolicies(scope: Construct, values: KafkaValues): void {
  const peers = (...labels: Record<string, string>[]) =>
    labels.map((matchLabels) => ({ podSelector: { matchLabels } }));
  const port = (p: number) => ({ protocol: 'TCP', port: p });
  networkPolicy(scope, KAFKA_NAMESPACE, 'allow-brokers-ingress', {
    podSelector: { matchLabels: BROKERS },
    policyTypes: ['Ingress'],
    ingress: [
      { from: peers(BROKERS, CLUSTER_OPERATOR), ports: [port(PORTS.controlPlane)] },
      {
        from: peers(BROKERS, CLUSTER_OPERATOR, ENTITY_OPERATOR, KAFKA_EXPORTER),
        ports: [port(PORTS.replication)],
      },
      { from: peers(CLUSTER_OPERATOR), ports: [port(PORTS.agent)] },
      {
        from: [...new Set(values.users.map((u) => u.namespace))].sort().map(inNamespace),
        ports: [port(KAFKA_PORT)],
      },
    ],
  });
  networkPolicy(scope, KAFKA_NAMESPACE, 'allow-to-brokers', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: peers(BROKERS),
        ports: [port(PORTS.controlPlane), port(PORTS.replication), port(PORTS.agent)],
      },
    ],
  });
  networkPolicy(scope, KAFKA_NAMESPACE, 'allow-metrics-scrape', {
    podSelector: { matchExpressions: [{ key: 'strimzi.io/kind', operator: 'In', values: ['Kafka'] }] },
    policyTypes: ['Ingress'],
    ingress: [prometheusScrapeIngress(PORTS.metrics)],
  });
  networkPolicy(scope, KAFKA_NAMESPACE, 'allow-operator-metrics-scrape', {
    podSelector: { matchLabels: CLUSTER_OPERATOR },
    policyTypes: ['Ingress'],
    ingress: [prometheusScrapeIngress(PORTS.operatorHttp)],
  });
}

function acl(a: KafkaAclValues) {
  const resource =
    a.resource === 'cluster'
      ? { type: 'cluster' }
      : { type: a.resource, name: a.name, patternType: a.prefix ? 'prefix' : 'literal' };
  return { resource, operations: a.operations };
}

function cluster(scope: Construct, c: Cluster, values: KafkaValues): void {
  const labels = { 'strimzi.io/cluster': KAFKA_CLUSTER };
  new ApiObject(scope, 'configmap-metrics', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: METRICS_CONFIG, namespace: KAFKA_NAMESPACE },
    data: { [METRICS_KEY]: JSON.stringify(JMX_EXPORTER_CONFIG, null, 2) },
  });
  new ApiObject(scope, 'kafkanodepool', {
    apiVersion: API,
    kind: 'KafkaNodePool',
    metadata: { name: NODE_POOL, namespace: KAFKA_NAMESPACE, labels },
    spec: {
      replicas: 3,
      roles: ['controller', 'broker'],
      storage: {
        type: 'jbod',
        volumes: [
          {
            id: 0,
            type: 'persistent-claim',
            size: `${values.storageGi}Gi`,
            class: c.storageClass,
            deleteClaim: false,
            kraftMetadata: 'shared',
          },
        ],
      },
      resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
    },
  });
  new ApiObject(scope, 'kafka', {
    apiVersion: API,
    kind: 'Kafka',
    metadata: { name: KAFKA_CLUSTER, namespace: KAFKA_NAMESPACE },
    spec: {
      kafka: {
        version: versions.kafkaBroker,
        metadataVersion: metadataVersion(versions.kafkaBroker),
        listeners: [
          { name: 'tls', port: KAFKA_PORT, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } },
        ],
        authorization: { type: 'simple' },
        config: {
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'offsets.topic.replication.factor': 3,
          'transaction.state.log.replication.factor': 3,
          'transaction.state.log.min.isr': 2,
          'auto.create.topics.enable': false,
        },
        metricsConfig: {
          type: 'jmxPrometheusExporter',
          valueFrom: { configMapKeyRef: { name: METRICS_CONFIG, key: METRICS_KEY } },
        },
      },
      clusterCa: { generateCertificateAuthority: false },
      entityOperator: { topicOperator: {}, userOperator: {} },
      // Consumer lag per group and partition, for the lag alert.
      kafkaExporter: { topicRegex: '.*', groupRegex: '.*' },
    },
  });
  for (const topic of values.topics) {
    new ApiObject(scope, `kafkatopic-${topic.name}`, {
      apiVersion: API,
      kind: 'KafkaTopic',
      metadata: { name: topic.name, namespace: KAFKA_NAMESPACE, labels },
      spec: {
        partitions: topic.partitions,
        replicas: 3,
        config: topic.compacted
          ? { 'cleanup.policy': 'compact' }
          : { 'cleanup.policy': 'delete', 'retention.ms': topic.retentionHours! * 3_600_000 },
      },
    });
  }
  for (const user of values.users) {
    new ApiObject(scope, `kafkauser-${user.name}`, {
      apiVersion: API,
      kind: 'KafkaUser',
      metadata: { name: user.name, namespace: KAFKA_NAMESPACE, labels },
      spec: {
        // The password is ours too (from the SOPS Secret beside it), so that the client's copy can hold the same one.
        authentication: {
          type: 'scram-sha-512',
          password: {
            valueFrom: { secretKeyRef: { name: kafkaCredentialsSecret(user.name), key: KAFKA_PASSWORD_KEY } },
          },
        },
        authorization: { type: 'simple', acls: user.acls.map(acl) },
      },
    });
  }
}

function monitoring(scope: Construct): void {
  const metadata = (name: string) => ({ name, namespace: KAFKA_NAMESPACE, labels: { ...MONITORING_SELECTOR } });
  new ApiObject(scope, 'podmonitor-kafka', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(KAFKA_CLUSTER),
    spec: {
      selector: { matchLabels: { 'strimzi.io/cluster': KAFKA_CLUSTER } },
      podMetricsEndpoints: [{ port: 'tcp-prometheus', path: '/metrics', interval: '30s' }],
    },
  });
  new ApiObject(scope, 'podmonitor-operator', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(OPERATOR),
    spec: {
      selector: { matchLabels: CLUSTER_OPERATOR },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    },
  });
  new ApiObject(scope, 'prometheusrule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: metadata(KAFKA_CLUSTER),
    spec: { groups: alertGroups() },
  });
}

export const kafka: Component<KafkaValues> = {
  name: 'kafka',
  version: versions.strimzi,
  keys: KAFKA_KEYS,
  validate(values) {
    const problems = validateKafka(values);
    if (!STRIMZI_KAFKA_VERSIONS.test(versions.kafkaBroker))
      problems.push({
        field: '',
        message: `Strimzi ${versions.strimzi} does not run Kafka ${versions.kafkaBroker} (versions.kafkaBroker): pick one of its kafka-versions.yaml`,
      });
    return problems;
  },
  crds: {
    groups: [KAFKA_GROUP],
    sources: [
      {
        // The api jar holds the model classes only; crd-generator writes the CRDs from them, as Strimzi's own build
        // does (api/pom.xml, execution generate-crds, at tag 1.2.0; the output is byte-identical to
        // packaging/install/cluster-operator/04*-Crd-*.yaml there). It is built for Java 21 (pom.xml
        // maven.compiler.release).
        maven: [`io.strimzi:api:${versions.strimzi}`, `io.strimzi:crd-generator:${versions.strimzi}`],
        mainClass: 'io.strimzi.crdgenerator.CrdGenerator',
        args: [
          ...['--label', 'app:strimzi', '--label', 'strimzi.io/crd-install:true', '--target-kube', '1.16+'],
          ...['--crd-api-version', 'v1', '--api-versions', 'v1', '--storage-version', 'v1', '--yaml'],
          ...[
            ['kafka.Kafka', '040-Crd-kafka'],
            ['podset.StrimziPodSet', '042-Crd-strimzipodset'],
            ['topic.KafkaTopic', '043-Crd-kafkatopic'],
            ['user.KafkaUser', '044-Crd-kafkauser'],
            ['nodepool.KafkaNodePool', '045-Crd-kafkanodepool'],
          ].map(([cls, file]) => `io.strimzi.api.kafka.model.${cls}={out}/${file}.yaml`),
        ],
        java: 21,
      },
    ],
  },
  dependsOn: () => ['storage', 'monitoring'],
  render(ctx, values) {
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, ctx.cluster, KAFKA_NAMESPACE, 'restricted');
    operator(controllers);
    networkPolicies(controllers, values);
    const configs = ctx.chart('platform-configs');
    const labels = { 'strimzi.io/kind': 'Kafka', 'strimzi.io/cluster': KAFKA_CLUSTER };
    for (const { name, key, annotation } of [CLUSTER_CA.cert, CLUSTER_CA.key]) {
      const annotations = { [annotation]: String(values.caGeneration ?? 0) };
      ctx.secret('platform-configs', KAFKA_NAMESPACE, name, [key], { labels, annotations });
    }
    for (const user of values.users)
      ctx.secret('platform-configs', KAFKA_NAMESPACE, kafkaCredentialsSecret(user.name), [KAFKA_PASSWORD_KEY]);
    cluster(configs, ctx.cluster, values);
    monitoring(configs);
  },
};
