// The composition root: every platform component and app a cluster can run, by the name the cluster model uses.
// Adding a component is one line here; everything it adds, it declares itself (generators/component.ts).
import { taskTracker } from '../../apps/task-tracker/task-tracker';
import { clusterAutoscaler } from '../../platform/cluster-autoscaler';
import { etcdBackup } from '../../platform/etcd-backup';
import { fluxFeedback } from '../../platform/flux-feedback';
import { cloudnativePg } from '../../platform/cloudnative-pg';
import { certificates } from '../../platform/certificates';
import { gatewayComponent } from '../../platform/gateway';
import { kafka } from '../../platform/kafka';
import { loadBalancing } from '../../platform/load-balancing';
import { logExport } from '../../platform/log-export';
import { metrics } from '../../platform/metrics';
import { monitoring } from '../../platform/monitoring';
import { nodeTerminationHandler } from '../../platform/node-termination-handler';
import { storage } from '../../platform/storage';
import { streaming } from '../../platform/streaming';
import type { Catalogue, ValuesOf } from '../component';
import type { Cluster, Estate } from '../model';

const platform = {
  'log-export': logExport,
  monitoring,
  gateway: gatewayComponent,
  certificates,
  'load-balancing': loadBalancing,
  storage,
  metrics,
  'cluster-autoscaler': clusterAutoscaler,
  'node-termination-handler': nodeTerminationHandler,
  'flux-feedback': fluxFeedback,
  'etcd-backup': etcdBackup,
  'cloudnative-pg': cloudnativePg,
  kafka,
  streaming,
};

const apps = {
  'task-tracker': taskTracker,
};

export const catalogue = { platform, apps } satisfies Catalogue;

type ValuesByName<R> = { [K in keyof R]?: ValuesOf<R[K]> };
type Typed<C> = C extends Cluster
  ? Omit<C, 'platform' | 'apps'> & { platform: ValuesByName<typeof platform>; apps: ValuesByName<typeof apps> }
  : never;

/** The model with each component's values typed by that component: generators/estate/clusters.ts satisfies it. */
export type EstateOf = Omit<Estate, 'clusters'> & { clusters: Typed<Cluster>[] };
