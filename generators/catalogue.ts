// Every platform component and app that a cluster can run, by the name the cluster model uses.
import type { Component, ValuesOf } from './component';

export const platformComponents = {} satisfies Record<string, Component<any>>;

export const appComponents = {} satisfies Record<string, Component<any>>;

export type PlatformValues = { [K in keyof typeof platformComponents]: ValuesOf<(typeof platformComponents)[K]> };
export type AppValues = { [K in keyof typeof appComponents]: ValuesOf<(typeof appComponents)[K]> };

export interface Catalogue {
  platform: Record<string, Component<any>>;
  apps: Record<string, Component<any>>;
}

export const catalogue: Catalogue = { platform: platformComponents, apps: appComponents };
