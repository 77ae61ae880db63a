// The edge's contract with apps: the one Gateway of each cluster, its listeners, and the HTTPRoute an app attaches to
// it. cdk8s-free, so apps and bootstrap/aws may import it.

/** The Gateway every cluster runs, in the controller namespace (`cluster.ingress.controllerNamespace`). */
export const GATEWAY_NAME = 'edge';
export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
/** The Secret cert-manager keeps the Gateway's certificate in; every HTTPS listener serves it. */
export const TLS_SECRET = 'edge-tls';
/** The plain-HTTP listener: it only redirects to HTTPS. */
export const REDIRECT_LISTENER = 'http';

/**
 * Labels Envoy Gateway puts on the Envoy proxy pods it runs for a Gateway (EnvoyAppLabel in
 * internal/infrastructure/kubernetes/proxy/resource.go of github.com/envoyproxy/gateway v1.9.1): backends admit these.
 */
export const ENVOY_POD_LABELS = {
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
} as const;

/** A listener's name in the model (`platform.gateway.listeners[].name`): a DNS label that `https-<name>` keeps one. */
export const LISTENER_NAME = /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/;

/** What is wrong with an app's value that names a listener, if anything. */
export function listenerNameProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && LISTENER_NAME.test(value)) return undefined;
  return `must name a Gateway listener, got ${JSON.stringify(value)}`;
}

/** The listener that serves `hostname` over HTTPS. */
export const listenerName = (name: string) => `https-${name}`;

export interface RouteProps {
  /** The model's listener name (`platform.gateway.listeners[].name`) the route attaches to. */
  listener: string;
  namespace: string;
  name: string;
  hostname: string;
  /** The path prefix routed to the service. @default '/' */
  path?: string;
  service: string;
  port: number;
  /** The Gateway's namespace on this cluster: `cluster.ingress.controllerNamespace`. */
  gatewayNamespace: string;
}

/** A plain object that cdk8s's ApiObject takes as its props. */
export interface RouteObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

/** An app's HTTPRoute: one hostname, every path to one Service port, through its HTTPS listener only. */
export function httpRoute(props: RouteProps): RouteObject {
  return {
    apiVersion: GATEWAY_API,
    kind: 'HTTPRoute',
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: GATEWAY_NAME,
          namespace: props.gatewayNamespace,
          sectionName: listenerName(props.listener),
        },
      ],
      hostnames: [props.hostname],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: props.path ?? '/' } }],
          backendRefs: [{ name: props.service, port: props.port }],
        },
      ],
    },
  };
}
