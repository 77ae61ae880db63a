// The monitoring component's contract with other components: where Prometheus runs and the labels it selects by.
// cdk8s-free, so bootstrap and other components may import it.
import type { Installed } from '../../generators/component';
import { recordedSeries, type RuleGroup } from '../../generators/telemetry';
import { platformAggregates } from './rules';

export const NAMESPACE = 'monitoring';

/** Pods of the Prometheus StatefulSet carry this label (set by the operator): NetworkPolicies admit its scrapes. */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' } as const;

/** Label that kube-prometheus-stack selects ServiceMonitors, PodMonitors, PrometheusRules and ScrapeConfigs by. */
export const MONITORING_SELECTOR = { 'monitoring.acme.example/prometheus': 'main' } as const;

/** Label the Grafana dashboards sidecar watches ConfigMaps for. */
export const DASHBOARD_LABELS = { grafana_dashboard: '1' } as const;

/** Dashboards hold `${…}` Grafana variables that Flux post-build substitution must leave alone. */
export const DASHBOARD_ANNOTATIONS = { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } as const;

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
