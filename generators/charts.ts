// The objects a chart creates, for the gates: a HelmRelease alone says nothing about the pods its chart runs. For each
// chart a component declares (`Component.charts`) whose source ships in a pinned Go module, every rendered HelmRelease
// of that name in the component's folders is rendered with `helm template`, the release's own values, namespace and
// name, and the cluster's Kubernetes version. `npm run policy` and `npm run validate` check the result like any file.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { goModuleDir } from './go-modules';
import { goTool } from './go-tools';
import { objectRef, parseManifests, type KubeObject, type ManifestDoc } from './manifests';
import type { Cluster } from './model';
import { repoRoot } from './repo';
import { versions } from './versions';

/** A chart whose source ships inside a Go module, and the component's HelmRelease that installs it. */
export interface ChartSource {
  /** `metadata.name` of the component's HelmRelease. */
  release: string;
  /** Go module whose zip holds the chart's folder. */
  module: string;
  /** Module version; its Chart.yaml must carry the name and version the HelmRelease pins. */
  version: string;
  /** The chart's folder inside the module (Chart.yaml, templates/, and crds/ or charts/ if it has them). */
  dir: string;
}

export interface DeclaredChart {
  component: string;
  chart: ChartSource;
}

/** Why a declared chart could not be rendered: `file` and `object` name the HelmRelease (or the component). */
export interface ChartProblem {
  file: string;
  /** Position of the HelmRelease in its file. */
  index: number;
  object: string;
  field: string;
  message: string;
}

export interface RenderedCharts {
  docs: ManifestDoc[];
  problems: ChartProblem[];
}

export const CHART_CACHE_DIR = join(repoRoot, '.cache', 'charts');
const HELM_RELEASE_GROUP = 'helm.toolkit.fluxcd.io/';
/** Helm's own limit on a release name. */
const MAX_RELEASE_NAME = 53;
/** HelmRelease fields that change what Flux installs and that this render cannot reproduce offline. */
const UNSUPPORTED = ['valuesFrom', 'postRenderers', 'chartRef', 'chart.spec.valuesFiles', 'chart.spec.valuesFile'];

type ClusterVersion = Pick<Cluster, 'name' | 'kubernetesVersion'>;
type Fields = Record<string, any>;

/** A HelmRelease the chart cannot be rendered for, at the field to fix. */
class ReleaseProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function field(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Fields | undefined)?.[key], o);
}

/** `clusters/<cluster>/<layer>/<component>/…`: the component a rendered file belongs to. */
function componentOf(file: string): string | undefined {
  return file.startsWith('clusters/') ? file.split('/')[3] : undefined;
}

function releases(docs: ManifestDoc[], { component, chart }: DeclaredChart): ManifestDoc[] {
  return docs.filter(
    (d) =>
      d.chart === undefined &&
      d.object.kind === 'HelmRelease' &&
      (d.object.apiVersion ?? '').startsWith(HELM_RELEASE_GROUP) &&
      d.object.metadata?.name === chart.release &&
      componentOf(d.file) === component,
  );
}

/**
 * The object as the API server decodes it: a null field is an absent one. Charts render `key:` with nothing under it
 * for an empty list (local-path's `imagePullSecrets:`), which the strict schemas would call a type error.
 */
function withoutNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNulls);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

/** What `helm template` gets from a HelmRelease, as helm-controller would install it. */
interface Invocation {
  releaseName: string;
  namespace: string;
  values: Fields;
  includeCrds: boolean;
  skipTests: boolean;
}

/**
 * The release as helm-controller installs it (docs/spec/v2/helmreleases.md of github.com/fluxcd/helm-controller
 * v1.6.3): release name `[<targetNamespace>-]<name>` unless `spec.releaseName`; namespace `spec.targetNamespace` or
 * the HelmRelease's; CRDs of the chart's crds/ folders installed unless `spec.install.crds: Skip`; chart tests run only
 * with `spec.test.enable`.
 */
function invocation(hr: KubeObject): Invocation {
  const spec = (hr.spec ?? {}) as Fields;
  const unsupported = UNSUPPORTED.find((f) => field(spec, f) !== undefined);
  if (unsupported)
    throw new ReleaseProblem(`spec.${unsupported}`, 'cannot be reproduced offline; put the values in spec.values');
  const values = spec.values ?? {};
  if (typeof values !== 'object' || Array.isArray(values)) throw new ReleaseProblem('spec.values', 'is not a mapping');
  const name = hr.metadata?.name ?? '';
  const releaseName = spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${name}` : name);
  if (releaseName.length > MAX_RELEASE_NAME) {
    throw new ReleaseProblem(
      'spec.releaseName',
      `release name "${releaseName}" is longer than ${MAX_RELEASE_NAME} characters`,
    );
  }
  return {
    releaseName,
    namespace: spec.targetNamespace ?? hr.metadata?.namespace ?? 'default',
    values,
    includeCrds: spec.install?.crds !== 'Skip',
    skipTests: spec.test?.enable !== true,
  };
}

/** The chart folder, after checking that its Chart.yaml is the chart the HelmRelease pins. */
function chartDir(hr: KubeObject, source: ChartSource): string {
  let moduleDir: string;
  try {
    moduleDir = goModuleDir(source.module, source.version);
  } catch (error) {
    throw new ReleaseProblem('spec.chart.spec', (error as Error).message);
  }
  const dir = join(moduleDir, source.dir);
  const chartYaml = join(dir, 'Chart.yaml');
  if (!existsSync(chartYaml)) {
    throw new ReleaseProblem('spec.chart.spec', `${source.module}@v${source.version} has no ${source.dir}/Chart.yaml`);
  }
  const { name, version } = parse(readFileSync(chartYaml, 'utf8')) as { name?: string; version?: string };
  const pinned = field(hr, 'spec.chart.spec') as { chart?: string; version?: string } | undefined;
  if (posix.basename(pinned?.chart ?? '') !== name || pinned?.version !== version) {
    throw new ReleaseProblem(
      'spec.chart.spec',
      `pins chart ${pinned?.chart} ${pinned?.version}, but ${source.module}@v${source.version} ` +
        `${source.dir} holds ${name} ${version}: move the component's charts entry to the module version that ships it`,
    );
  }
  return dir;
}

function helmTemplate(dir: string, run: Invocation, kubernetesVersion: string): string {
  const helm = goTool('helm');
  const work = mkdtempSync(join(tmpdir(), 'helm-template-'));
  try {
    const valuesFile = join(work, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(run.values));
    const args = [
      'template',
      run.releaseName,
      dir,
      '--namespace',
      run.namespace,
      '--kube-version',
      `v${kubernetesVersion}`,
    ];
    if (run.includeCrds) args.push('--include-crds');
    if (run.skipTests) args.push('--skip-tests');
    args.push('--values', valuesFile);
    // Helm's own folders stay out of $HOME: nothing here reads a repository or a registry.
    const env = { ...process.env, HELM_CACHE_HOME: work, HELM_CONFIG_HOME: work, HELM_DATA_HOME: work };
    return execFileSync(helm, args, {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 28,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    if (!stderr) throw error;
    throw new ReleaseProblem('spec.values', `helm template failed: ${stderr.replace(/\s*\n\s*/g, '; ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Helm's output for one release, from the cache when Helm, the chart's module, the chart the HelmRelease pins, the
 * release and its values are those of an earlier render; the Chart.yaml check runs with every render that Helm does.
 */
function cachedTemplate(hr: KubeObject, source: ChartSource, kubernetesVersion: string, cacheDir: string): string {
  const run = invocation(hr);
  const pinned = field(hr, 'spec.chart.spec');
  const key = createHash('sha256')
    .update(JSON.stringify({ helm: versions.helm, source, pinned, run, kubernetesVersion }))
    .digest('hex');
  const file = join(cacheDir, `${source.release}-${key.slice(0, 16)}.yaml`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const text = helmTemplate(chartDir(hr, source), run, kubernetesVersion);
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return text;
}

/**
 * The objects of every declared chart, rendered from each matching HelmRelease in `docs`, with the problems that kept
 * a release from rendering. A HelmRelease of a cluster missing from `clusters` is left to the gates' own checks.
 */
export function renderCharts(
  docs: ManifestDoc[],
  declared: readonly DeclaredChart[],
  clusters: readonly ClusterVersion[],
  cacheDir = CHART_CACHE_DIR,
): RenderedCharts {
  const rendered: RenderedCharts = { docs: [], problems: [] };
  for (const entry of declared) {
    for (const hr of releases(docs, entry)) {
      const cluster = clusters.find((c) => c.name === hr.cluster);
      if (!cluster) continue;
      const fail = (fieldPath: string, message: string) =>
        rendered.problems.push({
          file: hr.file,
          index: hr.index,
          object: objectRef(hr.object),
          field: fieldPath,
          message,
        });
      const pinned = field(hr.object, 'spec.chart.spec') as { chart?: string; version?: string } | undefined;
      const chart = `${posix.basename(pinned?.chart ?? '?')} ${pinned?.version ?? '?'}`;
      let text: string;
      try {
        text = cachedTemplate(hr.object, entry.chart, cluster.kubernetesVersion, cacheDir);
      } catch (error) {
        // Anything else (Helm failing to build) is no fault of the release: the gate stops with it.
        if (!(error instanceof ReleaseProblem)) throw error;
        fail(error.field, `chart ${chart} from ${entry.chart.module}@v${entry.chart.version}: ${error.message}`);
        continue;
      }
      const parsed = parseManifests(`${hr.file} (chart ${chart})`, text);
      rendered.docs.push(...parsed.docs.map((d) => ({ ...d, object: withoutNulls(d.object) as KubeObject, chart })));
      for (const e of parsed.errors)
        fail('spec.values', `document ${e.index} of chart ${chart}'s output: ${e.message}`);
    }
  }
  return rendered;
}

/** Declared charts that match no rendered HelmRelease: a renamed release would otherwise go unchecked. */
export function unmatchedCharts(docs: ManifestDoc[], declared: readonly DeclaredChart[]): ChartProblem[] {
  return declared
    .filter((entry) => !releases(docs, entry).length)
    .map(({ component, chart }) => ({
      file: `component ${component}`,
      index: 0,
      object: `HelmRelease ${chart.release}`,
      field: 'charts',
      message:
        `declares chart ${chart.dir} of ${chart.module} for HelmRelease "${chart.release}", ` +
        'which no cluster renders',
    }));
}
