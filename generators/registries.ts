// Every registry the gates and bootstrap read, derived from a catalogue: nothing here names a component.
import type { DeclaredChart } from './charts';
import type { Catalogue, ClusterContext, Component, Exemption, Installed } from './component';
import type { ContainerImage } from './images';
import type { GoTool } from './go-tools';
import type { IrsaRole } from './irsa';
import type { Cluster, Estate } from './model';
import type { Dashboard } from './telemetry';
import type { RepoCheck } from './validate/checks';
import type { CrdSource } from './validate/schemas';
import type { ValidationExtensions } from './validate/validate';

export function everyComponent(catalogue: Catalogue): Component<any>[] {
  return [...Object.values(catalogue.platform), ...Object.values(catalogue.apps)];
}

/** The components a cluster runs, with its values, platform first, each part in catalogue-name order. */
export function installed(cluster: Cluster, catalogue: Catalogue): Installed[] {
  const pick = (values: Cluster['platform'], known: Catalogue['platform']) =>
    Object.keys(values ?? {})
      .sort()
      .flatMap((name) => (known[name] && values[name] ? [{ component: known[name]!, values: values[name]! }] : []));
  return [...pick(cluster.platform, catalogue.platform), ...pick(cluster.apps, catalogue.apps)];
}

/** `cluster` with what it and the other clusters of `estate` run. */
export function clusterContext(estate: Estate, cluster: Cluster, catalogue: Catalogue): ClusterContext {
  return {
    estate,
    cluster,
    installed(name = cluster.name) {
      const other = estate.clusters.find((c) => c.name === name);
      if (!other) throw new Error(`cluster "${cluster.name}": no cluster named "${name}" in the model`);
      return installed(other, catalogue);
    },
  };
}

/** The dashboards of every component `ctx.cluster` runs, in catalogue order. */
export function dashboardsOf(ctx: ClusterContext): Dashboard[] {
  return ctx.installed().flatMap(({ component, values }) => component.dashboards?.(ctx, values) ?? []);
}

/** Policy exceptions per component; the gate applies each where the component runs. */
export function exemptionsOf(catalogue: Catalogue): { component: string; exemption: Exemption }[] {
  return everyComponent(catalogue).flatMap((c) =>
    (c.exemptions ?? []).map((exemption) => ({ component: c.name, exemption })),
  );
}

export function crdSourcesOf(catalogue: Catalogue): CrdSource[] {
  return everyComponent(catalogue).flatMap((c) => c.crds?.sources ?? []);
}

export function imagesOf(catalogue: Catalogue): ContainerImage[] {
  return everyComponent(catalogue).flatMap((c) => c.images ?? []);
}

export function goToolsOf(catalogue: Catalogue): GoTool[] {
  return everyComponent(catalogue).flatMap((c) => c.goTools ?? []);
}

export function renderModulesOf(catalogue: Catalogue): { path: string; version: string }[] {
  return everyComponent(catalogue).flatMap((c) => c.renderModules ?? []);
}

export function checksOf(catalogue: Catalogue): RepoCheck[] {
  return everyComponent(catalogue).flatMap((c) => c.checks ?? []);
}

/** The charts the gates render, by the component whose HelmRelease installs each. */
export function chartsOf(catalogue: Catalogue): DeclaredChart[] {
  return everyComponent(catalogue).flatMap((c) => (c.charts ?? []).map((chart) => ({ component: c.name, chart })));
}

/** The IAM roles the components on `cluster` declare. */
export function irsaRolesOf(cluster: Cluster, catalogue: Catalogue): IrsaRole[] {
  return installed(cluster, catalogue).flatMap(({ component }) => component.irsaRoles ?? []);
}

/** What the components add to `npm run validate`. */
export function validationExtensionsOf(catalogue: Catalogue): ValidationExtensions {
  return { crdSources: crdSourcesOf(catalogue), checks: checksOf(catalogue), charts: chartsOf(catalogue) };
}
