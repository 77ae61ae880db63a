// The ingress controller: ingress-nginx in the namespace and with the IngressClass the model names, behind a Service of
// type LoadBalancer that the cluster's load balancer (an AWS NLB or a MetalLB address) exposes.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Cluster } from '../../generators/model';
import type { Component } from '../../generators/component';
import { helmRelease, helmRepository } from '../../generators/flux';
import { cidrPeers, componentNamespace, fromApiServer, inNamespace, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { AWS_NLB_ANNOTATIONS, METALLB_ADDRESS_ANNOTATION } from '../load-balancing/api';
import { MONITORING_SELECTOR, NAMESPACE as MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS } from '../monitoring/api';
import { INGRESS_KEYS, validateIngress, type IngressValues } from './values';

export type { IngressValues } from './values';

export const RELEASE = 'ingress-nginx';
/** Labels the chart puts on the controller pods and on its Services (the main one and the metrics one). */
export const CONTROLLER_LABELS = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
} as const;
const PORTS = { http: 80, https: 443, metrics: 10254, webhook: 8443 } as const;

export const SERVICE_NAME = 'ingress-nginx-controller';

export function serviceAnnotations(cluster: Cluster, values: IngressValues): Record<string, string> {
  return cluster.ingress.loadBalancer === 'metallb'
    ? { [METALLB_ADDRESS_ANNOTATION]: values.address! }
    : { ...AWS_NLB_ANNOTATIONS };
}

/**
 * The controller's LoadBalancer Service. It sits in platform-configs, next to the MetalLB pool it takes its address
 * from: inside the chart, Helm's wait for the address would hold platform-controllers, which the pool waits for.
 */
function loadBalancerService(scope: Construct, cluster: Cluster, values: IngressValues): void {
  new ApiObject(scope, 'service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: SERVICE_NAME,
      namespace: cluster.ingress.controllerNamespace,
      labels: { ...CONTROLLER_LABELS },
      annotations: serviceAnnotations(cluster, values),
    },
    spec: {
      type: 'LoadBalancer',
      // Keeps the client address for logs and NetworkPolicies; the load balancer only sends to nodes with a ready pod.
      externalTrafficPolicy: 'Local',
      selector: { ...CONTROLLER_LABELS, 'app.kubernetes.io/instance': RELEASE },
      ports: [
        { name: 'http', port: PORTS.http, targetPort: 'http', protocol: 'TCP' },
        { name: 'https', port: PORTS.https, targetPort: 'https', protocol: 'TCP' },
      ],
    },
  });
}

export function chartValues(cluster: Cluster, values: IngressValues): Record<string, unknown> {
  const className = cluster.ingress.className;
  return {
    fullnameOverride: RELEASE,
    controller: {
      replicaCount: values.replicas,
      ingressClass: className,
      ingressClassResource: { name: className, enabled: true, default: false, controllerValue: 'k8s.io/ingress-nginx' },
      watchIngressWithoutClass: false,
      allowSnippetAnnotations: false,
      resources: { requests: values.requests, limits: { memory: values.memoryLimit } },
      // The LoadBalancer Service is rendered in platform-configs (see loadBalancerService); Ingresses publish its address.
      service: { enabled: false },
      publishService: { enabled: true, pathOverride: `${cluster.ingress.controllerNamespace}/${SERVICE_NAME}` },
      // The ServiceMonitor sits in platform-configs, after the monitoring CRDs exist.
      metrics: { enabled: true, serviceMonitor: { enabled: false } },
      admissionWebhooks: { enabled: true },
    },
  };
}

export const ingress: Component<IngressValues> = {
  name: 'ingress',
  version: versions.ingressNginxChart,
  keys: INGRESS_KEYS,
  validate: validateIngress,
  // On metal clusters the controller's LoadBalancer Service is ready once MetalLB gives it its address.
  dependsOn: (cluster) => (cluster.ingress.loadBalancer === 'metallb' ? ['load-balancing'] : []),
  addresses: (values) => (values.address === undefined ? [] : [{ field: 'address', address: values.address }]),
  render(ctx, values) {
    const { cluster } = ctx;
    const namespace = cluster.ingress.controllerNamespace;
    const controllers = ctx.chart('platform-controllers');
    componentNamespace(controllers, cluster, namespace, 'restricted');
    const controllerPods = { matchLabels: { ...CONTROLLER_LABELS } };
    networkPolicy(controllers, namespace, 'allow-http-from-anywhere', {
      podSelector: controllerPods,
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [
            { protocol: 'TCP', port: PORTS.http },
            { protocol: 'TCP', port: PORTS.https },
          ],
        },
      ],
    });
    networkPolicy(controllers, namespace, 'allow-webhook-from-apiserver', {
      podSelector: controllerPods,
      policyTypes: ['Ingress'],
      ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: PORTS.webhook }] }],
    });
    networkPolicy(controllers, namespace, 'allow-metrics-from-prometheus', {
      podSelector: controllerPods,
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ ...inNamespace(MONITORING_NAMESPACE), podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } } }],
          ports: [{ protocol: 'TCP', port: PORTS.metrics }],
        },
      ],
    });
    // Backends are pods of any namespace; their own NetworkPolicies admit this namespace.
    networkPolicy(controllers, namespace, 'allow-to-backends', {
      podSelector: controllerPods,
      policyTypes: ['Egress'],
      egress: [{ to: cidrPeers(cluster.network.podCidr) }],
    });
    helmRepository(controllers, RELEASE, { namespace, url: 'https://kubernetes.github.io/ingress-nginx' });
    helmRelease(controllers, RELEASE, {
      namespace,
      chart: 'ingress-nginx',
      version: versions.ingressNginxChart,
      repository: RELEASE,
      values: chartValues(cluster, values),
    });

    const configs = ctx.chart('platform-configs');
    loadBalancerService(configs, cluster, values);
    new ApiObject(configs, 'servicemonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: RELEASE, namespace, labels: { ...MONITORING_SELECTOR } },
      spec: {
        selector: controllerPods,
        // Only the metrics Service has this port; the LoadBalancer Service with the same labels does not.
        endpoints: [{ port: 'metrics', interval: '30s' }],
      },
    });
  },
};
