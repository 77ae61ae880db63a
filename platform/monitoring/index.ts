// The monitoring component: kube-prometheus-stack in every cluster, aggregates recorded everywhere, sources federated
// into the central cluster over mTLS, federation alerts and the hybrid overview dashboard on the central cluster.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { componentNamespace } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { RECEIVERS_SECRET } from './alertmanager';
import { GATEWAY_TLS_SECRET, NAMESPACE, clientTlsSecret, federationGateway, federationScrapeConfig, sourceEndpoint } from './federation';
import { hybridOverview } from './hybrid-overview';
import { aggregateGroups, federationAlertGroup, type RuleGroup } from './rules';
import { DASHBOARD_ANNOTATIONS, DASHBOARD_LABELS, MONITORING_SELECTOR } from './selectors';
import { GRAFANA_ADMIN_SECRET, networkPolicies, stackValues } from './stack';
import { centralsOf, monitoringOf, validateMonitoring, type MonitoringValues } from './values';

export type { MonitoringValues } from './values';

const CHART_REPOSITORY = 'prometheus-community';

function prometheusRule(scope: Construct, name: string, groups: RuleGroup[]): void {
  new ApiObject(scope, `prometheusrule-${name}`, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: { groups },
  });
}

export const monitoring: Component<MonitoringValues> = {
  name: 'monitoring',
  version: versions.kubePrometheusStack,
  validate: validateMonitoring,
  render(ctx, values) {
    const { cluster, estate } = ctx;
    const controllers = ctx.chart('platform-controllers');
    // node-exporter needs the host's network, PID namespace and filesystem (allow-listed in the policy gate).
    componentNamespace(controllers, cluster, NAMESPACE, 'privileged');
    networkPolicies(controllers, cluster, estate, values);
    ctx.secret('platform-controllers', NAMESPACE, RECEIVERS_SECRET);
    helmRepository(controllers, CHART_REPOSITORY, { namespace: NAMESPACE, url: 'https://prometheus-community.github.io/helm-charts' });
    helmRelease(controllers, 'kube-prometheus-stack', {
      namespace: NAMESPACE,
      chart: 'kube-prometheus-stack',
      version: versions.kubePrometheusStack,
      repository: CHART_REPOSITORY,
      values: stackValues(cluster, values),
      timeout: '15m',
    });

    const configs = ctx.chart('platform-configs');
    prometheusRule(configs, 'aggregates', aggregateGroups(cluster.name));
    const federation = values.federation;
    if (federation.role === 'source') {
      federationGateway(configs, cluster, federation.endpoint, centralsOf(estate, cluster.name).map((c) => c.name));
      ctx.secret('platform-configs', NAMESPACE, GATEWAY_TLS_SECRET);
      return;
    }
    ctx.secret('platform-controllers', NAMESPACE, GRAFANA_ADMIN_SECRET);
    for (const scrape of federation.sources) {
      federationScrapeConfig(configs, scrape, sourceEndpoint(monitoringOf(estate, scrape.cluster)!.cluster)!);
      ctx.secret('platform-configs', NAMESPACE, clientTlsSecret(scrape.cluster));
    }
    prometheusRule(configs, 'federation', federation.sources.map(federationAlertGroup));
    new ApiObject(configs, 'dashboard-hybrid-overview', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dashboard-hybrid-overview', namespace: NAMESPACE, labels: { ...DASHBOARD_LABELS }, annotations: { ...DASHBOARD_ANNOTATIONS } },
      data: { 'hybrid-overview.json': JSON.stringify(hybridOverview(federation.sources.map((s) => s.cluster)), null, 2) },
    });
  },
};
