// The monitoring component's contract with other components: where Prometheus runs and the labels it selects by.
// cdk8s-free, so bootstrap and other components may import it.
import type { Installed } from '../../generators/component';
import type { IrsaPolicyContext, IrsaRole } from '../../generators/irsa';
import type { Cluster } from '../../generators/model';
import { recordedSeries, type RuleGroup } from '../../generators/telemetry';
import { platformAggregates } from './rules';

export const NAMESPACE = 'monitoring';

/** Pods of the Prometheus StatefulSet carry this label (set by the operator): NetworkPolicies admit its scrapes. */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' } as const;

/** Alertmanager pods carry this label (prometheus-operator v0.89.0, pkg/alertmanager/operator.go). */
export const ALERTMANAGER_POD_LABELS = { 'app.kubernetes.io/name': 'alertmanager' } as const;

/**
 * Alertmanager's API inside the cluster: the governing Service the operator creates for every Alertmanager and its web
 * port (prometheus-operator v0.89.0, pkg/alertmanager/statefulset.go: `alertmanager-operated`, 9093).
 */
export const ALERTMANAGER_API = { service: 'alertmanager-operated', port: 9093 } as const;

/** Label that kube-prometheus-stack selects ServiceMonitors, PodMonitors, PrometheusRules and ScrapeConfigs by. */
export const MONITORING_SELECTOR = { 'monitoring.acme.example/prometheus': 'main' } as const;

/** Label the Grafana dashboards sidecar watches ConfigMaps for. */
export const DASHBOARD_LABELS = { grafana_dashboard: '1' } as const;

/** Dashboards hold `${…}` Grafana variables that Flux post-build substitution must leave alone. */
export const DASHBOARD_ANNOTATIONS = { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } as const;

/** An ingress rule admitting Prometheus's scrapes on `port`, for a component's NetworkPolicy. */
export const prometheusScrapeIngress = (port: number) => ({
  from: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NAMESPACE } },
      podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
    },
  ],
  ports: [{ protocol: 'TCP', port }],
});

/** A workload's metrics endpoint: the Service Prometheus discovers it by (its name is the `job` label) and the
 * NetworkPolicy that lets Prometheus scrape the `metrics` port. */
export function metricsEndpoint(name: string, namespace: string, labels: Record<string, string>, port: number) {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-metrics-scrape', namespace },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [prometheusScrapeIngress(port)],
      },
    },
  ];
}

/**
 * The ServiceMonitor and PrometheusRule of a component whose Service `name` (selected by `labels`) serves metrics on
 * its port `metrics`: plain manifests, which the component adds to its platform-configs layer.
 */
export function monitoredService(name: string, namespace: string, labels: Record<string, string>, groups: unknown) {
  const metadata = { name, namespace, labels: { ...MONITORING_SELECTOR } };
  return [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata,
      spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'metrics', interval: '30s' }] },
    },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata, spec: { groups } },
  ];
}

/** The Prometheus custom resource that kube-prometheus-stack creates (see `stackValues`). */
export const PROMETHEUS_NAME = 'kube-prometheus-stack';

/** One replica, addressed by pod name: readers of /federate never see the series of two HA replicas. */
export const PROMETHEUS_REPLICA_ADDRESS = `prometheus-${PROMETHEUS_NAME}-0.prometheus-operated.${NAMESPACE}.svc.cluster.local:9090`;

/** What a cluster records: the platform's aggregates and those of every component it runs. */
export function aggregatesOf(components: readonly Installed[]): RuleGroup[] {
  return [...components.flatMap(({ component }) => component.telemetry?.aggregates ?? []), ...platformAggregates];
}

/** The names of every series a cluster running `components` records: what federation carries and log-export keeps. */
export function aggregateSeries(components: readonly Installed[]): string[] {
  return recordedSeries(aggregatesOf(components));
}

/**
 * Prometheus's ServiceAccount, named explicitly in the chart values (`prometheus.serviceAccount.name`) so the IRSA
 * trust does not hang on the chart's naming.
 */
export const PROMETHEUS_SERVICE_ACCOUNT = `${PROMETHEUS_NAME}-prometheus`;

/** The AMP workspace an aws cluster remote-writes to (its monitoring `remoteWrite.workspaceId`), if any. */
export function metricsWorkspaceOf(cluster: Cluster): string | undefined {
  return (cluster.platform.monitoring as { remoteWrite?: { workspaceId: string } } | undefined)?.remoteWrite
    ?.workspaceId;
}

export const metricsWorkspaceArn = (region: string, accountId: string, workspaceId: string) =>
  `arn:aws:aps:${region}:${accountId}:workspace/${workspaceId}`;

/** The workspace's Prometheus endpoint (AMP User Guide, "Ingest metrics": `<endpoint>api/v1/remote_write`). */
export const metricsWorkspaceEndpoint = (region: string, workspaceId: string) =>
  `https://aps-workspaces.${region}.amazonaws.com/workspaces/${workspaceId}/`;

function remoteWritePolicy({ region, accountId, metricsWorkspaceId }: IrsaPolicyContext): Record<string, unknown> {
  if (!metricsWorkspaceId) throw new Error('the prometheus-remote-write role needs metricsWorkspaceId in its context');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RemoteWriteOwnWorkspace',
        Effect: 'Allow',
        Action: 'aps:RemoteWrite',
        Resource: metricsWorkspaceArn(region, accountId, metricsWorkspaceId),
      },
    ],
  };
}

/** What the aws Prometheus signs its remote writes with (SigV4): aps:RemoteWrite on its workspace, nothing else. */
export const REMOTE_WRITE_ROLE: IrsaRole = {
  name: 'prometheus-remote-write',
  namespace: NAMESPACE,
  serviceAccounts: [PROMETHEUS_SERVICE_ACCOUNT],
  policy: remoteWritePolicy,
};
