// The edge rules on a small compliant Gateway setup: each negative test breaks exactly one thing in it.
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { estate } from '../estate/clusters';
import { parseManifests } from '../manifests';
import { edgeRules } from './edge-rules';
import { runPolicy } from './gate';

const EDGE = 'clusters/aws/platform-configs/edge';
const GW = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'edge' };
const byName = (ns: string) => ({ from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

function fixture(): Record<string, any> {
  return {
    gateway: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'edge' },
      spec: {
        gatewayClassName: 'envoy',
        listeners: [
          { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: { namespaces: { from: 'Same' } } },
          {
            name: 'https-shop',
            protocol: 'HTTPS',
            port: 443,
            hostname: 'shop.aws.acme.example',
            tls: { certificateRefs: [{ name: 'edge-tls' }] },
            allowedRoutes: { namespaces: byName('shop') },
          },
        ],
      },
    },
    redirect: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'https-redirect', namespace: 'edge' },
      spec: {
        parentRefs: [{ ...GW, sectionName: 'http' }],
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    },
    route: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        parentRefs: [{ ...GW, sectionName: 'https-shop' }],
        hostnames: ['shop.aws.acme.example'],
        rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }],
      },
    },
    limit: {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'BackendTrafficPolicy',
      metadata: { name: 'edge', namespace: 'edge' },
      spec: {
        targetRefs: [{ group: GW.group, kind: 'Gateway', name: 'edge' }],
        rateLimit: { local: { rules: [{ limit: { requests: 100, unit: 'Minute' } }] } },
      },
    },
  };
}

type Objects = ReturnType<typeof fixture>;

function findings(objects: Objects): string[] {
  const docs = Object.entries(objects).flatMap(([key, o]) => parseManifests(`${EDGE}/${key}.yaml`, stringify(o)).docs);
  const report = runPolicy(
    {
      estate,
      docs,
      parseErrors: [],
      chartProblems: [],
      files: new Set(docs.map((d) => d.file)),
      sopsConfig: undefined,
      missing: [],
    },
    [],
  );
  return report.violations
    .filter((v) => v.rule in edgeRules)
    .map((v) => `${v.rule} ${v.object} ${v.field}: ${v.message}`);
}

describe('the edge rules', () => {
  it('pass the compliant setup', () => {
    expect(findings(fixture())).toEqual([]);
  });

  const negatives: [string, RegExp, (o: Objects) => void][] = [
    [
      'an Ingress',
      /^no-ingress Ingress\/shop\/web kind: is an Ingress/,
      (o) =>
        (o.ingress = {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'web', namespace: 'shop' },
        }),
    ],
    [
      'an ingress-nginx HelmRelease',
      /^no-ingress HelmRelease\/edge\/nginx spec: installs ingress-nginx/,
      (o) =>
        (o.nginx = {
          apiVersion: 'helm.toolkit.fluxcd.io/v2',
          kind: 'HelmRelease',
          metadata: { name: 'nginx', namespace: 'edge' },
          spec: { chart: { spec: { chart: 'ingress-nginx', version: '4.14.1' } } },
        }),
    ],
    [
      'an app route on the HTTP listener',
      /^no-plain-http-listener HTTPRoute\/edge\/web spec.parentRefs\[0\]: serves plain HTTP on listener "http"/,
      (o) => {
        o.gateway.spec.listeners[0].allowedRoutes = { namespaces: { from: 'Same' } };
        o.route.metadata.namespace = 'edge';
        o.route.spec.parentRefs = [{ ...GW, sectionName: 'http' }];
        delete o.route.spec.hostnames;
      },
    ],
    [
      'an HTTP listener open to every namespace',
      /^no-plain-http-listener Gateway\/edge\/edge spec.listeners\[0\].allowedRoutes: HTTP listener "http" admits/,
      (o) => (o.gateway.spec.listeners[0].allowedRoutes = { namespaces: { from: 'All' } }),
    ],
    [
      'a TCP listener',
      /^no-plain-http-listener Gateway\/edge\/edge spec.listeners\[2\].protocol: is TCP, not HTTPS/,
      (o) => o.gateway.spec.listeners.push({ name: 'raw', protocol: 'TCP', port: 5432 }),
    ],
    [
      'a route from a namespace the listener does not grant',
      /^httproute-namespace-grant HTTPRoute\/other\/web spec.parentRefs\[0\]: listener "https-shop" does not grant/,
      (o) => (o.route.metadata.namespace = 'other'),
    ],
    [
      'a route with a hostname outside its listener',
      /^httproute-namespace-grant HTTPRoute\/shop\/web spec.hostnames: grafana.aws.acme.example outside listener/,
      (o) => (o.route.spec.hostnames = ['grafana.aws.acme.example']),
    ],
    [
      'a route to a Gateway that is not rendered',
      /^httproute-namespace-grant HTTPRoute\/shop\/web spec.parentRefs\[0\]: names Gateway edge\/public, which is not/,
      (o) => (o.route.spec.parentRefs = [{ ...GW, name: 'public' }]),
    ],
    [
      'a listener without a rate limit',
      /^listener-rate-limit Gateway\/edge\/edge spec.listeners\[1\]: listener "https-shop" has no rate limit/,
      (o) => (o.limit.spec.targetRefs = [{ group: GW.group, kind: 'Gateway', name: 'edge', sectionName: 'http' }]),
    ],
    [
      'a traffic policy without rate-limit rules',
      /^listener-rate-limit Gateway\/edge\/edge spec.listeners\[0\]: listener "http" has no rate limit/,
      (o) => (o.limit.spec.rateLimit = { local: { rules: [] } }),
    ],
  ];

  it('cover every edge rule with at least one negative', () => {
    const covered = new Set(negatives.map(([, expected]) => expected.source.slice(1).split(' ')[0]));
    expect(covered).toEqual(new Set(Object.keys(edgeRules)));
  });

  it.each(negatives)('flag %s', (_, expected, breakIt) => {
    const objects = fixture();
    breakIt(objects);
    const found = findings(objects);
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.some((f) => expected.test(f)),
      found.join('\n'),
    ).toBe(true);
  });
});
