// The edge on the real model: the Envoy Gateway release, the Gateway and its listeners from the model, the HTTPS-only
// routing, the per-client rate limit, the Service annotated for each cluster's load balancer; the values checks; the
// gates.
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import { findProblems } from '../../generators/model-check';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { versions } from '../../generators/versions';
import { METALLB_ADDRESS_ANNOTATION } from '../load-balancing/api';
import { validateGateway, type GatewayValues } from './values';

const aws = estate.clusters.find((c) => c.name === 'aws')!;
const onprem = estate.clusters.find((c) => c.name === 'onprem')!;

describe('rendering', () => {
  const docs = componentDocs('gateway');
  const find = (cluster: string, kind: string) =>
    docs.filter((d) => d.cluster === cluster && d.object.kind === kind).map((d) => ({ ...d, object: d.object as any }));
  const layerOf = (file: string) => file.split('/')[2];

  it('installs the pinned Envoy Gateway chart from its OCI repository, with the Gateway API CRDs', () => {
    for (const cluster of estate.clusters) {
      const [release] = find(cluster.name, 'HelmRelease');
      expect(release!.object.spec.chart.spec).toMatchObject({
        chart: 'gateway-helm',
        version: `v${versions.envoyGateway}`,
      });
      expect(release!.object.spec.values.crds).toEqual({ enabled: true });
      expect(find(cluster.name, 'HelmRepository')[0]!.object.spec).toMatchObject({
        type: 'oci',
        url: 'oci://docker.io/envoyproxy',
      });
      expect(layerOf(release!.file)).toBe('platform-controllers');
    }
  });

  it('gives each model listener an HTTPS listener with the certificate, and port 80 only a redirect', () => {
    for (const cluster of estate.clusters) {
      const [gateway] = find(cluster.name, 'Gateway');
      const listeners = gateway!.object.spec.listeners;
      expect(listeners.map((l: any) => [l.name, l.protocol, l.port, l.hostname])).toEqual([
        ['http', 'HTTP', 80, undefined],
        ...cluster.platform.gateway!.listeners.map((l) => [`https-${l.name}`, 'HTTPS', 443, l.hostname]),
      ]);
      expect(listeners[1].tls.certificateRefs).toEqual([{ kind: 'Secret', name: 'edge-tls' }]);
      expect(listeners[1].allowedRoutes.namespaces.selector.matchLabels).toEqual({
        'kubernetes.io/metadata.name': 'task-tracker',
      });
      const redirect = find(cluster.name, 'HTTPRoute')[0]!.object;
      expect(redirect.spec.rules).toEqual([
        { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
      ]);
      const [certificate] = find(cluster.name, 'Certificate');
      expect(certificate!.object.spec.dnsNames).toEqual(cluster.platform.gateway!.listeners.map((l) => l.hostname));
      expect(certificate!.object.spec.secretName).toBe('edge-tls');
    }
  });

  it('limits every client address and bounds request bodies on the whole Gateway', () => {
    const [policy] = find('aws', 'BackendTrafficPolicy');
    expect(policy!.object.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' },
    ]);
    expect(policy!.object.spec.rateLimit.local.rules).toEqual([
      {
        clientSelectors: [{ sourceCIDR: { type: 'Distinct', value: '0.0.0.0/0' } }],
        limit: { requests: 300, unit: 'Minute' },
      },
    ]);
    expect(policy!.object.spec.requestBuffer).toEqual({ limit: '64Ki' });
  });

  it('asks for an internet-facing NLB on aws and the model address from MetalLB on-prem', () => {
    const service = (c: string) => find(c, 'EnvoyProxy')[0]!.object.spec.provider.kubernetes.envoyService;
    expect(service('aws')).toEqual({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
        'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
      },
    });
    expect(service('onprem').annotations).toEqual({ [METALLB_ADDRESS_ANNOTATION]: '10.30.0.241' });
  });
});

describe('values', () => {
  const good = aws.platform.gateway!;

  it('accepts the real values', () => {
    for (const cluster of estate.clusters) expect(validateGateway(cluster.platform.gateway!, cluster)).toEqual([]);
  });

  it.each([
    ['one replica', aws, { ...good, replicas: 1 }, 'replicas', /from 2 to 10, got 1/],
    ['no scheme on aws', aws, { ...good, scheme: undefined }, 'scheme', /internet-facing, internal, got undefined/],
    ['a scheme on metal', onprem, { ...onprem.platform.gateway!, scheme: 'internal' }, 'scheme', /aws-nlb clusters/],
    ['an address on aws', aws, { ...good, address: '10.10.0.5' }, 'address', /picks its own address/],
    ['no listener', aws, { ...good, listeners: [] }, 'listeners', /at least one listener/],
    [
      'a listener host outside the domain',
      aws,
      { ...good, listeners: [{ name: 'x', hostname: 'x.example.org', namespace: 'x' }] },
      'listeners[0].hostname',
      /not under the cluster's domain aws.acme.example/,
    ],
    [
      'two listeners with one name',
      aws,
      { ...good, listeners: [good.listeners[0]!, { ...good.listeners[0]!, hostname: 'b.aws.acme.example' }] },
      'listeners[1].name',
      /already another listener's/,
    ],
    ['no rate limit', aws, { ...good, requestsPerMinute: 0 }, 'requestsPerMinute', /from 1 to 100000/],
    ['a body limit in bytes', aws, { ...good, maxRequestBody: '65536' }, 'maxRequestBody', /like "64Ki"/],
  ])('rejects %s, naming the field', (_, cluster, values, field, message) => {
    const problems = validateGateway(values as GatewayValues, cluster);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0]!.message).toMatch(message);
  });

  it('fails the model check when the address is outside the pool', () => {
    const model = structuredClone(estate);
    (model.clusters.find((c) => c.name === 'onprem')!.platform.gateway as GatewayValues).address = '10.30.0.20';
    expect(findProblems(model, catalogue).join('\n')).toMatch(
      /field platform.gateway.address 10.30.0.20 is outside loadBalancerPool 10.30.0.240-10.30.0.254/,
    );
  });
});

describe('the committed output', () => {
  it('is current and passes npm run policy and npm run validate', async () => {
    expect(await gateProblems('gateway')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
