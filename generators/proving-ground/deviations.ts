// The served copy's declared deviations from the rendered estate, and the check that nothing else differs.
//  1. Charts: Helm repositories are unreachable offline. A HelmRelease whose chart ships in a pinned Go module (the
//     component's `charts`, generators/charts.ts) and its chart source are replaced by what `helm template` renders
//     from that module with the release's values, CRDs included, as the gates render it; every other HelmRelease and
//     its source by the CRDs its chart would install, read from the pinned module the schemas come from.
//  2. Git: the sync GitRepository points at the loopback Git server (HTTP, no deploy key) and polls often.
//  3. Timeouts: each Flux Kustomization gets a short timeout and retry interval, so failures show in seconds.
//  4. SOPS: every Secret file is encrypted to a throw-away age key (served-copy.ts).
//  5. Admission webhooks: a webhook configuration, rendered (CloudNativePG's release manifest) or rendered by a chart
//     of deviation 1 (MetalLB's), points at pods that kwok only pretends to run, so the API server's calls to it
//     fail; such files and objects are removed. MetalLB's BGPPeer CRD keeps its conversion webhook: the API server
//     calls it only to convert a stored BGPPeer, and no cluster renders one.
//  6. Commit statuses: the `address` of every commit-status Provider (type github) points at the loopback stand-in for
//     GitHub's commit-status API (github-status-stand-in.ts); only its scheme and host change, `/<owner>/<repo>` stays.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { type DeclaredChart, renderCharts } from '../charts';
import { kustomization, OUTPUT_DIR, SOPS_SUFFIX, toYaml } from '../layout';
import { type KubeObject, objectRef, parseManifests } from '../manifests';
import type { Cluster } from '../model';
import { type CrdSource, crdFolder } from '../validate/schemas';

export interface Timeouts {
  /** spec.timeout of every Flux Kustomization: how long `wait: true` waits for health. */
  timeout: string;
  retryInterval: string;
  /** spec.interval of the sync GitRepository: how soon a new commit is seen. */
  sourceInterval: string;
}

type Json = Record<string, any>;
const CHART_SOURCES = new Set(['HelmRepository', 'GitRepository', 'OCIRepository']);
const WEBHOOKS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
const isFluxKustomization = (o: KubeObject) =>
  o.kind === 'Kustomization' && o.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/');
const isCommitStatusProvider = (o: Json) =>
  o.kind === 'Provider' && o.apiVersion?.startsWith('notification.toolkit.fluxcd.io/') && o.spec?.type === 'github';

function docs(file: string, text: string): Json[] {
  const parsed = parseManifests(file, text);
  if (parsed.errors.length) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.docs.map((d) => d.object as Json);
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

/** The chart sources the HelmReleases among `objects` pull from, as `Kind/namespace/name`. */
export function chartSourcesOf(objects: Json[]): Set<string> {
  const sources = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'HelmRelease')) {
    const ref = o.spec?.chart?.spec?.sourceRef ?? o.spec?.chartRef;
    if (ref) sources.add(key(ref.kind, ref.namespace ?? o.metadata?.namespace, ref.name));
  }
  return sources;
}

/** Every CustomResourceDefinition of a pinned module folder, as YAML documents. */
export function crdsOf(source: CrdSource): Json[] {
  const dir = crdFolder(source);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Json | null))
    .filter((o): o is Json => o?.kind === 'CustomResourceDefinition');
}

/** Files of a cluster's folder, repo-relative, with their text. */
export function readTree(root: string, cluster: string): Map<string, string> {
  const base = join(root, OUTPUT_DIR, cluster);
  const files = new Map<string, string>();
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const abs = join(entry.parentPath, entry.name);
    files.set(abs.slice(root.length + 1), readFileSync(abs, 'utf8'));
  }
  return files;
}

/** Where the served copy puts the objects a HelmRelease's chart renders: beside the HelmRelease's file. */
export const renderedChartFile = (helmReleaseFile: string) => helmReleaseFile.replace(/\.yaml$/, '.rendered.yaml');

/** A chart's objects as the served copy applies them: without the webhook configurations of deviation 5. */
export const servedChartObjects = (objects: readonly Json[]) => objects.filter((o) => !WEBHOOKS.has(o.kind));

/**
 * What `helm template` renders (generators/charts.ts, as the gates render it) for each HelmRelease of `tree` whose
 * chart ships in a pinned module, by `renderedChartFile` of the HelmRelease's file. A release that cannot be rendered
 * fails, naming its file, object and field.
 */
export function chartRenderings(
  tree: ReadonlyMap<string, string>,
  declared: readonly DeclaredChart[],
  clusters: readonly Pick<Cluster, 'name' | 'kubernetesVersion'>[],
): Map<string, Json[]> {
  const rendered = new Map<string, Json[]>();
  for (const [file, text] of tree) {
    if (!file.endsWith('.yaml') || file.endsWith(SOPS_SUFFIX)) continue;
    for (const release of parseManifests(file, text).docs.filter((d) => d.object.kind === 'HelmRelease')) {
      const { docs: objects, problems } = renderCharts([release], declared, clusters);
      if (problems.length)
        throw new Error(problems.map((p) => `${p.file}: ${p.object} ${p.field}: ${p.message}`).join('\n'));
      if (!objects.length) continue;
      const out = renderedChartFile(file);
      rendered.set(out, [...(rendered.get(out) ?? []), ...objects.map((d) => d.object as Json)]);
    }
  }
  return rendered;
}

/**
 * Replaces each HelmRelease in clusters/<cluster> and its chart source with what deviation 1 serves: the objects of
 * `charts` (chartRenderings) where the chart ships in a module, else the CRDs of the component the folder belongs to
 * (`crdSources` by component name). Returns the files removed and added, repo-relative.
 */
export function replaceCharts(
  root: string,
  cluster: string,
  crdSources: Readonly<Record<string, readonly CrdSource[]>>,
  charts: ReadonlyMap<string, readonly Json[]> = new Map(),
) {
  const tree = readTree(root, cluster);
  const objects = [...tree].filter(([f]) => f.endsWith('.yaml')).map(([f, t]) => ({ file: f, docs: docs(f, t) }));
  const sources = chartSourcesOf(objects.flatMap((o) => o.docs));
  const removed: string[] = [];
  const added: string[] = [];
  const charted = new Set<string>();
  for (const { file, docs: inFile } of objects) {
    const chartDocs = inFile.filter(
      (o) =>
        o.kind === 'HelmRelease' ||
        WEBHOOKS.has(o.kind) ||
        (CHART_SOURCES.has(o.kind) && sources.has(key(o.kind, o.metadata?.namespace, o.metadata?.name))),
    );
    if (!chartDocs.length) continue;
    if (chartDocs.length !== inFile.length)
      throw new Error(`${file}: a HelmRelease, chart source or webhook shares its file with other objects`);
    rmSync(join(root, file));
    removed.push(file);
    const rendered = charts.get(renderedChartFile(file));
    if (rendered) {
      writeFileSync(join(root, renderedChartFile(file)), toYaml(servedChartObjects(rendered)));
      added.push(renderedChartFile(file));
    } else if (chartDocs.some((o) => o.kind === 'HelmRelease')) charted.add(dirname(file));
  }
  for (const folder of new Set(removed.map((f) => dirname(f)))) {
    const component = basename(folder);
    const files: string[] = [];
    // Kustomize refuses a CRD twice: one a chart of this folder renders is not added from the sources again.
    const fromCharts = new Set(
      added
        .filter((f) => dirname(f) === folder)
        .flatMap((f) =>
          charts
            .get(f)!
            .filter((o) => o.kind === 'CustomResourceDefinition')
            .map((o) => o.metadata.name),
        ),
    );
    // Only a chart's CRDs are missing; a folder that only lost webhooks has its CRDs already.
    for (const source of charted.has(folder) ? (crdSources[component] ?? []) : []) {
      const crds = crdsOf(source).filter((o) => !fromCharts.has(o.metadata.name));
      if (!crds.length) continue;
      const label = 'module' in source ? basename(source.module) : (source.maven[0] ?? '').split(':')[1];
      const file = `${folder}/crds-${label}.yaml`;
      writeFileSync(join(root, file), toYaml(crds));
      files.push(file);
    }
    added.push(...files);
    const kustomizationFile = join(root, folder, 'kustomization.yaml');
    const [k] = docs(kustomizationFile, readFileSync(kustomizationFile, 'utf8'));
    const resources = (k!.resources as string[]).filter((r) => !removed.includes(`${folder}/${r}`));
    const ownAdded = added.filter((f) => dirname(f) === folder).map((f) => basename(f));
    writeFileSync(kustomizationFile, kustomization([...resources, ...ownAdded].sort()));
  }
  return { removed, added };
}

/** Points the sync GitRepository at `url` (no credentials) and shortens every Flux Kustomization's timeouts. */
export function patchFlux(root: string, cluster: string, url: string, timeouts: Timeouts): void {
  for (const [file, text] of readTree(root, cluster)) {
    if (!file.endsWith('.yaml') || file.endsWith(SOPS_SUFFIX)) continue;
    const objects = docs(file, text);
    if (!objects.some((o) => isFluxKustomization(o) || o.kind === 'GitRepository')) continue;
    for (const o of objects) {
      if (isFluxKustomization(o))
        Object.assign(o.spec, { timeout: timeouts.timeout, retryInterval: timeouts.retryInterval });
      if (o.kind === 'GitRepository' && o.metadata.name === 'flux-system') {
        Object.assign(o.spec, { url, interval: timeouts.sourceInterval });
        delete o.spec.secretRef;
      }
    }
    writeFileSync(join(root, file), toYaml(objects));
  }
}

/** The `/<owner>/<repo>` of a commit-status Provider's address. */
function repositoryPath(o: Json): string {
  const address = o.spec.address;
  if (!URL.canParse(address)) throw new Error(`${objectRef(o)} spec.address: ${JSON.stringify(address)} is not a URL`);
  return new URL(address).pathname;
}

/** The commit-status Providers of a tree (type github), with the file each is in. */
export function commitStatusProviders(tree: ReadonlyMap<string, string>): { file: string; provider: Json }[] {
  return [...tree]
    .filter(([f]) => f.endsWith('.yaml') && !f.endsWith(SOPS_SUFFIX))
    .flatMap(([file, text]) => docs(file, text).map((provider) => ({ file, provider })))
    .filter(({ provider }) => isCommitStatusProvider(provider));
}

/** Points every commit-status Provider at `origin` (scheme and host), keeping the repository path. */
export function patchCommitStatus(root: string, cluster: string, origin: string): void {
  const tree = readTree(root, cluster);
  for (const file of new Set(commitStatusProviders(tree).map((p) => p.file))) {
    const objects = docs(file, tree.get(file)!);
    for (const o of objects.filter(isCommitStatusProvider)) o.spec.address = `${origin}${repositoryPath(o)}`;
    writeFileSync(join(root, file), toYaml(objects));
  }
}

/** An object with the fields a declared deviation may change taken out. */
function comparable(o: Json): Json {
  const copy = structuredClone(o);
  if (isFluxKustomization(copy)) {
    delete copy.spec.timeout;
    delete copy.spec.retryInterval;
  }
  if (copy.kind === 'GitRepository' && copy.metadata?.name === 'flux-system') {
    for (const field of ['url', 'interval', 'secretRef']) delete copy.spec[field];
  }
  if (isCommitStatusProvider(copy)) copy.spec.address = repositoryPath(copy);
  if (copy.sops) {
    // Re-encryption changes every ciphertext and the sops block; the keys stay.
    delete copy.sops;
    for (const field of ['data', 'stringData']) if (copy[field]) copy[field] = Object.keys(copy[field]).sort();
  }
  if (copy.kind === 'Kustomization' && copy.apiVersion?.startsWith('kustomize.config.k8s.io/')) delete copy.resources;
  return copy;
}

/**
 * What differs between the rendered tree and the served one beyond the declared deviations: `removed` files must hold
 * HelmReleases, their chart sources or webhook configurations; an `added` file must hold exactly the served objects
 * of its entry in `charts` (chartRenderings of `before`), or else CRDs only; kustomization.yaml resources may lose
 * exactly the removed and gain exactly the added files; other objects may differ only in the fields the deviations
 * change.
 */
export function undeclaredChanges(
  before: Map<string, string>,
  after: Map<string, string>,
  charts: ReadonlyMap<string, readonly Json[]> = new Map(),
): string[] {
  const problems: string[] = [];
  const removed = [...before.keys()].filter((f) => !after.has(f));
  const added = [...after.keys()].filter((f) => !before.has(f));
  const sources = chartSourcesOf(removed.flatMap((f) => docs(f, before.get(f)!)));
  for (const file of removed) {
    for (const o of docs(file, before.get(file)!)) {
      const chart = o.kind === 'HelmRelease' || sources.has(key(o.kind, o.metadata?.namespace, o.metadata?.name));
      if (!chart && !WEBHOOKS.has(o.kind))
        problems.push(
          `${file}: ${objectRef(o)} was removed, but it is neither a HelmRelease, its chart source nor a webhook`,
        );
    }
  }
  for (const [file, objects] of charts) {
    const release = file.replace(/\.rendered\.yaml$/, '.yaml');
    if (after.has(release)) problems.push(`${release}: the HelmRelease is served beside the chart it renders`);
    if (!after.has(file)) problems.push(`${file}: the chart its HelmRelease renders is not served`);
    else if (stringify(docs(file, after.get(file)!)) !== stringify(servedChartObjects(objects)))
      problems.push(`${file}: differs from what helm template renders for its HelmRelease, less the webhooks`);
  }
  for (const file of added.filter((f) => !charts.has(f))) {
    for (const o of docs(file, after.get(file)!)) {
      if (o.kind !== 'CustomResourceDefinition')
        problems.push(`${file}: ${objectRef(o)} was added, but only CRDs and a chart's rendering may be`);
    }
  }
  for (const [file, text] of after) {
    const old = before.get(file);
    if (old === undefined || old === text || !file.endsWith('.yaml')) {
      if (old !== undefined && old !== text) problems.push(`${file} changed`);
      continue;
    }
    const [was, now] = [docs(file, old), docs(file, text)];
    if (was.length !== now.length) problems.push(`${file}: ${was.length} objects before, ${now.length} after`);
    was.forEach((o, i) => {
      const n = now[i];
      if (!n || stringify(comparable(o)) !== stringify(comparable(n))) {
        problems.push(`${file}: ${objectRef(o)} changed beyond the declared deviations`);
      } else if (o.resources) {
        const folder = dirname(file);
        const expected = (o.resources as string[])
          .filter((r) => !removed.includes(`${folder}/${r}`))
          .concat(added.filter((f) => dirname(f) === folder).map((f) => basename(f)))
          .sort();
        if (stringify(expected) !== stringify([...(n.resources as string[])].sort())) {
          problems.push(`${file}: resources changed beyond the removed chart files and the added files`);
        }
      }
    });
  }
  return problems;
}
