import type { Chart } from 'cdk8s';
import type { Cluster, Estate } from './clusters';

/** Flux layers, in the order they reconcile: each one `dependsOn` the one before it that has content. */
export const LAYERS = ['platform-controllers', 'platform-configs', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

/** A problem in the cluster model; `field` is relative to the values it was found in. */
export interface Problem {
  field: string;
  message: string;
}

export interface RenderContext {
  estate: Estate;
  cluster: Cluster;
  /** The chart whose objects land in `clusters/<cluster>/<layer>/<component>/`. */
  chart(layer: Layer): Chart;
  /**
   * Declares a Secret by name. Its SOPS-encrypted file sits next to the component's objects and is created with
   * `npm run secret`; values never pass through the render.
   */
  secret(layer: Layer, namespace: string, name: string): void;
}

/** A platform component or an app: one folder with its construct, its values type and its tests. */
export interface Component<V> {
  readonly name: string;
  /** Written as `app.kubernetes.io/version` on every object the component renders. */
  readonly version: string;
  validate(values: V, cluster: Cluster, estate: Estate): Problem[];
  render(ctx: RenderContext, values: V): void;
}

export type ValuesOf<C> = C extends Component<infer V> ? V : never;
