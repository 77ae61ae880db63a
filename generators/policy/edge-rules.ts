// The edge's policy rules: traffic enters a cluster only through Gateway API listeners that serve HTTPS, rate-limit
// every client, and admit only the routes of the namespaces they grant. No Ingress, no ingress-nginx.
import { objectRef, type KubeObject, type ManifestDoc } from '../manifests';

/** What these rules read of a cluster's view (rules.ts ClusterView), kept apart so the two modules form no cycle. */
interface EdgeView {
  docs: ManifestDoc[];
}

interface EdgeFinding {
  file: string;
  object: string;
  field: string;
  message: string;
}

type Fields = Record<string, any>;

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';
const SECURE_PROTOCOLS = new Set(['HTTPS', 'TLS']);

const at = (doc: ManifestDoc, field: string, message: string): EdgeFinding => ({
  file: doc.file,
  object: objectRef(doc.object),
  field,
  message,
});
const ns = (o: KubeObject) => o.metadata?.namespace ?? 'default';
const spec = (o: KubeObject) => (o.spec ?? {}) as Fields;
const inGroup = (d: ManifestDoc, group: string, kind: string) =>
  d.object.kind === kind && (d.object.apiVersion ?? '').startsWith(`${group}/`);

interface Attachment {
  route: ManifestDoc;
  index: number;
  sectionName?: string;
}

function gateways(view: EdgeView): ManifestDoc[] {
  return view.docs.filter((d) => inGroup(d, GATEWAY_GROUP, 'Gateway'));
}

function routes(view: EdgeView): ManifestDoc[] {
  return view.docs.filter((d) => inGroup(d, GATEWAY_GROUP, 'HTTPRoute'));
}

/** The parentRefs of every HTTPRoute that name `gateway` (a route's parentRef namespace defaults to its own). */
function attachments(view: EdgeView, gateway: ManifestDoc): Attachment[] {
  return routes(view).flatMap((route) =>
    ((spec(route.object).parentRefs ?? []) as Fields[]).flatMap((ref, index) =>
      (ref.kind ?? 'Gateway') === 'Gateway' &&
      ref.name === gateway.object.metadata?.name &&
      (ref.namespace ?? ns(route.object)) === ns(gateway.object)
        ? [{ route, index, sectionName: ref.sectionName as string | undefined }]
        : [],
    ),
  );
}

/** True when every rule of the route only redirects to https. */
function redirectsOnly(route: ManifestDoc): boolean {
  const rules = (spec(route.object).rules ?? []) as Fields[];
  return (
    rules.length > 0 &&
    rules.every(
      (r) =>
        !(r.backendRefs ?? []).length &&
        (r.filters ?? []).length > 0 &&
        (r.filters as Fields[]).every((f) => f.type === 'RequestRedirect' && f.requestRedirect?.scheme === 'https'),
    )
  );
}

/** Whether `listener` admits routes of namespace `namespace` (Gateway API AllowedRoutes; the default is Same). */
function grants(listener: Fields, gatewayNamespace: string, namespace: string): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'Same') return namespace === gatewayNamespace;
  if (from !== 'Selector') return false;
  const selector = listener.allowedRoutes.namespaces.selector ?? {};
  // Only the name label is certain for a namespace from Git alone; a selector on other labels grants nothing here.
  const labels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>);
  return (
    !(selector.matchExpressions ?? []).length &&
    labels.length === 1 &&
    labels[0]![0] === 'kubernetes.io/metadata.name' &&
    labels[0]![1] === namespace
  );
}

/** Gateway API hostname matching: exact, or a `*.` wildcard covering one or more labels. */
function covers(listenerHost: string | undefined, host: string): boolean {
  if (!listenerHost) return true;
  return listenerHost.startsWith('*.') ? host.endsWith(listenerHost.slice(1)) : listenerHost === host;
}

export const edgeRules = {
  'no-ingress': {
    rationale: 'ingress-nginx was retired in March 2026 (no fixes); the edge is the Gateway API and nothing else',
    hint: 'declare an HTTPRoute through the gateway contract (httpRoute() in platform/gateway/api.ts) instead',
    check: (view: EdgeView) =>
      view.docs.flatMap((d) => {
        if (d.object.kind === 'Ingress' || d.object.kind === 'IngressClass')
          return [at(d, 'kind', `is an ${d.object.kind}; no cluster runs an Ingress controller`)];
        const chart = String(spec(d.object).chart?.spec?.chart ?? '');
        const image = JSON.stringify(d.object.spec ?? {}).includes('ingress-nginx/controller');
        return chart.endsWith('ingress-nginx') || image ? [at(d, 'spec', 'installs ingress-nginx')] : [];
      }),
  },
  'no-plain-http-listener': {
    rationale: 'a plain-HTTP listener carries credentials and data readable and changeable on the way',
    hint: 'serve the host over HTTPS; keep port 80 only for a RequestRedirect to https, with allowedRoutes Same',
    check: (view: EdgeView) =>
      gateways(view).flatMap((gw) =>
        ((spec(gw.object).listeners ?? []) as Fields[]).flatMap((l, i) => {
          if (SECURE_PROTOCOLS.has(l.protocol)) return [];
          const field = `spec.listeners[${i}]`;
          if (l.protocol !== 'HTTP') return [at(gw, `${field}.protocol`, `is ${l.protocol}, not HTTPS`)];
          if ((l.allowedRoutes?.namespaces?.from ?? 'Same') !== 'Same')
            return [at(gw, `${field}.allowedRoutes`, `HTTP listener "${l.name}" admits routes of other namespaces`)];
          return attachments(view, gw)
            .filter((a) => (a.sectionName ?? l.name) === l.name && !redirectsOnly(a.route))
            .map((a) =>
              at(
                a.route,
                `spec.parentRefs[${a.index}]`,
                `serves plain HTTP on listener "${l.name}" of ${objectRef(gw.object)}`,
              ),
            );
        }),
      ),
  },
  'httproute-namespace-grant': {
    rationale: "a route outside its listener's grants would take over another app's host, or be silently dropped",
    hint: "attach to the listener the model grants the app's namespace (platform.gateway.listeners) with its hostname",
    check: (view: EdgeView) =>
      routes(view).flatMap((route) =>
        ((spec(route.object).parentRefs ?? []) as Fields[]).flatMap((ref, i) => {
          const field = `spec.parentRefs[${i}]`;
          const gwNamespace = ref.namespace ?? ns(route.object);
          const gw = gateways(view).find((g) => g.object.metadata?.name === ref.name && ns(g.object) === gwNamespace);
          if (!gw) return [at(route, field, `names Gateway ${gwNamespace}/${ref.name}, which is not rendered`)];
          const listeners = ((spec(gw.object).listeners ?? []) as Fields[]).filter(
            (l) => ref.sectionName === undefined || l.name === ref.sectionName,
          );
          if (!listeners.length)
            return [at(route, `${field}.sectionName`, `no listener "${ref.sectionName}" on ${objectRef(gw.object)}`)];
          const hosts = (spec(route.object).hostnames ?? []) as string[];
          return listeners.flatMap((l) => {
            if (!grants(l, ns(gw.object), ns(route.object)))
              return [at(route, field, `listener "${l.name}" does not grant namespace ${ns(route.object)}`)];
            const outside = hosts.filter((h) => !covers(l.hostname, h));
            return outside.length
              ? [at(route, 'spec.hostnames', `${outside.join(', ')} outside listener "${l.name}" (${l.hostname})`)]
              : [];
          });
        }),
      ),
  },
  'listener-rate-limit': {
    rationale: 'a public listener without a per-client limit lets one client fill the service up for everyone',
    hint: 'target the Gateway (or the listener, by sectionName) with a BackendTrafficPolicy rateLimit in its namespace',
    check: (view: EdgeView) =>
      gateways(view).flatMap((gw) => {
        const limits = view.docs
          .filter((d) => inGroup(d, ENVOY_GATEWAY_GROUP, 'BackendTrafficPolicy') && ns(d.object) === ns(gw.object))
          .filter((d) => {
            const rate = spec(d.object).rateLimit ?? {};
            return [rate.local, rate.global].some((r) => (r?.rules ?? []).length > 0);
          })
          .flatMap((d) => (spec(d.object).targetRefs ?? []) as Fields[])
          .filter((t) => t.kind === 'Gateway' && t.name === gw.object.metadata?.name);
        return ((spec(gw.object).listeners ?? []) as Fields[]).flatMap((l, i) =>
          limits.some((t) => t.sectionName === undefined || t.sectionName === l.name)
            ? []
            : [at(gw, `spec.listeners[${i}]`, `listener "${l.name}" has no rate limit`)],
        );
      }),
  },
};
