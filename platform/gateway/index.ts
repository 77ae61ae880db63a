// The edge of each cluster: Envoy Gateway (the Gateway API implementation), one GatewayClass and one Gateway whose
// listeners come from the model, every one HTTPS with the certificate cert-manager issues for the model's hostnames, a
// plain-HTTP listener that only redirects, and a per-client rate limit and a body-size bound on every listener. The
// Envoy Service is an NLB (aws-nlb clusters) or a MetalLB address (metallb clusters).
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { helmRelease } from '../../generators/flux';
import type { Cluster } from '../../generators/model';
import { cidrPeers, componentNamespace, fromApiServer, inNamespace, networkPolicy } from '../../generators/namespace';
import { RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';
import { versions } from '../../generators/versions';
import { CLUSTER_ISSUER, CERT_MANAGER_API } from '../certificates/api';
import { AWS_NLB_ANNOTATIONS, METALLB_ADDRESS_ANNOTATION } from '../load-balancing/api';
import { MONITORING_SELECTOR, NAMESPACE as MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../monitoring/api';
import { ENVOY_POD_LABELS, GATEWAY_API, GATEWAY_NAME, listenerName, REDIRECT_LISTENER, TLS_SECRET } from './api';
import { GATEWAY_KEYS, validateGateway, type GatewayValues } from './values';

export type { GatewayValues } from './values';

export const RELEASE = 'envoy-gateway';
const EG_API = 'gateway.envoyproxy.io/v1alpha1';
/** The controller pods' label (charts/gateway-helm/templates/envoy-gateway-deployment.yaml, v1.9.1). */
const CONTROLLER_PODS = { matchLabels: { 'control-plane': 'envoy-gateway' } };
const ENVOY_PODS = { matchLabels: { ...ENVOY_POD_LABELS } };
/**
 * Ports of the controller (the chart's deployment.ports: xDS 18000, rate limit 18001, Wasm 18002, metrics 19001), of
 * the topology injector webhook (9443), and of Envoy: it binds a listener port below 1024 plus 10000 so that it needs
 * no capability (wellKnownPortShift in internal/gatewayapi/translator.go) and serves stats on 19001
 * (internal/xds/bootstrap/bootstrap.go), all at github.com/envoyproxy/gateway v1.9.1.
 */
const PORTS = { xds: 18000, webhook: 9443, metrics: 19001, envoyHttp: 10080, envoyHttps: 10443 } as const;
/** Envoy Gateway's GatewayClass controller (GatewayControllerName, api/v1alpha1/envoygateway_types.go, v1.9.1). */
const CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';

export function serviceAnnotations(cluster: Cluster, values: GatewayValues): Record<string, string> {
  if (cluster.ingress.loadBalancer === 'metallb') return { [METALLB_ADDRESS_ANNOTATION]: values.address! };
  // The cloud controller's NLB is internal unless the scheme annotation says internet-facing
  // (service.beta.kubernetes.io/aws-load-balancer-internal, kubernetes/cloud-provider-aws docs/service_controller.md).
  const internal = { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' };
  return { ...AWS_NLB_ANNOTATIONS, ...(values.scheme === 'internal' ? internal : {}) };
}

/** The chart's values (charts/gateway-helm/values.tmpl.yaml of github.com/envoyproxy/gateway v1.9.1). */
function chartValues(): Record<string, unknown> {
  return {
    // Two controllers with leader election, so a drain never leaves the proxies without xDS for long.
    deployment: {
      replicas: 2,
      envoyGateway: {
        imagePullPolicy: 'IfNotPresent',
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1024Mi' } },
      },
      pod: { securityContext: RUNTIME_DEFAULT_SECCOMP },
    },
    podDisruptionBudget: { minAvailable: 1 },
    // The chart installs the Gateway API CRDs (bundle v1.6.1) with Envoy Gateway's own.
    crds: { enabled: true },
  };
}

function controllerPolicies(scope: Construct, cluster: Cluster, namespace: string): void {
  networkPolicy(scope, namespace, 'allow-https-from-anywhere', {
    podSelector: ENVOY_PODS,
    policyTypes: ['Ingress'],
    ingress: [
      {
        ports: [
          { protocol: 'TCP', port: PORTS.envoyHttp },
          { protocol: 'TCP', port: PORTS.envoyHttps },
        ],
      },
    ],
  });
  networkPolicy(scope, namespace, 'allow-xds-from-envoy', {
    podSelector: CONTROLLER_PODS,
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: ENVOY_PODS }], ports: [{ protocol: 'TCP', port: PORTS.xds }] }],
  });
  networkPolicy(scope, namespace, 'allow-envoy-to-controller', {
    podSelector: ENVOY_PODS,
    policyTypes: ['Egress'],
    egress: [{ to: [{ podSelector: CONTROLLER_PODS }], ports: [{ protocol: 'TCP', port: PORTS.xds }] }],
  });
  networkPolicy(scope, namespace, 'allow-webhook-from-apiserver', {
    podSelector: CONTROLLER_PODS,
    policyTypes: ['Ingress'],
    ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: PORTS.webhook }] }],
  });
  networkPolicy(scope, namespace, 'allow-metrics-from-prometheus', {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ ...inNamespace(MONITORING_NAMESPACE), podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }],
        ports: [{ protocol: 'TCP', port: PORTS.metrics }],
      },
    ],
  });
  // Backends are pods of any namespace; their own NetworkPolicies admit the Envoy pods.
  networkPolicy(scope, namespace, 'allow-envoy-to-backends', {
    podSelector: ENVOY_PODS,
    policyTypes: ['Egress'],
    egress: [{ to: cidrPeers(cluster.network.podCidr) }],
  });
}

/** The Envoy fleet every Gateway of the class gets: replicas, resources, security, and its Service. */
function envoyProxy(scope: Construct, cluster: Cluster, namespace: string, values: GatewayValues): void {
  new ApiObject(scope, 'envoyproxy', {
    apiVersion: EG_API,
    kind: 'EnvoyProxy',
    metadata: { name: GATEWAY_NAME, namespace },
    spec: {
      provider: {
        type: 'Kubernetes',
        kubernetes: {
          envoyDeployment: {
            replicas: values.replicas,
            pod: { securityContext: RUNTIME_DEFAULT_SECCOMP },
            container: {
              resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          },
          envoyPDB: { minAvailable: 1 },
          envoyService: {
            type: 'LoadBalancer',
            annotations: serviceAnnotations(cluster, values),
            // Keeps the client address, which the per-client rate limit counts by.
            externalTrafficPolicy: 'Local',
          },
        },
      },
    },
  });
}

function gateway(scope: Construct, cluster: Cluster, namespace: string, values: GatewayValues): void {
  const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: GATEWAY_NAME };
  new ApiObject(scope, 'gatewayclass', {
    apiVersion: GATEWAY_API,
    kind: 'GatewayClass',
    metadata: { name: cluster.ingress.className },
    spec: {
      controllerName: CONTROLLER_NAME,
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: GATEWAY_NAME, namespace },
    },
  });
  new ApiObject(scope, 'gateway', {
    apiVersion: GATEWAY_API,
    kind: 'Gateway',
    metadata: { name: GATEWAY_NAME, namespace },
    spec: {
      gatewayClassName: cluster.ingress.className,
      listeners: [
        // Port 80 exists only to redirect: no route but the redirect below may attach.
        { name: REDIRECT_LISTENER, protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
        ...values.listeners.map((l) => ({
          name: listenerName(l.name),
          protocol: 'HTTPS',
          port: 443,
          hostname: l.hostname,
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: TLS_SECRET }] },
          allowedRoutes: {
            kinds: [{ kind: 'HTTPRoute' }],
            namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': l.namespace } } },
          },
        })),
      ],
    },
  });
  new ApiObject(scope, 'httproute-redirect', {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: 'https-redirect', namespace },
    spec: {
      parentRefs: [{ ...gatewayRef, sectionName: REDIRECT_LISTENER }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    },
  });
  // Per client address and Envoy replica (a local limit: no shared rate-limit service to run or lose).
  new ApiObject(scope, 'backendtrafficpolicy', {
    apiVersion: EG_API,
    kind: 'BackendTrafficPolicy',
    metadata: { name: GATEWAY_NAME, namespace },
    spec: {
      targetRefs: [gatewayRef],
      rateLimit: {
        local: {
          rules: [
            {
              clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }],
              limit: { requests: values.requestsPerMinute, unit: 'Minute' },
            },
          ],
        },
      },
      requestBuffer: { limit: values.maxRequestBody },
    },
  });
  new ApiObject(scope, 'certificate', {
    apiVersion: CERT_MANAGER_API,
    kind: 'Certificate',
    metadata: { name: GATEWAY_NAME, namespace },
    spec: {
      secretName: TLS_SECRET,
      dnsNames: values.listeners.map((l) => l.hostname),
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: CLUSTER_ISSUER },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    },
  });
}

export const gatewayComponent: Component<GatewayValues> = {
  name: 'gateway',
  version: versions.envoyGateway,
  keys: GATEWAY_KEYS,
  validate: validateGateway,
  crds: {
    groups: ['gateway.networking.k8s.io', 'gateway.envoyproxy.io'],
    sources: [
      { module: 'sigs.k8s.io/gateway-api', version: versions.gatewayApi, dir: 'config/crd/standard' },
      {
        module: 'github.com/envoyproxy/gateway',
        version: versions.envoyGateway,
        dir: 'charts/gateway-helm/charts/crds/crds/generated',
      },
    ],
  },
  // On metal clusters the Envoy Service is ready once MetalLB gives it its address; the certificate needs an issuer.
  dependsOn: (cluster) => [...(cluster.ingress.loadBalancer === 'metallb' ? ['load-balancing'] : []), 'certificates'],
  addresses: (values) => (values.address === undefined ? [] : [{ field: 'address', address: values.address }]),
  render(ctx, values) {
    const { cluster } = ctx;
    const namespace = cluster.ingress.controllerNamespace;
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, cluster, namespace, 'restricted');
    controllerPolicies(controllers, cluster, namespace);
    // The chart is published only as an OCI artifact (gateway.envoyproxy.io/docs/install/install-helm).
    new ApiObject(controllers, 'helmrepository', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: RELEASE, namespace },
      spec: { type: 'oci', interval: '12h', url: 'oci://docker.io/envoyproxy' },
    });
    helmRelease(controllers, RELEASE, {
      namespace,
      chart: 'gateway-helm',
      version: `v${versions.envoyGateway}`,
      repository: RELEASE,
      values: chartValues(),
    });

    const configs = ctx.chart('platform-configs');
    envoyProxy(configs, cluster, namespace, values);
    gateway(configs, cluster, namespace, values);
    new ApiObject(configs, 'servicemonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: RELEASE, namespace, labels: { ...MONITORING_SELECTOR } },
      // The controller's Service (charts/gateway-helm/templates/envoy-gateway-service.yaml) names its port metrics.
      spec: { selector: CONTROLLER_PODS, endpoints: [{ port: 'metrics', interval: '30s' }] },
    });
  },
};
