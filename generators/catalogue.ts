// Every platform component and app that a cluster can run, by the name the cluster model uses.
import type { Component, ValuesOf } from './component';
import { monitoring } from '../platform/monitoring';
import { logExport } from '../platform/log-export';
import { taskTracker } from '../apps/task-tracker/task-tracker';
import { ingress } from '../platform/ingress';
import { loadBalancing } from '../platform/load-balancing';
import { storage } from '../platform/storage';
import { metrics } from '../platform/metrics';

export const platformComponents = {
  'log-export': logExport,
  monitoring,
  ingress,
  'load-balancing': loadBalancing,
  storage,
  metrics,
} satisfies Record<string, Component<any>>;

export const appComponents = {
  'task-tracker': taskTracker,
} satisfies Record<string, Component<any>>;

export type PlatformValues = { [K in keyof typeof platformComponents]: ValuesOf<(typeof platformComponents)[K]> };
export type AppValues = { [K in keyof typeof appComponents]: ValuesOf<(typeof appComponents)[K]> };

export interface Catalogue {
  platform: Record<string, Component<any>>;
  apps: Record<string, Component<any>>;
}

export const catalogue: Catalogue = { platform: platformComponents, apps: appComponents };
