// kube-prometheus-stack: its NetworkPolicies and its typed chart values.
import type { Construct } from 'constructs';
import { irsaCredentials, irsaRoleArn } from '../../generators/irsa';
import { location, type Cluster, type Estate } from '../../generators/model';
import { awsApiEgress, cidrPeers, networkPolicy } from '../../generators/namespace';
import { fluxStateMetricsValues } from '../flux-feedback/api';
import { alertmanagerConfig, alertmanagerEgress, RECEIVERS_SECRET } from './alertmanager';
import {
  DASHBOARD_LABELS,
  metricsWorkspaceEndpoint,
  MONITORING_SELECTOR,
  NAMESPACE,
  PROMETHEUS_POD_LABELS,
  PROMETHEUS_SERVICE_ACCOUNT,
  REMOTE_WRITE_ROLE,
} from './api';
import { GATEWAY_LABELS, PROMETHEUS_NAME, sourceEndpoint } from './federation';
import { PROMETHEUS_DATASOURCE_UID } from '../../generators/telemetry';
import type { CentralFederation, MonitoringValues } from './values';
import { centralsOf, monitoringOf } from './values';

/** The Secret holding Grafana's admin login (keys `admin-user`, `admin-password`). */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
export const GRAFANA_ADMIN_KEYS = { user: 'admin-user', password: 'admin-password' } as const;
/**
 * Grafana's Service, `<release>-grafana` (grafana.fullname in the grafana chart's templates/_helpers.tpl, which
 * kube-prometheus-stack names after its release), its port and the pod's.
 */
export const GRAFANA_SERVICE = 'kube-prometheus-stack-grafana';
export const GRAFANA_PORTS = { service: 80, pod: 3000 } as const;
export const GRAFANA_POD_LABELS = { 'app.kubernetes.io/name': 'grafana' } as const;

/** Labels Prometheus adds to everything that leaves it: alerts, and what /federate returns. */
export function externalLabels(cluster: Cluster): Record<string, string> {
  return { cluster: cluster.name, ...location(cluster) };
}

/** The allows beyond the base policies: traffic inside the namespace, scraping, notifications, the federation path. */
export function networkPolicies(scope: Construct, cluster: Cluster, estate: Estate, values: MonitoringValues): void {
  const { nodeCidr, podCidr } = cluster.network;
  networkPolicy(scope, NAMESPACE, 'allow-within-namespace', {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
  networkPolicy(scope, NAMESPACE, 'allow-prometheus-scrape', {
    podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(podCidr, nodeCidr) }],
  });
  alertmanagerEgress(scope, cluster);
  if (values.remoteWrite) {
    // The AMP endpoint has no fixed addresses (generators/namespace.ts awsApiEgress); STS for the web identity too.
    networkPolicy(scope, NAMESPACE, 'allow-prometheus-remote-write', {
      podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
      policyTypes: ['Egress'],
      egress: [awsApiEgress(cluster)],
    });
  }

  const federation = values.federation;
  if (federation.role === 'source') {
    const centrals = centralsOf(estate, cluster.name);
    networkPolicy(scope, NAMESPACE, 'allow-federation-from-central', {
      podSelector: { matchLabels: GATEWAY_LABELS },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: cidrPeers(...centrals.flatMap((c) => [c.network.nodeCidr, c.network.podCidr])),
          ports: [{ protocol: 'TCP', port: 'federate' }],
        },
      ],
    });
  } else {
    networkPolicy(scope, NAMESPACE, 'allow-federation-to-sources', {
      podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
      policyTypes: ['Egress'],
      egress: federation.sources.map((s) => {
        const endpoint = sourceEndpoint(monitoringOf(estate, s.cluster)!.cluster)!;
        return { to: cidrPeers(`${endpoint.address}/32`), ports: [{ protocol: 'TCP', port: endpoint.port }] };
      }),
    });
  }
}

const selector = { matchLabels: { ...MONITORING_SELECTOR } };
const monitorLabels = { additionalLabels: { ...MONITORING_SELECTOR } };
const small = (cpu: string, memory: string, limit: string) => ({
  requests: { cpu, memory },
  limits: { memory: limit },
});

/**
 * Remote write to the cluster's AMP workspace, signed with SigV4. prometheus-operator v0.89.0 `RemoteWriteSpec.sigv4`
 * (pkg/apis/monitoring/v1/types.go: region, accessKey, secretKey, profile, roleArn) with no keys leaves Prometheus to
 * the AWS SDK's default credential chain (github.com/prometheus/sigv4, NewSigV4RoundTripper: LoadDefaultConfig), which
 * takes the web identity from AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: the IRSA credentials every component here
 * gets (generators/irsa.ts), set on the operator's `prometheus` container through `containers` (merged by name),
 * `volumes` and `volumeMounts` of the Prometheus spec.
 */
function remoteWriteSpec(cluster: Cluster, values: MonitoringValues): Record<string, unknown> {
  if (cluster.provider !== 'aws' || !values.remoteWrite) return {};
  const credentials = irsaCredentials(irsaRoleArn(cluster, REMOTE_WRITE_ROLE));
  return {
    remoteWrite: [
      {
        url: `${metricsWorkspaceEndpoint(cluster.region, values.remoteWrite.workspaceId)}api/v1/remote_write`,
        sigv4: { region: cluster.region },
      },
    ],
    containers: [{ name: 'prometheus', env: credentials.env }],
    volumes: credentials.volumes,
    volumeMounts: credentials.mounts,
  };
}

/** The chart values. Everything the repo declares is selected by MONITORING_SELECTOR in every namespace. */
export function stackValues(cluster: Cluster, values: MonitoringValues): Record<string, unknown> {
  const p = values.prometheus;
  const central = values.federation.role === 'central';
  return {
    fullnameOverride: PROMETHEUS_NAME,
    cleanPrometheusOperatorObjectNames: true,
    // The chart's own ServiceMonitors and PrometheusRules carry the label too, so one selector picks up everything.
    commonLabels: { ...MONITORING_SELECTOR },
    // bootstrap/talos/patches keep Talos's defaults, which serve the scheduler's, the controller manager's and etcd's
    // metrics only on localhost or behind etcd's client certificates, and no security group opens them: scrapes would
    // fail.
    kubeEtcd: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeControllerManager: { enabled: false },
    prometheusOperator: {
      // Rules are checked with promtool in CI; the webhook would need a certificate job and API-server ingress.
      admissionWebhooks: { enabled: false },
      tls: { enabled: false },
      resources: small('50m', '128Mi', '256Mi'),
    },
    prometheus: {
      serviceAccount: { create: true, name: PROMETHEUS_SERVICE_ACCOUNT },
      prometheusSpec: {
        ...remoteWriteSpec(cluster, values),
        replicas: 1,
        externalLabels: externalLabels(cluster),
        scrapeInterval: '30s',
        evaluationInterval: '30s',
        retention: p.retention,
        retentionSize: `${Math.floor(p.storageGi * 0.85)}GB`,
        resources: { requests: p.requests, limits: { memory: p.memoryLimit } },
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              storageClassName: cluster.storageClass,
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: `${p.storageGi}Gi` } },
            },
          },
        },
        serviceMonitorSelector: selector,
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: selector,
        podMonitorNamespaceSelector: {},
        probeSelector: selector,
        probeNamespaceSelector: {},
        ruleSelector: selector,
        ruleNamespaceSelector: {},
        scrapeConfigSelector: selector,
        scrapeConfigNamespaceSelector: {},
      },
    },
    alertmanager: {
      alertmanagerSpec: { replicas: 1, resources: small('20m', '64Mi', '128Mi'), secrets: [RECEIVERS_SECRET] },
      config: alertmanagerConfig(),
    },
    'kube-state-metrics': {
      resources: small('20m', '64Mi', '256Mi'),
      prometheus: { monitor: monitorLabels },
      // The state of Flux's objects, which the flux-feedback alerts and dashboard read.
      ...('flux-feedback' in cluster.platform ? fluxStateMetricsValues() : {}),
    },
    'prometheus-node-exporter': { resources: small('20m', '32Mi', '64Mi'), prometheus: { monitor: monitorLabels } },
    grafana: central
      ? {
          enabled: true,
          admin: {
            existingSecret: GRAFANA_ADMIN_SECRET,
            userKey: GRAFANA_ADMIN_KEYS.user,
            passwordKey: GRAFANA_ADMIN_KEYS.password,
          },
          resources: small('50m', '192Mi', '512Mi'),
          // The Service the Gateway's route names; set here rather than left to the grafana chart's defaults.
          service: { port: GRAFANA_PORTS.service, targetPort: GRAFANA_PORTS.pod },
          // Behind the Gateway over HTTPS only: no anonymous viewer, no self sign-up, cookies for https only
          // (grafana.ini sections auth.anonymous, users, security, server; Grafana's configuration reference).
          'grafana.ini': {
            server: { root_url: `https://${(values.federation as CentralFederation).grafana.hostname}/` },
            'auth.anonymous': { enabled: false },
            users: { allow_sign_up: false, allow_org_create: false },
            security: { cookie_secure: true, cookie_samesite: 'strict', disable_gravatar: true },
          },
          serviceMonitor: { labels: { ...MONITORING_SELECTOR } },
          sidecar: {
            resources: small('10m', '64Mi', '128Mi'),
            dashboards: {
              enabled: true,
              label: Object.keys(DASHBOARD_LABELS)[0],
              labelValue: Object.values(DASHBOARD_LABELS)[0],
              searchNamespace: 'ALL',
            },
            datasources: { enabled: true, defaultDatasourceEnabled: true, uid: PROMETHEUS_DATASOURCE_UID },
          },
        }
      : { enabled: false },
  };
}
