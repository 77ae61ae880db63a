// notification-controller objects (API notification.toolkit.fluxcd.io, as the pinned notification-controller's CRDs
// serve it: Provider and Alert v1beta3, Receiver v1): commit statuses, failures to Alertmanager, the push webhook.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { FLUX_NAMESPACE, repositoryWebUrl } from '../../generators/flux';
import type { Cluster, Estate } from '../../generators/model';
import { inNamespace, networkPolicy } from '../../generators/namespace';
import { httpRoute } from '../gateway/api';
import { ALERTMANAGER_API, ALERTMANAGER_POD_LABELS, NAMESPACE as MONITORING_NAMESPACE } from '../monitoring/api';
import type { FluxFeedbackValues } from './values';

const NOTIFICATION_API = 'notification.toolkit.fluxcd.io/v1beta3';
/** Both Secrets hold one key, `token`: the key notification-controller v1.9.3 reads for a Provider's credentials and
 * a Receiver's HMAC secret (internal/server/event_handlers.go, internal/server/receiver_handlers.go). */
export const TOKEN_KEY = 'token';
export const COMMIT_STATUS = { provider: 'commit-status', secret: 'commit-status-token' } as const;
export const FAILURES = { provider: 'alertmanager', alert: 'reconciliation-failures' } as const;
export const RECEIVER = { name: 'github-push', secret: 'webhook-receiver-token' } as const;
/** The Flux install's Service in front of notification-controller's webhook port (flux-system/gotk-components.yaml). */
const RECEIVER_SERVICE = { name: 'webhook-receiver', port: 80 };
/** notification-controller's pods (flux-system/gotk-components.yaml). */
const NOTIFICATION_CONTROLLER_LABELS = { app: 'notification-controller' };

function notificationObject(scope: Construct, kind: string, name: string, spec: Record<string, unknown>): void {
  new ApiObject(scope, `${kind.toLowerCase()}-${name}`, {
    apiVersion: kind === 'Receiver' ? 'notification.toolkit.fluxcd.io/v1' : NOTIFICATION_API,
    kind,
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec,
  });
}

const everyOf = (kinds: readonly string[]) => kinds.map((kind) => ({ kind, name: '*' }));

/**
 * One commit status per Kustomization and cluster, named `<cluster>/<Kustomization>` (commitStatusExpr, a CEL
 * expression over `event`: docs/spec/v1beta3/providers.md of notification-controller v1.9.3), so a commit shows
 * "aws/apps-task-tracker: success" beside "onprem/apps-task-tracker: failure".
 */
function commitStatus(scope: Construct, cluster: Cluster, estate: Estate): void {
  notificationObject(scope, 'Provider', COMMIT_STATUS.provider, {
    type: 'github',
    address: repositoryWebUrl(estate.repository),
    secretRef: { name: COMMIT_STATUS.secret },
    commitStatusExpr: `'${cluster.name}/' + event.involvedObject.name`,
  });
  notificationObject(scope, 'Alert', COMMIT_STATUS.provider, {
    providerRef: { name: COMMIT_STATUS.provider },
    eventSeverity: 'info',
    eventSources: everyOf(['Kustomization']),
  });
}

/**
 * Failed reconciliations as alerts to the cluster's Alertmanager, which routes them like every other alert (on-call).
 * The event metadata become alert labels (internal/notifier/alertmanager.go), so `cluster` groups them as the
 * monitoring route does. An event source's namespace takes no wildcard (docs/spec/v1beta3/alerts.md), so this watches
 * flux-system: every layer Kustomization waits for its HelmReleases (`wait: true`) and fails with them, and the
 * GitRepository of this repository; the Prometheus alerts (alerts.ts) cover Flux objects in every namespace.
 */
function failures(scope: Construct, cluster: Cluster): void {
  const { service, port } = ALERTMANAGER_API;
  notificationObject(scope, 'Provider', FAILURES.provider, {
    type: 'alertmanager',
    address: `http://${service}.${MONITORING_NAMESPACE}.svc:${port}/api/v2/alerts`,
  });
  notificationObject(scope, 'Alert', FAILURES.alert, {
    providerRef: { name: FAILURES.provider },
    eventSeverity: 'error',
    eventSources: everyOf(['Kustomization', 'GitRepository']),
    eventMetadata: { cluster: cluster.name },
  });
  networkPolicy(scope, MONITORING_NAMESPACE, 'allow-alertmanager-from-flux-notifications', {
    podSelector: { matchLabels: ALERTMANAGER_POD_LABELS },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ ...inNamespace(FLUX_NAMESPACE), podSelector: { matchLabels: NOTIFICATION_CONTROLLER_LABELS } }],
        ports: [{ protocol: 'TCP', port }],
      },
    ],
  });
}

/**
 * A push to the repository reconciles the cluster's GitRepository at once instead of at the next poll. The webhook URL
 * is `https://<receiverHostname><status.webhookPath>`; the path is a hash of the token (`/hook/…`), and the token also
 * checks the payload's HMAC signature.
 */
function receiver(scope: Construct, cluster: Cluster, values: FluxFeedbackValues): void {
  notificationObject(scope, 'Receiver', RECEIVER.name, {
    type: 'github',
    events: ['ping', 'push'],
    secretRef: { name: RECEIVER.secret },
    resources: [{ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', name: FLUX_NAMESPACE }],
  });
  new ApiObject(
    scope,
    `httproute-${RECEIVER.name}`,
    httpRoute({
      listener: values.listener,
      namespace: FLUX_NAMESPACE,
      name: RECEIVER.name,
      hostname: values.receiverHostname,
      path: '/hook/',
      service: RECEIVER_SERVICE.name,
      port: RECEIVER_SERVICE.port,
      gatewayNamespace: cluster.ingress.controllerNamespace,
    }),
  );
}

export function notifications(scope: Construct, cluster: Cluster, estate: Estate, values: FluxFeedbackValues): void {
  commitStatus(scope, cluster, estate);
  failures(scope, cluster);
  receiver(scope, cluster, values);
}
