// What a controller that exposes Prometheus metrics renders for them, in the two layers it spans: the Service and the
// scrape NetworkPolicy beside its Deployment, the ServiceMonitor and its alert rules once the operator's CRDs exist.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { networkPolicy } from '../../generators/namespace';
import { monitoredService, prometheusScrapeIngress } from './api';

export interface ScrapedController {
  name: string;
  /** The Service's name, which the scrape job and the alerts are named by. */
  job: string;
  namespace: string;
  labels: Record<string, string>;
  /** The pods' port named `metrics`. */
  port: number;
  groups: unknown;
}

/** The ClusterIP Service in front of the metrics port, and the NetworkPolicy that admits Prometheus to it. */
export function metricsService(scope: Construct, c: ScrapedController): void {
  new ApiObject(scope, 'service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: c.job, namespace: c.namespace, labels: c.labels },
    spec: {
      type: 'ClusterIP',
      selector: c.labels,
      ports: [{ name: 'metrics', port: c.port, targetPort: 'metrics', protocol: 'TCP' }],
    },
  });
  networkPolicy(scope, c.namespace, 'allow-metrics-scrape', {
    podSelector: { matchLabels: c.labels },
    policyTypes: ['Ingress'],
    ingress: [prometheusScrapeIngress(c.port)],
  });
}

/** The ServiceMonitor and the alert rules. */
export function metricsMonitoring(scope: Construct, c: ScrapedController): void {
  for (const manifest of monitoredService(c.name, c.namespace, c.labels, c.groups))
    new ApiObject(scope, manifest.kind.toLowerCase(), manifest);
}
