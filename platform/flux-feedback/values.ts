// What the cluster model sets for Flux's feedback on one cluster, and the checks on it.
import type { Problem } from '../../generators/component';
import type { Cluster } from '../../generators/model';
import { leaves, type Shape } from '../../generators/shape';
import { listenerNameProblem } from '../gateway/api';

export interface FluxFeedbackValues {
  /** Host name on the cluster's edge (its Gateway) where the Git provider posts push webhooks. */
  receiverHostname: string;
  /** The Gateway listener (`platform.gateway.listeners[].name`, for namespace flux-system) that serves it. */
  listener: string;
}

export const FLUX_FEEDBACK_KEYS: Shape = leaves('receiverHostname', 'listener');

const HOSTNAME = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

export function validateFluxFeedback(values: FluxFeedbackValues, cluster: Cluster): Problem[] {
  const host = values.receiverHostname;
  if (typeof host !== 'string' || !HOSTNAME.test(host))
    return [{ field: 'receiverHostname', message: `must be a DNS name, got ${JSON.stringify(host)}` }];
  if (!host.endsWith(`.${cluster.domain}`))
    return [{ field: 'receiverHostname', message: `"${host}" is not under the cluster's domain ${cluster.domain}` }];
  const listener = listenerNameProblem(values.listener);
  if (listener) return [{ field: 'listener', message: listener }];
  if (!('gateway' in cluster.platform))
    return [{ field: 'receiverHostname', message: 'needs the gateway component, which exposes the receiver' }];
  return [];
}
