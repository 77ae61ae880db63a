// The two collector configurations: the node agent (container logs) and the cluster exporter (events and states).
// They are rendered into ConfigMaps; the end-to-end test runs the agent's exactly as rendered, paths redirected.

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

/** Object key prefixes; the exporter fills the placeholders per record (UTC) and appends `/<sha256>.json.gz`. */
export function objectKeys(cluster: string) {
  return {
    logs: `logs/cluster=${cluster}/namespace={namespace}/dt={dt}/hour={hour}`,
    events: `events/cluster=${cluster}/dt={dt}/hour={hour}`,
    states: `states/cluster=${cluster}/dt={dt}`,
  };
}

/** Retry forever: under an S3 outage data waits in the on-disk queue instead of being dropped. */
const RETRY_FOREVER = { enabled: true, initial_interval: '5s', max_interval: '1m', max_elapsed_time: '0s' };

function s3Exporter(target: S3Target, key: string, queueRequests: number) {
  return {
    bucket: target.bucket,
    region: target.region,
    key,
    timeout: '30s',
    retry_on_failure: RETRY_FOREVER,
    // Persistent queue: each request is one receiver batch (≤100 records); `queue_size` bounds the disk it uses.
    sending_queue: {
      enabled: true,
      storage: 'file_storage',
      sizer: 'requests',
      queue_size: queueRequests,
      num_consumers: 4,
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
        // While the queue is full the receiver stops reading instead of dropping; the kubelet's log files hold the rest.
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
    },
    processors: {
      'transform/states': { error_mode: 'ignore', log_statements: [{ context: 'log', statements: STATE_STATEMENTS }] },
    },
    exporters: {
      's3ndjson/events': s3Exporter(o.target, keys.events, o.queueRequests),
      's3ndjson/states': s3Exporter(o.target, keys.states, o.queueRequests),
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
      },
    },
  };
}
