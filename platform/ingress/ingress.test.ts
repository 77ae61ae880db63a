// The ingress controller on the real model: class and namespace from the model, the LoadBalancer Service annotated for
// the cluster's load balancer, the ServiceMonitor, the NetworkPolicies; the checks on its values; the gates.
import { describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates';
import { versions } from '../../generators/versions';
import { METALLB_ADDRESS_ANNOTATION } from '../load-balancing/api';
import { MONITORING_SELECTOR } from '../monitoring/api';
import { SERVICE_NAME } from './index';
import { validateIngress, type IngressValues } from './values';
import { catalogue } from '../../generators/estate/catalogue';
import { findProblems } from '../../generators/model-check';

const aws = estate.clusters.find((c) => c.name === 'aws')!;
const onprem = estate.clusters.find((c) => c.name === 'onprem')!;

describe('rendering', () => {
  const docs = componentDocs('ingress');
  const find = (cluster: string, kind: string, name?: string) =>
    docs
      .filter((d) => d.cluster === cluster && d.object.kind === kind && (!name || d.object.metadata?.name === name))
      .map((d) => ({ ...d, object: d.object as any }));
  const layerOf = (file: string) => file.split('/')[2];

  it('installs the pinned chart in the model namespace, with the model IngressClass', () => {
    for (const cluster of estate.clusters) {
      const [release] = find(cluster.name, 'HelmRelease', 'ingress-nginx');
      expect(release!.object.metadata.namespace).toBe(cluster.ingress.controllerNamespace);
      expect(release!.object.spec.chart.spec.version).toBe(versions.ingressNginxChart);
      expect(release!.object.spec.values.controller.ingressClassResource).toMatchObject({
        name: cluster.ingress.className,
        enabled: true,
      });
      expect(release!.object.spec.values.controller.publishService.pathOverride).toBe(
        `${cluster.ingress.controllerNamespace}/${SERVICE_NAME}`,
      );
      expect(layerOf(release!.file)).toBe('platform-controllers');
    }
  });

  it('asks the AWS cloud controller manager for an NLB on the aws-nlb cluster', () => {
    const [service] = find('aws', 'Service', SERVICE_NAME);
    expect(service!.object.spec.type).toBe('LoadBalancer');
    expect(service!.object.metadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
    });
  });

  it('asks MetalLB for the model address on the metallb cluster, one layer after the pool controller', () => {
    const [service] = find('onprem', 'Service', SERVICE_NAME);
    expect(service!.object.spec.type).toBe('LoadBalancer');
    expect(service!.object.metadata.annotations).toEqual({ [METALLB_ADDRESS_ANNOTATION]: '10.30.0.241' });
    expect(service!.object.spec.selector).toEqual({
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/instance': 'ingress-nginx',
    });
    expect(layerOf(service!.file)).toBe('platform-configs');
  });

  it('labels the metrics ServiceMonitor for Prometheus and puts it in platform-configs', () => {
    for (const cluster of ['aws', 'onprem']) {
      const [monitor] = find(cluster, 'ServiceMonitor');
      expect(monitor!.object.metadata.labels).toMatchObject(MONITORING_SELECTOR);
      expect(monitor!.object.spec.endpoints).toEqual([{ port: 'metrics', interval: '30s' }]);
      expect(layerOf(monitor!.file)).toBe('platform-configs');
    }
  });

  it('declares a restricted namespace with default deny and the flows the controller needs', () => {
    const [namespace] = find('onprem', 'Namespace', 'ingress-nginx');
    expect(namespace!.object.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const policies = find('onprem', 'NetworkPolicy')
      .map((d) => d.object.metadata.name)
      .sort();
    expect(policies).toEqual([
      'allow-dns',
      'allow-http-from-anywhere',
      'allow-kube-apiserver',
      'allow-metrics-from-prometheus',
      'allow-to-backends',
      'allow-webhook-from-apiserver',
      'default-deny',
    ]);
    const backends = find('onprem', 'NetworkPolicy', 'allow-to-backends')[0]!.object;
    expect(backends.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: onprem.network.podCidr } }] }]);
  });
});

describe('values', () => {
  const good: IngressValues = { replicas: 2, requests: { cpu: '100m', memory: '128Mi' }, memoryLimit: '512Mi' };

  it('accepts the real values', () => {
    for (const cluster of estate.clusters) expect(validateIngress(cluster.platform.ingress!, cluster)).toEqual([]);
  });

  it.each([
    ['one replica', aws, { ...good, replicas: 1 }, 'replicas', /from 2 to 10, got 1/],
    ['a fractional replica count', aws, { ...good, replicas: 2.5 }, 'replicas', /whole number/],
    [
      'a bad CPU request',
      aws,
      { ...good, requests: { cpu: 'lots', memory: '128Mi' } },
      'requests.cpu',
      /"lots" is not a CPU quantity/,
    ],
    [
      'a bad memory request',
      aws,
      { ...good, requests: { cpu: '100m', memory: '128MB' } },
      'requests.memory',
      /"128MB" is not a memory quantity/,
    ],
    ['a bad memory limit', aws, { ...good, memoryLimit: '' }, 'memoryLimit', /"" is not a memory quantity/],
    [
      'an address on an aws-nlb cluster',
      aws,
      { ...good, address: '10.10.0.5' },
      'address',
      /the aws-nlb load balancer picks its own address; remove it/,
    ],
    [
      'no address on a metallb cluster',
      onprem,
      good,
      'address',
      /is missing: a metallb cluster needs the Service address from loadBalancerPool/,
    ],
  ])('rejects %s, naming the field', (_, cluster, values, field, message) => {
    const problems = validateIngress(values as IngressValues, cluster);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0]!.message).toMatch(message);
  });
});

describe('the address it asks for', () => {
  it.each([
    [
      'outside the pool',
      '10.30.0.20',
      /field platform.ingress.address 10.30.0.20 is outside loadBalancerPool 10.30.0.240-10.30.0.254/,
    ],
    ['that is no address', 'ingress.local', /field platform.ingress.address "ingress.local" is not an IPv4 address/],
  ])('fails the model check when it is %s', (_, address, message) => {
    const model = structuredClone(estate);
    (model.clusters.find((c) => c.name === 'onprem')!.platform.ingress as IngressValues).address = address;
    expect(findProblems(model, catalogue).join('\n')).toMatch(message);
  });
});

describe('the committed output', () => {
  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('ingress')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
