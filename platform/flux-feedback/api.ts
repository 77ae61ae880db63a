// The flux-feedback component's contract: the Flux objects kube-state-metrics reports on and the configuration that
// makes it do so. cdk8s-free, so the monitoring component can put it into its chart values.

/**
 * The Flux kinds whose state kube-state-metrics reports as `gotk_resource_info`, at the API versions this estate
 * renders (the pinned Flux CRDs serve them). The labels follow fluxcd/flux2-monitoring-example
 * (monitoring/controllers/kube-prometheus-stack/kube-state-metrics-config.yaml at commit 33f7ef39d8e8): a `ready`
 * label from the Ready condition, `suspended` from spec.suspend, and the revision.
 */
const FLUX_KINDS = [
  {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    kind: 'Kustomization',
    resource: 'kustomizations',
    revision: ['status', 'lastAppliedRevision'],
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    version: 'v2',
    kind: 'HelmRelease',
    resource: 'helmreleases',
    revision: ['status', 'lastAttemptedRevision'],
  },
  ...(['GitRepository', 'HelmRepository', 'HelmChart', 'OCIRepository', 'Bucket'] as const).map((kind) => ({
    group: 'source.toolkit.fluxcd.io',
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    revision: ['status', 'artifact', 'revision'],
  })),
] as const;

/** The kinds that fetch artifacts: a source whose Ready condition is False failed its last fetch. */
export const SOURCE_KINDS = FLUX_KINDS.filter((k) => k.group === 'source.toolkit.fluxcd.io').map((k) => k.kind);
/** The kinds that apply what the sources fetched. */
export const APPLIER_KINDS = ['Kustomization', 'HelmRelease'] as const;

/** The series kube-state-metrics writes for each Flux object (`gotk` prefix, `resource_info` metric). */
export const RESOURCE_INFO = 'gotk_resource_info';

/**
 * kube-prometheus-stack's `kube-state-metrics` values that add the custom-resource metrics: read access to the Flux
 * kinds and one Info metric per kind. The subchart's `rbac.extraRules` and `customResourceState.{enabled,config}`
 * are its documented values (prometheus-community/helm-charts, charts/kube-state-metrics/values.yaml).
 */
export function fluxStateMetricsValues(): Record<string, unknown> {
  return {
    rbac: {
      extraRules: [
        {
          apiGroups: [...new Set(FLUX_KINDS.map((k) => k.group))],
          resources: FLUX_KINDS.map((k) => k.resource),
          verbs: ['list', 'watch'],
        },
      ],
    },
    customResourceState: {
      enabled: true,
      config: {
        spec: {
          resources: FLUX_KINDS.map((k) => ({
            groupVersionKind: { group: k.group, version: k.version, kind: k.kind },
            metricNamePrefix: 'gotk',
            metrics: [
              {
                name: 'resource_info',
                help: 'The current state of a Flux object.',
                each: { type: 'Info', info: { labelsFromPath: { name: ['metadata', 'name'] } } },
                labelsFromPath: {
                  exported_namespace: ['metadata', 'namespace'],
                  ready: ['status', 'conditions', '[type=Ready]', 'status'],
                  suspended: ['spec', 'suspend'],
                  revision: [...k.revision],
                },
              },
            ],
          })),
        },
      },
    },
  };
}
