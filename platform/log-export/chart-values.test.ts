// The opentelemetry-collector chart validates its values against values.schema.json, which closes most objects
// (`additionalProperties: false`): a misspelt key fails the Helm install. The rendered HelmRelease values may use only
// the key paths below, read from open-telemetry/opentelemetry-helm-charts
// charts/opentelemetry-collector/values.schema.json at chart 0.130.1 (commit 2bd24b40bf1450378315d859b47f9847b6819bef),
// the stored version nearest to versions.otelCollectorChart (0.127.2).
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { parseManifests } from '../../generators/manifests';
import { renderEstate } from '../../generators/render';
import { AGENT, CLUSTER_EXPORTER } from './api';
import { catalogue } from '../../generators/estate/catalogue';

/** `open`: any content (the schema says only "object" or "array"). `unmodelled`: closed upstream, sub-keys not listed here. */
type Keys = { [key: string]: Keys | 'open' | 'unmodelled' };

const resourceAmounts: Keys = { cpu: 'open', 'ephemeral-storage': 'open', memory: 'open' };
const httpGet: Keys = { port: 'open', path: 'open' };
const probe: Keys = {
  initialDelaySeconds: 'open',
  periodSeconds: 'open',
  timeoutSeconds: 'open',
  failureThreshold: 'open',
  terminationGracePeriodSeconds: 'open',
  httpGet,
};
const enabledOnly: Keys = { enabled: 'open' };

const CHART_KEYS: Keys = {
  enabled: 'open',
  global: 'open',
  nameOverride: 'open',
  fullnameOverride: 'open',
  mode: 'open',
  namespaceOverride: 'open',
  presets: {
    logsCollection: {
      enabled: 'open',
      includeCollectorLogs: 'open',
      storeCheckpoints: 'open',
      maxRecombineLogSize: 'open',
    },
    hostMetrics: enabledOnly,
    kubeletMetrics: enabledOnly,
    kubernetesAttributes: { enabled: 'open', extractAllPodLabels: 'open', extractAllPodAnnotations: 'open' },
    kubernetesEvents: enabledOnly,
    clusterMetrics: enabledOnly,
  },
  // Not closed upstream, so a misspelt key here would be ignored silently rather than rejected: listed all the same.
  configMap: { create: 'open', existingName: 'open', existingPath: 'open' },
  alternateConfig: 'open',
  config: 'open',
  image: { registry: 'open', repository: 'open', tag: 'open', digest: 'open', pullPolicy: 'open' },
  imagePullSecrets: 'open',
  command: { name: 'open', extraArgs: 'open' },
  serviceAccount: { create: 'open', annotations: 'open', name: 'open', automountServiceAccountToken: 'open' },
  clusterRole: {
    create: 'open',
    annotations: 'open',
    name: 'open',
    rules: 'open',
    clusterRoleBinding: { annotations: 'open', name: 'open' },
  },
  podSecurityContext: 'open',
  securityContext: 'open',
  nodeSelector: 'open',
  tolerations: 'open',
  affinity: 'open',
  topologySpreadConstraints: 'open',
  priorityClassName: 'open',
  extraContainers: 'open',
  initContainers: 'open',
  extraEnvs: 'open',
  extraEnvsFrom: 'open',
  extraVolumes: 'open',
  extraVolumeMounts: 'open',
  extraManifests: 'open',
  ports: {
    '*': {
      enabled: 'open',
      containerPort: 'open',
      servicePort: 'open',
      hostPort: 'open',
      nodePort: 'open',
      protocol: 'open',
      appProtocol: 'open',
    },
  },
  resources: { limits: resourceAmounts, requests: resourceAmounts },
  lifecycleHooks: 'unmodelled',
  livenessProbe: probe,
  readinessProbe: { ...probe, successThreshold: 'open' },
  startupProbe: probe,
  podAnnotations: 'open',
  podLabels: 'open',
  additionalLabels: 'open',
  hostNetwork: 'open',
  hostAliases: 'open',
  dnsPolicy: 'open',
  dnsConfig: 'open',
  schedulerName: 'open',
  replicaCount: 'open',
  revisionHistoryLimit: 'open',
  annotations: 'open',
  service: {
    enabled: 'open',
    trafficDistribution: 'open',
    type: 'open',
    clusterIP: 'open',
    loadBalancerIP: 'open',
    loadBalancerSourceRanges: 'open',
    annotations: 'open',
    internalTrafficPolicy: 'open',
    externalTrafficPolicy: 'open',
  },
  ingress: 'unmodelled',
  podMonitor: 'open',
  serviceMonitor: 'open',
  podDisruptionBudget: 'open',
  autoscaling: 'open',
  rollout: 'open',
  prometheusRule: 'open',
  statefulset: 'open',
  networkPolicy: 'unmodelled',
  internalTelemetryViaOTLP: 'unmodelled',
  useGOMEMLIMIT: 'open',
  shareProcessNamespace: 'open',
};

/** Key paths of `values` that the chart's schema rejects, or that this list does not model. */
function unknownChartKeys(values: Record<string, unknown>, keys: Keys = CHART_KEYS, path = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const at = `${path}${key}`;
    const allowed = keys[key] ?? keys['*'];
    if (allowed === undefined) return [`${at}: not a key of the chart`];
    if (allowed === 'unmodelled')
      return [`${at}: closed in the chart's schema and not modelled here; add its keys first`];
    if (allowed === 'open' || typeof value !== 'object' || value === null) return [];
    return unknownChartKeys(value as Record<string, unknown>, allowed, `${at}.`);
  });
}

const releases = [...renderEstate(estate, catalogue).files]
  .filter(([file]) => file.includes('/log-export/'))
  .flatMap(([file, text]) => parseManifests(file, text).docs)
  .filter((d) => d.object.kind === 'HelmRelease')
  .map((d) => ({
    name: `${d.cluster}/${d.object.metadata?.name}`,
    values: (d.object.spec as { values: Record<string, unknown> }).values,
  }));

describe('log-export HelmRelease values', () => {
  it('renders both collectors on every cluster', () => {
    expect(releases.map((r) => r.name).sort()).toEqual(
      estate.clusters.flatMap((c) => [`${c.name}/${AGENT}`, `${c.name}/${CLUSTER_EXPORTER}`]).sort(),
    );
  });

  it.each(releases.map((r) => [r.name, r.values] as const))('%s uses only keys of the chart', (_, values) => {
    expect(unknownChartKeys(values)).toEqual([]);
  });

  it('reports misspelt, misplaced and unmodelled keys with their path', () => {
    const values = {
      image: { repository: 'r', name: 'n' },
      configMap: { existingname: 'x' },
      ports: { metrics: { enabled: true, port: 8888 } },
      livenessProbe: { httpGet: { port: 1, scheme: 'HTTP' } },
      securityContext: { anything: true },
      podSecurityContexts: {},
      ingress: { enabled: false },
    };
    expect(unknownChartKeys(values)).toEqual([
      'image.name: not a key of the chart',
      'configMap.existingname: not a key of the chart',
      'ports.metrics.port: not a key of the chart',
      'livenessProbe.httpGet.scheme: not a key of the chart',
      'podSecurityContexts: not a key of the chart',
      "ingress: closed in the chart's schema and not modelled here; add its keys first",
    ]);
  });
});
