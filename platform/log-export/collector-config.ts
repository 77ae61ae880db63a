// The two collector configurations: the node agent (container logs) and the cluster exporter (events and states).
// They are rendered into ConfigMaps; the end-to-end test runs the agent's exactly as rendered, paths redirected.
import { objectKeys } from './datasets';

/** Where the agent keeps its position DB and sending queue on the node (hostPath, survives pod restarts). */
export const AGENT_STATE_DIR = '/var/lib/otelcol-log-export';
/** Where the kubelet writes container logs in the CRI format. */
export const POD_LOGS_DIR = '/var/log/pods';
export const METRICS_PORT = 8888;
export const HEALTH_PORT = 13133;
/** The key of the ConfigMap that the opentelemetry-collector chart mounts as the collector's config. */
export const CONFIG_KEY = 'relay';

export interface S3Target {
  bucket: string;
  region: string;
}

/** Retry forever: under an S3 outage data waits in the on-disk queue instead of being dropped. */
const RETRY_FOREVER = { enabled: true, initial_interval: '5s', max_interval: '1m', max_elapsed_time: '0s' };

/**
 * When the s3ndjson exporter writes the records gathered for one key partition as one object (see
 * collector/s3ndjsonexporter/batcher.go): once it holds `max_bytes` of NDJSON, once its first record is `max_age` old,
 * or once every queue consumer waits on an open object. A request leaves the on-disk queue only after its objects
 * are written. The collector's own batching cannot do this at the pinned v0.128.0: `sending_queue.batch` needs the
 * `items` or `bytes` sizer, a queue with `storage` only takes `requests` (go.opentelemetry.io/collector/exporter
 * v0.128.0, exporterhelper/internal/queuebatch/config.go, Config.Validate), and the batch processor would hold records
 * in memory in front of the queue, lost in a crash.
 */
export const FLUSH = { max_age: '1m', max_bytes: 8 * 1024 * 1024 };
/**
 * Requests (≤ 100 records each: pkg/stanza v0.128.0, fileconsumer/internal/reader/factory.go DefaultMaxBatchSize) that
 * may wait in open objects at once; under load an object gathers about half of them.
 */
export const QUEUE_CONSUMERS = 128;

function s3Exporter(target: S3Target, key: string, queueRequests: number) {
  return {
    bucket: target.bucket,
    region: target.region,
    key,
    // Per upload; a request waits at most flush.max_age plus one upload.
    timeout: '30s',
    flush: FLUSH,
    retry_on_failure: RETRY_FOREVER,
    // Persistent queue of receiver batches; `queue_size` bounds the disk it uses.
    sending_queue: {
      enabled: true,
      storage: 'file_storage',
      sizer: 'requests',
      queue_size: queueRequests,
      num_consumers: QUEUE_CONSUMERS,
      block_on_overflow: true,
    },
  };
}

function telemetry() {
  return {
    logs: { level: 'info', encoding: 'json' },
    metrics: {
      level: 'normal',
      readers: [{ pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: METRICS_PORT } } } }],
    },
  };
}

function extensions(stateDir: string) {
  return {
    file_storage: {
      directory: stateDir,
      create_directory: true,
      fsync: true,
      compaction: { on_start: true, on_rebound: true, directory: stateDir },
    },
    health_check: { endpoint: `\${env:MY_POD_IP}:${HEALTH_PORT}` },
  };
}

export interface AgentOptions {
  cluster: string;
  target: S3Target;
  /** Bound of the on-disk sending queue, in requests. */
  queueRequests: number;
}

export function agentConfig(o: AgentOptions) {
  return {
    extensions: extensions(AGENT_STATE_DIR),
    receivers: {
      filelog: {
        include: [`${POD_LOGS_DIR}/*/*/*.log`],
        start_at: 'beginning',
        include_file_path: true,
        include_file_name: false,
        // The position DB: offsets survive restarts, so nothing is read twice or skipped.
        storage: 'file_storage',
        poll_interval: '1s',
        // While the queue is full the receiver stops reading instead of dropping; the kubelet's log files hold the
        // rest.
        retry_on_failure: RETRY_FOREVER,
        operators: [
          { type: 'container', id: 'cri' },
          {
            type: 'json_parser',
            id: 'json-lines',
            if: 'body matches "^\\\\s*\\\\{"',
            parse_from: 'body',
            parse_to: 'body',
            on_error: 'send_quiet',
          },
          { type: 'move', id: 'plain-lines', if: 'type(body) == "string"', from: 'body', to: 'body.message' },
        ],
      },
    },
    processors: {
      k8sattributes: {
        auth_type: 'serviceAccount',
        filter: { node_from_env_var: 'K8S_NODE_NAME' },
        pod_association: [{ sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] }],
        extract: {
          metadata: [
            'k8s.node.name',
            'k8s.deployment.name',
            'k8s.statefulset.name',
            'k8s.daemonset.name',
            'k8s.cronjob.name',
            'k8s.job.name',
            'container.image.name',
            'container.image.tag',
          ],
          labels: [{ tag_name: 'app', key: 'app.kubernetes.io/name', from: 'pod' }],
        },
      },
    },
    exporters: { s3ndjson: s3Exporter(o.target, objectKeys(o.cluster).logs, o.queueRequests) },
    service: {
      extensions: ['file_storage', 'health_check'],
      telemetry: telemetry(),
      pipelines: { logs: { receivers: ['filelog'], processors: ['k8sattributes'], exporters: ['s3ndjson'] } },
    },
  };
}

export interface ClusterExporterOptions {
  cluster: string;
  target: S3Target;
  stateDir: string;
  queueRequests: number;
  /** How often the state snapshot is taken, e.g. `15m`. */
  statesInterval: string;
  /** The local Prometheus (one replica, `host:port`) and the names of the aggregates the cluster records. */
  prometheus: { address: string; aggregates: readonly string[] };
  /** Where the cluster runs streaming: the task-aggregates topic to export as the `streams` dataset. */
  streams?: StreamsSource;
}

/** The stream job's output topic and how the exporter reads it (the broker contract is platform/kafka/api.ts). */
export interface StreamsSource {
  brokers: string[];
  topic: string;
  group: string;
  /** SCRAM-SHA-512 credentials; without them, plaintext (the loopback test broker). */
  sasl?: { username: string; passwordEnv: string };
  /** The cluster CA (PEM); without it, no TLS. */
  caFile?: string;
}

/** The environment variable the exporter's Kafka password comes from (the Kafka user's Secret). */
export const KAFKA_PASSWORD_ENV = 'KAFKA_PASSWORD';

/**
 * The kafka receiver (contrib v0.128.0, receiver/kafkareceiver config.go and pkg/kafka/configkafka config.go):
 * `json` makes each record's JSON value the log body (internal/unmarshaler/json.go), with only the observed time set.
 * Offsets are marked after the pipeline returned, i.e. after the s3ndjson push (objects written), so a crash re-reads
 * and the export is at-least-once like the others; `on_error: false` keeps a failed record's offset unmarked.
 */
function kafkaReceiver(o: StreamsSource) {
  return {
    brokers: o.brokers,
    client_id: o.group,
    group_id: o.group,
    // A new group starts at the topic's beginning: nothing the retention still holds is skipped.
    initial_offset: 'earliest',
    logs: { topic: o.topic, encoding: 'json' },
    message_marking: { after: true, on_error: false },
    ...(o.caFile ? { tls: { ca_file: o.caFile } } : {}),
    ...(o.sasl
      ? {
          auth: {
            sasl: { mechanism: 'SCRAM-SHA-512', username: o.sasl.username, password: `\${env:${o.sasl.passwordEnv}}` },
          },
        }
      : {}),
  };
}

/**
 * The record's time is its minute (`window_start`, RFC 3339 UTC as java.time.Instant prints it), so the object keys
 * partition aggregates by the minute they describe, not by when they were read.
 */
const STREAM_STATEMENTS = [
  'set(time, Time(body["window_start"], "%Y-%m-%dT%H:%M:%SZ")) where IsString(body["window_start"])',
];

/**
 * Raw series kept in S3 beside the aggregates, for analyses the aggregates cannot answer: the sample service's
 * per-pod request and task counters and queue depth (apps/task-tracker), and kube-state-metrics' restarts and
 * replica counts. Histogram buckets stay out: their cardinality is the aggregates' job.
 */
export const RAW_SERIES = [
  'task_tracker_http_requests_total',
  'task_tracker_tasks_created_total',
  'task_tracker_tasks_processed_total',
  'task_tracker_tasks_queue_depth',
  'kube_pod_container_status_restarts_total',
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas_available',
] as const;

/** The job name of the /federate scrape; the filter and transform processors recognise its own series by it. */
export const FEDERATE_JOB = 'log-export-federate';
/**
 * Half the Prometheus rule evaluation interval (30s, platform/monitoring/stack.ts): /federate returns each series'
 * latest sample, so every evaluation is read at least once even when a scrape is late; the repeats share name, labels
 * and time and are duplicates a reader drops.
 */
export const FEDERATE_SCRAPE = { interval: '15s', timeout: '10s', sampleLimit: 50_000 };

/**
 * The `match[]` selectors: this cluster's own aggregates (a central cluster's Prometheus also holds the sources'
 * federated ones, labelled with their cluster, which their own exporters write) and the raw series, which never cross.
 */
export function metricsMatchers(cluster: string, aggregates: readonly string[]): string[] {
  return [`{__name__=~"${aggregates.join('|')}",cluster="${cluster}"}`, `{__name__=~"${RAW_SERIES.join('|')}"}`];
}

/** The series of the scrape itself: the receiver reports `up` and `scrape_*` under the scrape's own job. */
const OWN_JOB = `resource.attributes["service.name"] == "${FEDERATE_JOB}"`;
const SCRAPE_REPORT = `${OWN_JOB} and (name == "up" or IsMatch(name, "^scrape_"))`;
/**
 * Series without a job or instance label (most aggregates) get the scrape's own from the receiver (prometheusreceiver
 * v0.128.0, internal/transaction.go, getJobAndInstance): the scrape's job and instance are both FEDERATE_JOB (see
 * `relabel_configs`), and these statements remove them, so the records carry the series' own labels only.
 */
const OWN_JOB_STATEMENTS = ['service.instance.id', 'service.name'].map(
  (key) => `delete_key(attributes, "${key}") where attributes["${key}"] == "${FEDERATE_JOB}"`,
);

function federateReceiver(o: ClusterExporterOptions) {
  return {
    config: {
      scrape_configs: [
        {
          job_name: FEDERATE_JOB,
          scrape_interval: FEDERATE_SCRAPE.interval,
          scrape_timeout: FEDERATE_SCRAPE.timeout,
          sample_limit: FEDERATE_SCRAPE.sampleLimit,
          metrics_path: '/federate',
          params: { 'match[]': metricsMatchers(o.cluster, o.prometheus.aggregates) },
          // The series' own job and instance, and the times Prometheus recorded them at.
          honor_labels: true,
          honor_timestamps: true,
          static_configs: [{ targets: [o.prometheus.address] }],
          relabel_configs: [{ target_label: 'instance', replacement: FEDERATE_JOB }],
        },
      ],
    },
  };
}

const WORKLOADS = ['deployments', 'statefulsets', 'daemonsets'];
/** The k8sobjects receiver names the resource each snapshot record came from. */
const from = (resource: string) => `where attributes["k8s.resource.name"] == "${resource}"`;

/** OTTL that trims each snapshot object to what the states table holds: capacity/conditions, desired/ready/restarts. */
const STATE_STATEMENTS = [
  'delete_key(body["metadata"], "managedFields")',
  'delete_key(body["metadata"], "annotations")',
  `keep_keys(body["status"], ["capacity", "allocatable", "conditions", "nodeInfo"]) ${from('nodes')}`,
  `keep_keys(body["spec"], ["taints", "unschedulable"]) ${from('nodes')}`,
  ...WORKLOADS.map((resource) => `keep_keys(body["spec"], ["replicas"]) ${from(resource)}`),
  `keep_keys(body["spec"], ["nodeName"]) ${from('pods')}`,
  `keep_keys(body["status"], ["phase", "conditions", "containerStatuses"]) ${from('pods')}`,
];

export function clusterExporterConfig(o: ClusterExporterOptions) {
  const keys = objectKeys(o.cluster);
  const snapshot = (name: string, group?: string) => ({
    name,
    ...(group ? { group } : {}),
    mode: 'pull',
    interval: o.statesInterval,
  });
  return {
    extensions: extensions(o.stateDir),
    receivers: {
      'k8sobjects/events': {
        auth_type: 'serviceAccount',
        objects: [{ name: 'events', group: 'events.k8s.io', mode: 'watch' }],
      },
      'k8sobjects/states': {
        auth_type: 'serviceAccount',
        objects: [snapshot('nodes'), snapshot('pods'), ...WORKLOADS.map((w) => snapshot(w, 'apps'))],
      },
      'prometheus/federate': federateReceiver(o),
      ...(o.streams ? { 'kafka/streams': kafkaReceiver(o.streams) } : {}),
    },
    processors: {
      'transform/states': { error_mode: 'ignore', log_statements: [{ context: 'log', statements: STATE_STATEMENTS }] },
      'filter/scrape-report': { error_mode: 'ignore', metrics: { metric: [SCRAPE_REPORT] } },
      'transform/own-job': {
        error_mode: 'ignore',
        metric_statements: [{ context: 'resource', statements: OWN_JOB_STATEMENTS }],
      },
      ...(o.streams
        ? {
            'transform/streams': {
              error_mode: 'ignore',
              log_statements: [{ context: 'log', statements: STREAM_STATEMENTS }],
            },
          }
        : {}),
    },
    exporters: {
      's3ndjson/events': s3Exporter(o.target, keys.events, o.queueRequests),
      's3ndjson/states': s3Exporter(o.target, keys.states, o.queueRequests),
      's3ndjson/metrics': s3Exporter(o.target, keys.metrics, o.queueRequests),
      ...(o.streams ? { 's3ndjson/streams': s3Exporter(o.target, keys.streams, o.queueRequests) } : {}),
    },
    service: {
      extensions: ['file_storage', 'health_check'],
      telemetry: telemetry(),
      pipelines: {
        'logs/events': { receivers: ['k8sobjects/events'], exporters: ['s3ndjson/events'] },
        'logs/states': {
          receivers: ['k8sobjects/states'],
          processors: ['transform/states'],
          exporters: ['s3ndjson/states'],
        },
        'metrics/federate': {
          receivers: ['prometheus/federate'],
          processors: ['filter/scrape-report', 'transform/own-job'],
          exporters: ['s3ndjson/metrics'],
        },
        ...(o.streams
          ? {
              'logs/streams': {
                receivers: ['kafka/streams'],
                processors: ['transform/streams'],
                exporters: ['s3ndjson/streams'],
              },
            }
          : {}),
      },
    },
  };
}
