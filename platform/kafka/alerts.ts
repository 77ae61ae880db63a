// Alerts on the brokers' JMX exporter series and kafka-exporter's. The names are those Strimzi's example metrics config
// produces (packaging/examples/metrics/kafka-metrics.yaml and prometheus-install/prometheus-rules/ of
// strimzi/strimzi-kafka-operator at tag 1.2.0): `kafka_server_replicamanager_underreplicatedpartitions`,
// `kafka_controller_kafkacontroller_offlinepartitionscount` and kafka-exporter's `kafka_consumergroup_lag`.
import { alertRule as alert } from '../../generators/telemetry';
import { KAFKA_NAMESPACE } from './api';

const scope = `namespace="${KAFKA_NAMESPACE}"`;
/** Days before the cluster CA's certificate expires that the alert fires: ours is not renewed by Strimzi. */
export const CA_EXPIRY_DAYS = 60;
/** Records a consumer group may be behind on a partition before it is called lagging. */
export const LAG_THRESHOLD = 1000;

export function alertGroups() {
  return [
    {
      name: 'kafka',
      rules: [
        alert(
          'KafkaUnderReplicatedPartitions',
          `sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{${scope}}) > 0`,
          '10m',
          'warning',
          '{{ $labels.pod }} leads {{ $value }} partitions with fewer in-sync replicas than replicas (a broker down or slow?)',
        ),
        alert(
          'KafkaOfflinePartitions',
          `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${scope}}) > 0`,
          '1m',
          'critical',
          '{{ $value }} partitions have no leader: producers and consumers of them fail',
        ),
        alert(
          'KafkaConsumerGroupLag',
          `sum by (consumergroup, topic) (kafka_consumergroup_lag{${scope}}) > ${LAG_THRESHOLD}`,
          '15m',
          'warning',
          'consumer group {{ $labels.consumergroup }} is {{ $value }} records behind on {{ $labels.topic }}',
        ),
        // The cluster operator's gauge, type "cluster-ca" (KafkaAssemblyOperatorMetricsHolder and
        // CertificateMetricKey at 1.2.0); the clients CA is Strimzi's and renewed by it.
        alert(
          'KafkaClusterCaExpiresSoon',
          `min(strimzi_certificate_expiration_timestamp_ms{${scope}, type="cluster-ca"}) / 1000 - time() ` +
            `< ${CA_EXPIRY_DAYS} * 86400`,
          '1h',
          'warning',
          `the Kafka cluster CA expires within ${CA_EXPIRY_DAYS} days: raise platform.kafka.caGeneration, ` +
            'run npm run kafka-credentials and commit (platform/kafka/README.md)',
        ),
      ],
    },
  ];
}
