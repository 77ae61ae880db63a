// The monitoring component: kube-prometheus-stack in every cluster, aggregates recorded everywhere, sources federated
// into the central cluster over mTLS, federation alerts and the hybrid overview dashboard on the central cluster.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { componentNamespace, inNamespace, networkPolicy } from '../../generators/namespace';
import { dashboardsOf } from '../../generators/registries';
import {
  datasourcesOf,
  labelledAggregates,
  PROMETHEUS_DATASOURCE_UID,
  type RuleGroup,
} from '../../generators/telemetry';
import { versions } from '../../generators/versions';
import { ENVOY_POD_LABELS, httpRoute } from '../gateway/api';
import {
  aggregateSeries,
  aggregatesOf,
  DASHBOARD_ANNOTATIONS,
  DASHBOARD_LABELS,
  MONITORING_SELECTOR,
  NAMESPACE,
  REMOTE_WRITE_ROLE,
} from './api';
import { federationScrapeCheck } from './federation-check';
import {
  GATEWAY_TLS_SECRET,
  TLS_SECRET_KEYS,
  clientTlsSecret,
  federationGateway,
  federationScrapeConfig,
  sourceEndpoint,
} from './federation';
import { RECEIVER_KEYS, RECEIVERS_SECRET } from './alertmanager';
import { ALERTMANAGER, AMTOOL, PROMETHEUS, PROMTOOL } from './tools';
import { hybridOverview } from './hybrid-overview';
import { federationAlertGroup } from './rules';
import {
  GRAFANA_ADMIN_KEYS,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_POD_LABELS,
  GRAFANA_PORTS,
  GRAFANA_SERVICE,
  networkPolicies,
  stackValues,
} from './stack';
import { centralsOf, MONITORING_KEYS, monitoringOf, validateMonitoring, type MonitoringValues } from './values';

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

/** Every series name that crosses from a source running `components` to a central cluster: its aggregates. */
export const federatedSeries = aggregateSeries;

export const monitoring: Component<MonitoringValues> = {
  name: 'monitoring',
  version: versions.kubePrometheusStack,
  keys: MONITORING_KEYS,
  validate: validateMonitoring,
  crds: {
    groups: ['monitoring.coreos.com'],
    sources: [
      {
        module: 'github.com/prometheus-operator/prometheus-operator',
        version: versions.prometheusOperator,
        dir: 'example/prometheus-operator-crd',
      },
    ],
  },
  // Prometheus keeps its data on a PersistentVolumeClaim of the cluster's storage class.
  dependsOn: (cluster) => [
    ...('storage' in cluster.platform ? ['storage'] : []),
    ...(sourceEndpoint(cluster) ? ['load-balancing'] : []),
  ],
  addresses: (values) =>
    values.federation?.role === 'source'
      ? [{ field: 'federation.endpoint.address', address: values.federation.endpoint?.address }]
      : [],
  checks: [federationScrapeCheck],
  // The aws Prometheus's remote write to AMP (declared on every cluster that runs monitoring; used on aws only).
  irsaRoles: [REMOTE_WRITE_ROLE],
  // The clusters' releases, which the rule, alert and federation tests run.
  goTools: [PROMETHEUS, PROMTOOL, ALERTMANAGER, AMTOOL],
  exemptions: [
    {
      rule: 'namespace-psa-restricted',
      object: `Namespace/${NAMESPACE}`,
      reason:
        'kube-prometheus-stack runs node-exporter with hostNetwork, hostPID and hostPath to read node metrics; warn/audit stay restricted',
    },
  ],
  dashboards(ctx, values) {
    const federation = values.federation;
    if (federation.role !== 'central') return [];
    const sources = federation.sources.map((s) => s.cluster);
    const everywhere = [ctx.cluster.name, ...sources].flatMap((name) => ctx.installed(name));
    const panels = [...new Set(everywhere.map((i) => i.component))].flatMap((c) => c.telemetry?.overview ?? []);
    return [hybridOverview(sources, panels)];
  },
  render(ctx, values) {
    const { cluster, estate } = ctx;
    const controllers = ctx.chart('platform-controllers');
    // node-exporter needs the host's network, PID namespace and filesystem (allow-listed in the policy gate).
    componentNamespace(controllers, cluster, NAMESPACE, 'privileged');
    networkPolicies(controllers, cluster, estate, values);
    ctx.secret('platform-controllers', NAMESPACE, RECEIVERS_SECRET, [
      RECEIVER_KEYS.onCall,
      RECEIVER_KEYS.deadMansSwitch,
    ]);
    helmRepository(controllers, CHART_REPOSITORY, {
      namespace: NAMESPACE,
      url: 'https://prometheus-community.github.io/helm-charts',
    });
    helmRelease(controllers, 'kube-prometheus-stack', {
      namespace: NAMESPACE,
      chart: 'kube-prometheus-stack',
      version: versions.kubePrometheusStack,
      repository: CHART_REPOSITORY,
      values: stackValues(cluster, values),
      timeout: '15m',
    });

    const configs = ctx.chart('platform-configs');
    prometheusRule(configs, 'aggregates', labelledAggregates(aggregatesOf(ctx.installed()), cluster.name));
    const federation = values.federation;
    if (federation.role === 'source') {
      federationGateway(
        configs,
        cluster,
        federation.endpoint,
        centralsOf(estate, cluster.name).map((c) => c.name),
      );
      ctx.secret('platform-configs', NAMESPACE, GATEWAY_TLS_SECRET, TLS_SECRET_KEYS);
      return;
    }
    ctx.secret('platform-controllers', NAMESPACE, GRAFANA_ADMIN_SECRET, [
      GRAFANA_ADMIN_KEYS.user,
      GRAFANA_ADMIN_KEYS.password,
    ]);
    // Grafana's only way in: HTTPS through the Gateway, from its Envoy pods.
    const gatewayNamespace = cluster.ingress.controllerNamespace;
    new ApiObject(
      configs,
      'httproute-grafana',
      httpRoute({
        listener: federation.grafana.listener,
        namespace: NAMESPACE,
        name: 'grafana',
        hostname: federation.grafana.hostname,
        service: GRAFANA_SERVICE,
        port: GRAFANA_PORTS.service,
        gatewayNamespace,
      }),
    );
    networkPolicy(controllers, NAMESPACE, 'allow-gateway-to-grafana', {
      podSelector: { matchLabels: GRAFANA_POD_LABELS },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ ...inNamespace(gatewayNamespace), podSelector: { matchLabels: ENVOY_POD_LABELS } }],
          ports: [{ protocol: 'TCP', port: GRAFANA_PORTS.pod }],
        },
      ],
    });
    for (const scrape of federation.sources) {
      const aggregates = aggregateSeries(ctx.installed(scrape.cluster));
      federationScrapeConfig(
        configs,
        scrape,
        sourceEndpoint(monitoringOf(estate, scrape.cluster)!.cluster)!,
        aggregates,
      );
      ctx.secret('platform-configs', NAMESPACE, clientTlsSecret(scrape.cluster), TLS_SECRET_KEYS);
    }
    prometheusRule(configs, 'federation', federation.sources.map(federationAlertGroup));
    // The in-cluster Grafana has the Prometheus data source only: dashboards that read more are the managed one's.
    for (const model of dashboardsOf(ctx)) {
      if ([...datasourcesOf(model)].some((uid) => uid !== PROMETHEUS_DATASOURCE_UID)) continue;
      new ApiObject(configs, `dashboard-${model.uid}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `dashboard-${model.uid}`,
          namespace: NAMESPACE,
          labels: { ...DASHBOARD_LABELS },
          annotations: { ...DASHBOARD_ANNOTATIONS },
        },
        data: { [`${model.uid}.json`]: JSON.stringify(model, null, 2) },
      });
    }
  },
};
