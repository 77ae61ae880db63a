// Federation across the VPN. A source cluster exposes only /federate, behind an nginx that requires a client
// certificate from a central cluster. A central cluster scrapes it with a ScrapeConfig that lets only the recorded
// aggregates cross.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Cluster } from '../../generators/model';
import { addressAt, parseCidr } from '../../generators/cidr';
import { versions } from '../../generators/versions';
import { METALLB_ADDRESS_ANNOTATION } from '../load-balancing/api';
import { federationJob } from './rules';
import { MONITORING_SELECTOR, NAMESPACE, PROMETHEUS_REPLICA_ADDRESS } from './api';

export { PROMETHEUS_NAME } from './api';
import type { FederationEndpoint, FederationScrape, MonitoringValues } from './values';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';

export const GATEWAY_NAME = 'federate-gateway';
export const GATEWAY_LABELS = { 'app.kubernetes.io/name': GATEWAY_NAME } as const;
const GATEWAY_TLS_PORT = 8443;
const GATEWAY_HEALTH_PORT = 8081;
const TLS_DIR = '/etc/federate-tls';
const CONFIG_DIR = '/etc/federate-gateway';

/** Keys of the TLS Secrets on both ends: the own certificate and key, and the CA that signs the other end. */
export const TLS_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;
/** Every key of a federation TLS Secret, as declared to `ctx.secret`. */
export const TLS_SECRET_KEYS = [TLS_KEYS.cert, TLS_KEYS.key, TLS_KEYS.ca] as const;

/** The Secret on the source holding the gateway's server certificate and the CA of allowed clients. */
export const GATEWAY_TLS_SECRET = 'federate-gateway-tls';
/** The Secret on a central cluster holding its client certificate for one source. */
export function clientTlsSecret(source: string): string {
  return `federate-client-${source}`;
}
/** The certificate subject (CN) a central cluster presents; the gateway admits only these. */
export function clientCommonName(central: string): string {
  return `prometheus-${central}`;
}

/**
 * The `match[]` selector: exact names of the source's recorded aggregates, so nothing else crosses. Raw series such
 * as `up` stay home: with honorLabels they would answer the central cluster's own alerts (KubeAPIDown's
 * `absent(up{job="apiserver"} == 1)` would see the source's apiserver).
 */
export function federationMatchers(aggregates: readonly string[]): string[] {
  return [`{__name__=~"${aggregates.join('|')}"}`];
}

/** Kubernetes DNS, which Talos serves on the tenth address of the service network. */
export function clusterDnsAddress(cluster: Cluster): string {
  return addressAt(parseCidr(cluster.network.serviceCidr)!, 10);
}

export function gatewayConfig(centrals: string[], dnsAddress: string): string {
  const allowed = centrals.map((c) => `    "CN=${clientCommonName(c)}" 1;`).join('\n');
  return `worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 256; }
http {
  access_log /dev/stdout;
  server_tokens off;
  resolver ${dnsAddress} valid=30s;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  map $ssl_client_s_dn $federation_client {
    default 0;
${allowed}
  }
  server {
    listen ${GATEWAY_TLS_PORT} ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate ${TLS_DIR}/${TLS_KEYS.cert};
    ssl_certificate_key ${TLS_DIR}/${TLS_KEYS.key};
    ssl_client_certificate ${TLS_DIR}/${TLS_KEYS.ca};
    ssl_verify_client on;
    location = /federate {
      if ($federation_client = 0) { return 403; }
      limit_except GET { deny all; }
      # Through a variable, nginx resolves the pod's name per request: a recreated pod has a new address.
      set $prometheus http://${PROMETHEUS_REPLICA_ADDRESS};
      proxy_pass $prometheus;
      proxy_read_timeout 30s;
    }
    location / { return 404; }
  }
  server {
    listen ${GATEWAY_HEALTH_PORT};
    location = /healthz { access_log off; return 200 "ok\\n"; }
    location / { return 404; }
  }
}
`;
}

/** The on-prem side: the mTLS gateway, its config and its LoadBalancer Service on the model's address. */
export function federationGateway(
  scope: Construct,
  cluster: Cluster,
  endpoint: FederationEndpoint,
  centrals: string[],
): void {
  const labels = { ...GATEWAY_LABELS };
  new ApiObject(scope, 'gateway-config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: GATEWAY_NAME, namespace: NAMESPACE, labels },
    data: { 'nginx.conf': gatewayConfig(centrals, clusterDnsAddress(cluster)) },
  });
  const probe = (initialDelaySeconds: number) => ({
    httpGet: { path: '/healthz', port: GATEWAY_HEALTH_PORT },
    initialDelaySeconds,
    periodSeconds: 10,
  });
  new ApiObject(scope, 'gateway-deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: GATEWAY_NAME, namespace: NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, ...RUNTIME_DEFAULT_SECCOMP },
          containers: [
            {
              name: 'nginx',
              image: `nginxinc/nginx-unprivileged:${versions.nginxUnprivileged}`,
              imagePullPolicy: 'IfNotPresent',
              command: ['nginx', '-c', `${CONFIG_DIR}/nginx.conf`, '-g', 'daemon off;'],
              ports: [
                { name: 'federate', containerPort: GATEWAY_TLS_PORT },
                { name: 'health', containerPort: GATEWAY_HEALTH_PORT },
              ],
              resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } },
              livenessProbe: probe(5),
              readinessProbe: probe(1),
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: GATEWAY_NAME } },
            { name: 'tls', secret: { secretName: GATEWAY_TLS_SECRET } },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  });
  new ApiObject(scope, 'gateway-service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: GATEWAY_NAME,
      namespace: NAMESPACE,
      labels,
      annotations: { [METALLB_ADDRESS_ANNOTATION]: endpoint.address },
    },
    spec: {
      type: 'LoadBalancer',
      // Keeps the client address, so the NetworkPolicy can admit only the central clusters' networks.
      externalTrafficPolicy: 'Local',
      selector: labels,
      ports: [{ name: 'federate', port: endpoint.port, targetPort: 'federate', protocol: 'TCP' }],
    },
  });
}

/** The central side: a ScrapeConfig of the source's /federate over the VPN, with the client certificate. */
export function federationScrapeConfig(
  scope: Construct,
  scrape: FederationScrape,
  endpoint: FederationEndpoint,
  aggregates: readonly string[],
): ApiObject {
  const secret = clientTlsSecret(scrape.cluster);
  return new ApiObject(scope, `scrapeconfig-${scrape.cluster}`, {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'ScrapeConfig',
    metadata: { name: federationJob(scrape.cluster), namespace: NAMESPACE, labels: { ...MONITORING_SELECTOR } },
    spec: {
      jobName: federationJob(scrape.cluster),
      staticConfigs: [{ targets: [`${endpoint.address}:${endpoint.port}`] }],
      scheme: 'HTTPS',
      metricsPath: '/federate',
      params: { 'match[]': federationMatchers(aggregates) },
      honorLabels: true,
      scrapeInterval: scrape.interval,
      scrapeTimeout: scrape.timeout,
      sampleLimit: scrape.sampleLimit,
      tlsConfig: {
        serverName: endpoint.hostname,
        ca: { secret: { name: secret, key: TLS_KEYS.ca } },
        cert: { secret: { name: secret, key: TLS_KEYS.cert } },
        keySecret: { name: secret, key: TLS_KEYS.key },
      },
    },
  });
}

export function sourceEndpoint(cluster: Cluster): FederationEndpoint | undefined {
  const federation = (cluster.platform.monitoring as MonitoringValues | undefined)?.federation;
  return federation?.role === 'source' ? federation.endpoint : undefined;
}
