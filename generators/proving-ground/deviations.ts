// The served copy's declared deviations from the rendered estate, and the check that nothing else differs.
//  1. Charts: Helm repositories are unreachable offline, so each HelmRelease and the chart source it pulls from are
//     replaced by the CRDs its chart would install, read from the pinned module the schemas come from.
//  2. Git: the sync GitRepository points at the loopback Git server (HTTP, no deploy key) and polls often.
//  3. Timeouts: each Flux Kustomization gets a short timeout and retry interval, so failures show in seconds.
//  4. SOPS: every Secret file is encrypted to a throw-away age key (served-copy.ts).
//  5. Admission webhooks: a webhook configuration that is not a chart's (CloudNativePG's release manifest) points at
//     pods that kwok only pretends to run, so the API server's calls to it fail; such files are removed.
//  6. Commit statuses: the `address` of every commit-status Provider (type github) points at the loopback stand-in for
//     GitHub's commit-status API (github-status-stand-in.ts); only its scheme and host change, `/<owner>/<repo>` stays.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { goModuleDir } from '../go-modules';
import { kustomization, OUTPUT_DIR, SOPS_SUFFIX, toYaml } from '../layout';
import { type KubeObject, objectRef, parseManifests } from '../manifests';
import type { CrdSource } from '../validate/schemas';

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
  const dir = join(goModuleDir(source.module, source.version), source.dir);
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

/**
 * Replaces each HelmRelease in clusters/<cluster> and its chart source with the CRDs of the component the folder
 * belongs to (`crdSources` by component name). Returns the files removed and added, repo-relative.
 */
export function replaceCharts(
  root: string,
  cluster: string,
  crdSources: Readonly<Record<string, readonly CrdSource[]>>,
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
    if (chartDocs.some((o) => o.kind === 'HelmRelease')) charted.add(dirname(file));
  }
  for (const folder of new Set(removed.map((f) => dirname(f)))) {
    const component = basename(folder);
    const files: string[] = [];
    // Only a chart's CRDs are missing; a folder that only lost webhooks has its CRDs already.
    for (const source of charted.has(folder) ? (crdSources[component] ?? []) : []) {
      const file = `${folder}/crds-${basename(source.module)}.yaml`;
      writeFileSync(join(root, file), toYaml(crdsOf(source)));
      files.push(file);
    }
    added.push(...files);
    const kustomizationFile = join(root, folder, 'kustomization.yaml');
    const [k] = docs(kustomizationFile, readFileSync(kustomizationFile, 'utf8'));
    const resources = (k!.resources as string[]).filter((r) => !removed.includes(`${folder}/${r}`));
    writeFileSync(kustomizationFile, kustomization([...resources, ...files.map((f) => basename(f))].sort()));
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
 * HelmReleases, their chart sources or webhook configurations, `added` ones CRDs only, kustomization.yaml resources may lose exactly the
 * removed and gain exactly the added files, and other objects may differ only in the fields the deviations change.
 */
export function undeclaredChanges(before: Map<string, string>, after: Map<string, string>): string[] {
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
  for (const file of added) {
    for (const o of docs(file, after.get(file)!)) {
      if (o.kind !== 'CustomResourceDefinition')
        problems.push(`${file}: ${objectRef(o)} was added, but only CRDs may be`);
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
          problems.push(`${file}: resources changed beyond the removed chart files and the added CRD files`);
        }
      }
    });
  }
  return problems;
}
