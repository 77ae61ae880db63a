/** Label that kube-prometheus-stack selects ServiceMonitors, PodMonitors, PrometheusRules and ScrapeConfigs by. */
export const MONITORING_SELECTOR = { 'monitoring.acme.example/prometheus': 'main' } as const;

/** Label the Grafana dashboards sidecar watches ConfigMaps for. */
export const DASHBOARD_LABELS = { grafana_dashboard: '1' } as const;

/** Dashboards hold `${…}` Grafana variables that Flux post-build substitution must leave alone. */
export const DASHBOARD_ANNOTATIONS = { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } as const;
