// Cluster model → cdk8s charts → file contents, all in memory. Nothing here touches the disk.
import { App, Chart } from 'cdk8s';
import {
  LAYERS,
  versionOf,
  type Catalogue,
  type Component,
  type Layer,
  type RenderContext,
  type SecretMetadata,
} from './component';
import { dependencyGraph, mermaidGraph, unitName, type Unit } from './dependencies';
import { FLUX_NAMESPACE, fluxKustomization, gitRepository } from './flux';
import { FLUX_INSTALL_DIR, HEADER, kustomization, MANAGED_BY, OUTPUT_DIR, SOPS_SUFFIX, toYaml } from './layout';
import type { Cluster, Estate } from './model';
import { assertValidModel } from './model-check';
import { clusterContext } from './registries';
import { versions } from './versions';
import { labelValueProblem } from './versions-check';

/** The generated Flux dependency graph of a cluster, beside its output. */
export const GRAPH_FILE = 'flux-dependencies.md';

/** A Secret that a component references by name; its encrypted file is written by `npm run secret`, never by render. */
export interface SecretRef {
  cluster: string;
  namespace: string;
  name: string;
  path: string;
  /** The keys its consumer reads: `npm run secret` writes exactly these. */
  keys: readonly string[];
  metadata: SecretMetadata;
}

/** The `metadata` of the Secret in a declared file: its name, namespace, and labels and annotations if declared. */
export function secretMetadata(ref: SecretRef): Record<string, unknown> {
  const { labels, annotations } = ref.metadata;
  return {
    name: ref.name,
    namespace: ref.namespace,
    ...(labels && Object.keys(labels).length ? { labels } : {}),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

export interface Rendering {
  /** Repo-relative path → file content, in path order. */
  files: Map<string, string>;
  secrets: SecretRef[];
  objectCount: number;
}

interface ComponentChart {
  layer: Layer;
  component: Component<any>;
  values: object;
  chart: Chart;
}

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: object } };

function fileName(m: Manifest, where: string, taken: Set<string>): string {
  const base = `${m.kind.toLowerCase()}-${m.metadata.name}`;
  const name =
    taken.has(`${base}.yaml`) && m.metadata.namespace ? `${base}-${m.metadata.namespace}.yaml` : `${base}.yaml`;
  if (taken.has(name)) throw new Error(`${where}: two objects would be written to ${name}; give them distinct names`);
  taken.add(name);
  return name;
}

function synthErrors(app: App): string[] {
  return app.node.findAll().flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
}

/** How often and how long each layer's Kustomizations reconcile. */
const LAYER_TIMING: Record<Layer, { interval: string; timeout: string }> = {
  'platform-controllers': { interval: '1h', timeout: '15m' },
  'platform-configs': { interval: '1h', timeout: '5m' },
  apps: { interval: '10m', timeout: '5m' },
};

function renderCluster(estate: Estate, cluster: Cluster, catalogue: Catalogue, out: Rendering): void {
  const apps: App[] = [];
  const charts: ComponentChart[] = [];
  const root = `${OUTPUT_DIR}/${cluster.name}`;
  const secretsOf = new Map<string, SecretRef[]>();
  const { installed: installedOn } = clusterContext(estate, cluster, catalogue);

  const use = (component: Component<any>, values: object) => {
    // An App per component: cdk8s resolves and validates the whole App on every chart's toJson(), which grew with the
    // square of the components in one App. A component's charts can depend only on each other.
    const app = new App();
    apps.push(app);
    const chartFor = new Map<Layer, Chart>();
    const version = versionOf(component, cluster);
    const ctx: RenderContext = {
      estate,
      cluster,
      chart(layer) {
        let chart = chartFor.get(layer);
        if (!chart) {
          chart = new Chart(app, `${layer}.${component.name}`, {
            disableResourceNameHashes: true,
            labels: {
              'app.kubernetes.io/part-of': component.name,
              'app.kubernetes.io/version': version,
              'app.kubernetes.io/managed-by': MANAGED_BY,
            },
          });
          chartFor.set(layer, chart);
          charts.push({ layer, component, values, chart });
        }
        return chart;
      },
      secret(layer, namespace, name, keys, metadata = {}) {
        ctx.chart(layer);
        const path = `${root}/${layer}/${component.name}/secret-${name}${SOPS_SUFFIX}`;
        const ref = { cluster: cluster.name, namespace, name, path, keys: [...keys], metadata };
        const key = `${layer}/${component.name}`;
        secretsOf.set(key, [...(secretsOf.get(key) ?? []), ref]);
        out.secrets.push(ref);
      },
      installed: installedOn,
    };
    component.render(ctx, values);
  };
  for (const { component, values } of installedOn()) use(component, values);

  const errors = apps.flatMap(synthErrors);
  if (errors.length)
    throw new Error(`cluster "${cluster.name}": construct validation failed:\n  ${errors.join('\n  ')}`);

  const emit = (path: string, content: string) => {
    if (content.includes('cdk8s.io/metadata.addr')) {
      throw new Error(
        `${path}: a selector or label derives from the construct path (cdk8s.io/metadata.addr); select on app.kubernetes.io/* labels`,
      );
    }
    out.files.set(path, content);
  };

  const rendered = charts.map((c) => ({ ...c, manifests: c.chart.toJson() as Manifest[] }));
  for (const { layer, component, manifests } of rendered) {
    for (const m of manifests) checkLabels(`${root}/${layer}/${component.name}`, m);
  }
  const units: Unit[] = rendered.map(({ layer, component, values, manifests }) => ({
    component: component.name,
    layer,
    objects: manifests.map((m) => ({
      apiVersion: m.apiVersion,
      kind: m.kind,
      namespace: m.metadata?.namespace,
      name: m.metadata?.name,
    })),
    providesGroups: component.crds?.groups ?? [],
    needs: component.dependsOn?.(cluster, values) ?? [],
  }));
  const graph = dependencyGraph(cluster.name, units);

  const syncApp = new App();
  const sync = new Chart(syncApp, 'flux-sync', {
    disableResourceNameHashes: true,
    labels: {
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/version': versions.flux.distribution,
      'app.kubernetes.io/managed-by': MANAGED_BY,
    },
  });
  const gitRepo = gitRepository(sync, FLUX_NAMESPACE, {
    url: estate.repository.url,
    branch: estate.repository.branch,
    interval: '1m',
  });
  const rootSync = fluxKustomization(sync, FLUX_NAMESPACE, {
    path: cluster.flux.path,
    sourceName: FLUX_NAMESPACE,
    interval: '10m',
    retryInterval: '2m',
    timeout: '5m',
    wait: false,
  });
  emit(`${root}/flux-system/gotk-sync.yaml`, toYaml([gitRepo.toJson(), rootSync.toJson()]));
  emit(`${root}/flux-system/kustomization.yaml`, kustomization([`../../../${FLUX_INSTALL_DIR}`, 'gotk-sync.yaml']));
  out.objectCount += 2;

  const unitFiles: string[] = [];
  for (const { layer, component, manifests } of [...rendered].sort(byLayerThenName)) {
    const name = unitName({ layer, component: component.name });
    const dir = `${root}/${layer}/${component.name}`;
    const unitSync = fluxKustomization(new Chart(syncApp, `flux-sync-${name}`), name, {
      path: `${cluster.flux.path}/${layer}/${component.name}`,
      sourceName: FLUX_NAMESPACE,
      dependsOn: graph.get(name),
      ...LAYER_TIMING[layer],
      retryInterval: '2m',
      wait: true,
    });
    unitSync.metadata.addLabel('app.kubernetes.io/part-of', component.name);
    unitSync.metadata.addLabel('app.kubernetes.io/version', versionOf(component, cluster));
    unitSync.metadata.addLabel('app.kubernetes.io/managed-by', MANAGED_BY);
    emit(`${dir}.yaml`, toYaml([unitSync.toJson()]));
    unitFiles.push(`${layer}/${component.name}.yaml`);
    out.objectCount += 1;

    const taken = new Set<string>();
    const files = manifests.map((m) => {
      if (!m?.kind || !m.metadata?.name) throw new Error(`${dir}: an object has no kind or metadata.name`);
      return [fileName(m, dir, taken), m] as const;
    });
    for (const [file, m] of files) emit(`${dir}/${file}`, toYaml([m]));
    const secrets = (secretsOf.get(`${layer}/${component.name}`) ?? []).map((s) => s.path.slice(dir.length + 1));
    emit(`${dir}/kustomization.yaml`, kustomization([...files.map(([file]) => file), ...secrets].sort()));
    out.objectCount += files.length;
  }
  emit(`${root}/kustomization.yaml`, kustomization(['flux-system', ...unitFiles]));
  emit(`${root}/${GRAPH_FILE}`, `<!-- ${HEADER.slice(2).trim()} -->\n${mermaidGraph(cluster.name, graph)}`);
}

/** Label values the API server would refuse (a version such as `^82.0.0`) fail here, naming the object and label. */
function checkLabels(dir: string, m: Manifest): void {
  const spec = (m as { spec?: { template?: { metadata?: { labels?: unknown } } } }).spec;
  const sets = {
    'metadata.labels': m.metadata?.labels,
    'spec.template.metadata.labels': spec?.template?.metadata?.labels,
  };
  for (const [field, labels] of Object.entries(sets)) {
    for (const [key, value] of Object.entries((labels ?? {}) as Record<string, unknown>)) {
      const problem = labelValueProblem(value);
      if (problem) throw new Error(`${dir}: ${m.kind}/${m.metadata?.name} ${field}[${JSON.stringify(key)}] ${problem}`);
    }
  }
}

function byLayerThenName(a: ComponentChart, b: ComponentChart): number {
  return LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || a.component.name.localeCompare(b.component.name);
}

/** Validates the model, then renders every cluster. Throws before producing anything if any part fails. */
export function renderEstate(estate: Estate, catalogue: Catalogue): Rendering {
  assertValidModel(estate, catalogue);
  const out: Rendering = { files: new Map(), secrets: [], objectCount: 0 };
  for (const cluster of estate.clusters) renderCluster(estate, cluster, catalogue, out);
  out.files = new Map([...out.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return out;
}
