// The one extension point: a platform component or an app is one folder that exports a `Component`, listed once in
// the catalogue (generators/estate/catalogue.ts). It declares everything it adds to the estate; the core derives every
// registry (policy exceptions, CRD schemas, images, Go tools, IRSA roles, load-balancer addresses, repo checks,
// recording rules, the Flux dependency graph) from the catalogue and never imports a component.
import type { Chart } from 'cdk8s';
import type { ChartSource } from './charts';
import type { ContainerImage } from './images';
import type { GoTool } from './go-tools';
import type { IrsaRole } from './irsa';
import type { Cluster, Estate } from './model';
import type { RuleId } from './policy/rules';
import type { Dashboard, PanelSpec, RuleGroup } from './telemetry';
import type { Shape } from './shape';
import type { RepoCheck } from './validate/checks';
import type { CrdSource } from './validate/schemas';

/** Flux layers, in the order a component's own objects reconcile: each Kustomization of a component `dependsOn` its
 * earlier ones, and on what the objects in it need from other components (see generators/dependencies.ts). */
export const LAYERS = ['platform-controllers', 'platform-configs', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

/** A problem in the cluster model; `field` is relative to the values it was found in. */
export interface Problem {
  field: string;
  message: string;
}

/** A component the cluster runs, with its values as the model gives them. */
export interface Installed {
  component: Component<any>;
  values: object;
}

/** What a component sees of the estate outside its own objects: the render's context, and the dashboards'. */
export interface ClusterContext {
  estate: Estate;
  cluster: Cluster;
  /** Every component the named cluster runs (this one by default), with its values, in catalogue-name order. */
  installed(cluster?: string): readonly Installed[];
}

export interface RenderContext extends ClusterContext {
  /** The chart whose objects land in `clusters/<cluster>/<layer>/<component>/`. */
  chart(layer: Layer): Chart;
  /**
   * Declares a Secret by name and the keys its consumer reads. Its SOPS-encrypted file sits next to the component's
   * objects and is created with `npm run secret`; values never pass through the render. `metadata` is what the
   * file's Secret must carry beside its name (an operator may select on it); `npm run render:check` fails when the
   * committed file's differs.
   */
  secret(
    layer: Layer,
    namespace: string,
    name: string,
    keys: readonly [string, ...string[]],
    metadata?: SecretMetadata,
  ): void;
}

/** Labels and annotations of a declared Secret, written in plaintext beside its encrypted data. @default none */
export interface SecretMetadata {
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
}

/** An exception to one policy rule for one object, with the reason the object needs it. */
export interface Exemption {
  rule: RuleId;
  /** `Kind/namespace/name` as the policy report prints it. */
  object: string;
  reason: string;
  /** The clusters, of those that run the component, where the object exists. @default all of them */
  appliesTo?(cluster: Cluster): boolean;
}

/** The custom resource kinds a component installs (in its platform-controllers layer) and where their schemas are. */
export interface Crds {
  /** API groups: a Kustomization holding objects of these groups `dependsOn` this component's controllers. */
  groups: readonly string[];
  /** The pinned Go modules whose CRD YAML validates those objects. */
  sources: readonly CrdSource[];
}

/** A platform component or an app: one folder with its construct, its values type, its contract and its tests. */
export interface Component<V> {
  readonly name: string;
  /**
   * Written as `app.kubernetes.io/version` on every object the component renders: the version of what it installs,
   * which may differ per cluster (a component that installs one thing on aws and another on metal).
   */
  readonly version: string | ((cluster: Cluster) => string);
  /** The keys its values may have: the model check fails on any other (a misspelt key would be ignored). */
  readonly keys: Shape;
  validate(values: V, cluster: Cluster, estate: Estate): Problem[];
  render(ctx: RenderContext, values: V): void;
  /** @default none */
  readonly crds?: Crds;
  /**
   * Components whose objects must be ready before this one's (a StorageClass, a LoadBalancer address), beyond the CRD
   * groups and namespaces its objects already show. Those the cluster does not run are skipped.
   * @default none
   */
  dependsOn?(cluster: Cluster, values: V): string[];
  /** Addresses the component asks the cluster's load-balancer pool for, by the field of its values that asks.
   * @default none */
  addresses?(values: V, cluster: Cluster): { field: string; address: string }[];
  /** Container images built from this repository for the component. @default none */
  readonly images?: readonly ContainerImage[];
  /** Go programs its tests and checks build. @default none */
  readonly goTools?: readonly GoTool[];
  /** Pinned Go modules whose files `render` reads (a release manifest), so tests can fetch them first. @default none */
  readonly renderModules?: readonly { path: string; version: string }[];
  /** Checks over the rendered objects that schemas cannot express; `npm run validate` runs them. @default none */
  readonly checks?: readonly RepoCheck[];
  /**
   * The charts of its HelmReleases whose source ships in a pinned Go module: the gates render each with
   * `helm template` and the release's values (generators/charts.ts) and check the objects it creates. A chart listed
   * here must match a HelmRelease the component renders; one left out goes unchecked (say so in the README).
   * @default none
   */
  readonly charts?: readonly ChartSource[];
  /** Its exceptions to policy rules, each with its reason; stale ones fail the gate. @default none */
  readonly exemptions?: readonly Exemption[];
  /** The IAM roles its pods assume on aws clusters (bootstrap/aws declares them). @default none */
  readonly irsaRoles?: readonly IrsaRole[];
  /**
   * Series the component's metrics are summarised in: every cluster that runs it records these groups, and they are
   * what federation carries to the central cluster; `overview` panels join the hybrid overview dashboard.
   * @default none
   */
  readonly telemetry?: { aggregates: readonly RuleGroup[]; overview?: readonly PanelSpec[] };
  /**
   * Its Grafana dashboards as they stand on `ctx.cluster`, one definition for both Grafanas: the in-cluster one loads
   * those that read only Prometheus (platform/monitoring renders them), and `npm run grafana -- sync` provisions them
   * all into Amazon Managed Grafana (generators/grafana.ts), with the aws cluster as `ctx.cluster`.
   * @default none
   */
  dashboards?(ctx: ClusterContext, values: V): readonly Dashboard[];
}

/** The version a component installs on `cluster` (see `Component.version`). */
export function versionOf(component: Component<any>, cluster: Cluster): string {
  return typeof component.version === 'function' ? component.version(cluster) : component.version;
}

export type ValuesOf<C> = C extends Component<infer V> ? V : never;

/** Every component the estate can run, by the name the cluster model uses: generators/estate/catalogue.ts. */
export interface Catalogue {
  platform: Readonly<Record<string, Component<any>>>;
  apps: Readonly<Record<string, Component<any>>>;
}
