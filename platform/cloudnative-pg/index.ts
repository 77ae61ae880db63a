// CloudNativePG: the PostgreSQL operator, installed from its pinned release manifest, which the render reads from the
// operator's Go module (releases/cnpg-<version>.yaml of github.com/cloudnative-pg/cloudnative-pg) as flux-system/ is
// built from Flux's modules: the rendered files under clusters/ are the vendored copy, and render:check proves them.
// Apps declare their databases with `databaseCluster` (./api.ts); this component checks that exactly one site is
// primary for each of them.
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Component } from '../../generators/component';
import { goModuleDir } from '../../generators/go-modules';
import { readManifestFile } from '../../generators/manifests';
import type { Cluster } from '../../generators/model';
import { componentNamespace, fromApiServer, networkPolicy } from '../../generators/namespace';
import { versions } from '../../generators/versions';
import { CNPG_GROUP, INSTANCE_STATUS_PORT, OPERATOR_NAMESPACE, WEBHOOK_PORT } from './api';
import { primaryCheck } from './check';

export const MODULE = 'github.com/cloudnative-pg/cloudnative-pg';
const OPERATOR_LABELS = { 'app.kubernetes.io/name': 'cloudnative-pg' };

/** Everything in the release manifest but its Namespace, which componentNamespace renders with Pod Security labels. */
export function releaseObjects(): Record<string, any>[] {
  const file = join(goModuleDir(MODULE, versions.cloudnativePg), 'releases', `cnpg-${versions.cloudnativePg}.yaml`);
  return readManifestFile(file).filter((o) => o.kind !== 'Namespace') as Record<string, any>[];
}

function operator(scope: Construct, cluster: Cluster): void {
  componentNamespace(scope, cluster, OPERATOR_NAMESPACE, 'restricted');
  networkPolicy(scope, OPERATOR_NAMESPACE, 'allow-webhook-from-apiserver', {
    podSelector: { matchLabels: OPERATOR_LABELS },
    policyTypes: ['Ingress'],
    ingress: [{ from: fromApiServer(cluster), ports: [{ protocol: 'TCP', port: WEBHOOK_PORT }] }],
  });
  // The operator asks every instance manager for its status, in whichever namespace the database lives.
  networkPolicy(scope, OPERATOR_NAMESPACE, 'allow-instance-status', {
    podSelector: { matchLabels: OPERATOR_LABELS },
    policyTypes: ['Egress'],
    egress: [
      {
        to: [
          {
            namespaceSelector: {},
            podSelector: { matchExpressions: [{ key: 'cnpg.io/cluster', operator: 'Exists' }] },
          },
        ],
        ports: [{ protocol: 'TCP', port: INSTANCE_STATUS_PORT }],
      },
    ],
  });
  for (const object of releaseObjects()) {
    if (object.kind === 'Deployment') {
      // The release pulls its pinned tag `Always`; the policy gate wants IfNotPresent for a pinned image.
      for (const container of object.spec.template.spec.containers) container.imagePullPolicy = 'IfNotPresent';
    }
    const { apiVersion, kind, metadata, ...rest } = object;
    new ApiObject(scope, `${kind}-${metadata.namespace ?? ''}-${metadata.name}`.toLowerCase(), {
      apiVersion,
      kind,
      metadata,
      ...rest,
    });
  }
}

export const cloudnativePg: Component<Record<string, never>> = {
  name: 'cloudnative-pg',
  version: versions.cloudnativePg,
  // No values: what the databases need comes from estate.database and the apps that declare them.
  keys: {},
  validate: () => [],
  render(ctx) {
    operator(ctx.chart('platform-controllers'), ctx.cluster);
  },
  renderModules: [{ path: MODULE, version: versions.cloudnativePg }],
  crds: {
    groups: [CNPG_GROUP],
    sources: [{ module: MODULE, version: versions.cloudnativePg, dir: 'config/crd/bases' }],
  },
  checks: [primaryCheck],
};
