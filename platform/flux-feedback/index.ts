// Flux's feedback: commit statuses per cluster and Kustomization, failed reconciliations to Alertmanager, a push
// webhook that reconciles at once, and Flux's own metrics, alerts and dashboard.
import { ApiObject } from 'cdk8s';
import type { Component } from '../../generators/component';
import { FLUX_NAMESPACE } from '../../generators/flux';
import { versions } from '../../generators/versions';
import { MONITORING_SELECTOR } from '../monitoring/api';
import { fluxAlertGroups } from './alerts';
import { fluxDashboard } from './dashboard';
import { COMMIT_STATUS, notifications, RECEIVER, TOKEN_KEY } from './notifications';
import { FLUX_FEEDBACK_KEYS, validateFluxFeedback, type FluxFeedbackValues } from './values';

export type { FluxFeedbackValues } from './values';

/** The Flux controllers of the pinned install (flux-system/), each serving metrics on its `http-prom` port. */
const CONTROLLERS = ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'];

export const fluxFeedback: Component<FluxFeedbackValues> = {
  name: 'flux-feedback',
  version: versions.flux.distribution,
  keys: FLUX_FEEDBACK_KEYS,
  validate: validateFluxFeedback,
  dashboards: () => [fluxDashboard()],
  render(ctx, values) {
    const { cluster, estate } = ctx;
    const configs = ctx.chart('platform-configs');
    notifications(configs, cluster, estate, values);
    ctx.secret('platform-configs', FLUX_NAMESPACE, COMMIT_STATUS.secret, [TOKEN_KEY]);
    ctx.secret('platform-configs', FLUX_NAMESPACE, RECEIVER.secret, [TOKEN_KEY]);

    const labels = { ...MONITORING_SELECTOR };
    new ApiObject(configs, 'podmonitor-flux-controllers', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'flux-controllers', namespace: FLUX_NAMESPACE, labels },
      spec: {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: CONTROLLERS }] },
        podMetricsEndpoints: [{ port: 'http-prom', interval: '30s' }],
      },
    });
    new ApiObject(configs, 'prometheusrule-flux', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'flux', namespace: FLUX_NAMESPACE, labels },
      spec: { groups: fluxAlertGroups() },
    });
  },
};
