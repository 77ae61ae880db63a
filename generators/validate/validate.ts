// `npm run validate`: every YAML document under clusters/ and flux-system/ checked against the schemas of the
// Kubernetes version of its cluster (kubeconform in wasm), then the structural checks and every registered repo check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderCharts, type DeclaredChart } from '../charts';
import type { Cluster } from '../model';
import { missingOutput } from '../layout';
import { loadManifests, objectRef, type KubeObject, type ManifestDoc } from '../manifests';
import type { CheckProblem, RepoCheck } from './checks';
import { runKubeconform, type KubeconformResult } from './kubeconform';
import { ensureSchemas, type CrdSource } from './schemas';
import { checkDuplicates, checkFluxReferences, checkKustomizationEntries, clusterObjects } from './structure';

export const VALIDATED_DIRS = ['clusters', 'flux-system'];
/** flux-system/ is shared by every cluster; the summary lists it as its own group. */
export const SHARED_GROUP = 'flux-system';
const SOPS_SUFFIX = '.sops.yaml';
const REPO_MOUNT = '/repo';
const PREPARED_MOUNT = '/prepared';

export interface GroupSummary {
  /** A cluster name, or SHARED_GROUP. */
  group: string;
  objects: number;
  byKind: Map<string, number>;
  errors: number;
}

/** Wall time of one phase of a validation run (`npm run validate -- --timings` prints them). */
export interface Span {
  label: string;
  seconds: number;
}

export interface ValidationReport {
  problems: CheckProblem[];
  summaries: GroupSummary[];
  objectCount: number;
  spans: Span[];
}

async function timed<T>(spans: Span[], label: string, run: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    spans.push({ label, seconds: (performance.now() - started) / 1000 });
  }
}

type ClusterVersion = Pick<Cluster, 'name' | 'kubernetesVersion'>;

/** `/spec/containers/0/image` → `spec.containers[0].image`. */
function jsonPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment),
      '',
    );
}

/** One line per schema violation: kubeconform puts each leaf error in its message as `- at '<pointer>': <message>`. */
function schemaProblems(doc: ManifestDoc, result: KubeconformResult, kubernetesVersion: string): CheckProblem[] {
  const object = objectRef(doc.object);
  if (result.msg.startsWith('could not find schema')) {
    return [
      {
        file: doc.file,
        index: doc.index,
        object,
        path: 'kind',
        message: `no schema for kind ${doc.object.kind} in ${doc.object.apiVersion} (Kubernetes ${kubernetesVersion} and the pinned CRDs): unknown kind or wrong apiVersion`,
      },
    ];
  }
  const leaves = [...result.msg.matchAll(/- at '([^']*)': (.*?)(?= - at '|$)/g)];
  if (!leaves.length) return [{ file: doc.file, index: doc.index, object, path: '', message: result.msg }];
  return leaves.map(([, pointer = '', message = '']) => ({
    file: doc.file,
    index: doc.index,
    object,
    path: jsonPath(pointer),
    message: message.trim(),
  }));
}

function identity(kind: unknown, apiVersion: unknown, name: unknown): string {
  return `${String(kind)}|${String(apiVersion)}|${String(name)}`;
}

/** Whether kubeconform's report (kind, apiVersion, name; no index) names this document the way `identity` does. */
function plainlyNamed(doc: ManifestDoc): boolean {
  const o = doc.object;
  const metadata: Record<string, unknown> = o.metadata ?? {};
  return (
    [o.kind, o.apiVersion, metadata.name].every((v) => typeof v === 'string') && metadata.generateName === undefined
  );
}

/**
 * Schema-validates the documents in one kubeconform run per Kubernetes version, against the pinned schemas plus the
 * CRDs the charts render. Files go in as they are, except chart output (in no file) and those kubeconform cannot map
 * back to a document index on its own (SOPS files, files with a broken document, files where two documents share
 * kind/apiVersion/name or lack a plain one): their documents go in one per prepared file.
 */
async function validateSchemas(
  root: string,
  docs: ManifestDoc[],
  filesWithErrors: Set<string>,
  kubernetesVersion: string,
  crdSources: readonly CrdSource[],
  spans: Span[],
  options: ValidationOptions,
): Promise<CheckProblem[]> {
  const problems: CheckProblem[] = [];
  const byFile = new Map<string, ManifestDoc[]>();
  for (const doc of docs) byFile.set(doc.file, [...(byFile.get(doc.file) ?? []), doc]);
  const prepared = mkdtempSync(join(tmpdir(), 'validate-'));
  try {
    const direct = new Map<string, ManifestDoc[]>();
    const preparedDocs = new Map<string, ManifestDoc>();
    for (const [file, fileDocs] of byFile) {
      const isSops = file.endsWith(SOPS_SUFFIX);
      const ids = new Set(fileDocs.map((d) => identity(d.object.kind, d.object.apiVersion, d.object.metadata?.name)));
      const fromFile = fileDocs.every((d) => d.chart === undefined && plainlyNamed(d));
      const plain = !isSops && !filesWithErrors.has(file) && fromFile;
      if (plain && ids.size === fileDocs.length) {
        direct.set(`${REPO_MOUNT}/${file}`, fileDocs);
        continue;
      }
      for (const doc of fileDocs) {
        let object = doc.object;
        if (isSops) {
          const { sops, ...rest } = object;
          if (sops === undefined)
            problems.push({
              file,
              index: doc.index,
              object: objectRef(object),
              path: 'sops',
              message: 'not encrypted: a *.sops.yaml file must carry SOPS metadata',
            });
          object = rest;
        }
        const name = `${preparedDocs.size}.yaml`;
        writeFileSync(join(prepared, name), JSON.stringify(object));
        preparedDocs.set(`${PREPARED_MOUNT}/${name}`, doc);
      }
    }
    const schemaDir = await timed(spans, `schemas (Kubernetes ${kubernetesVersion})`, () =>
      ensureSchemas(kubernetesVersion, crdSources, chartCrds(docs)),
    );
    const results = await timed(spans, `kubeconform (Kubernetes ${kubernetesVersion})`, () =>
      runKubeconform({
        files: [...direct.keys(), ...preparedDocs.keys()],
        mounts: [
          { guest: REPO_MOUNT, host: root },
          { guest: PREPARED_MOUNT, host: prepared },
        ],
        schemaDir,
        passCache: options.passCache,
      }),
    );
    for (const result of results) {
      const doc =
        preparedDocs.get(result.filename) ??
        direct
          .get(result.filename)
          ?.find(
            (d) =>
              identity(d.object.kind, d.object.apiVersion, d.object.metadata?.name) ===
              identity(result.kind, result.version, result.name),
          );
      if (!doc)
        throw new Error(
          `kubeconform reported ${result.filename} ${result.kind}/${result.name}, which matches no parsed document: ${result.msg}`,
        );
      problems.push(...schemaProblems(doc, result, kubernetesVersion));
    }
  } finally {
    rmSync(prepared, { recursive: true, force: true });
  }
  return problems;
}

/** What the components add to validation: CRD schemas, repo checks and charts to render (generators/registries.ts). */
export interface ValidationExtensions {
  crdSources: readonly CrdSource[];
  checks: readonly RepoCheck[];
  charts: readonly DeclaredChart[];
}

/** The CustomResourceDefinitions charts render: custom resources of their kinds validate against them. */
function chartCrds(docs: ManifestDoc[]): KubeObject[] {
  return docs.filter((d) => d.chart !== undefined && d.object.kind === 'CustomResourceDefinition').map((d) => d.object);
}

export interface ValidationOptions {
  /**
   * kubeconform's pass cache (see runKubeconform), or false for a clean run that neither reads nor writes it.
   * @default PASS_CACHE
   */
  passCache?: string | false;
  /**
   * Whether files are parsed through loadManifests' parse cache.
   * @default true
   */
  parseCache?: boolean;
}

/** Validates the rendered tree at `root` for the given clusters. */
export async function validateTree(
  root: string,
  clusters: ClusterVersion[],
  extensions: ValidationExtensions,
  options: ValidationOptions = {},
): Promise<ValidationReport> {
  const spans: Span[] = [];
  const files = await timed(spans, 'read and parse YAML', () =>
    loadManifests(root, VALIDATED_DIRS, { parseCache: options.parseCache }),
  );
  const { errors } = files;
  const charts = await timed(spans, 'charts', () => renderCharts(files.docs, extensions.charts, clusters));
  const docs = [...files.docs, ...charts.docs];
  const problems: CheckProblem[] = errors.map((e) => ({
    file: e.file,
    index: e.index,
    object: '?',
    path: '',
    message: `broken YAML: ${e.message}`,
  }));
  problems.push(...charts.problems.map(({ field, ...p }) => ({ ...p, path: field })));
  for (const missing of missingOutput(
    root,
    clusters.map((c) => c.name),
  )) {
    problems.push({ file: missing.file, index: 0, object: '-', path: '', message: missing.message });
  }
  const known = new Set(clusters.map((c) => c.name));
  for (const doc of docs.filter((d) => d.cluster !== undefined && !known.has(d.cluster))) {
    problems.push({
      file: doc.file,
      index: doc.index,
      object: objectRef(doc.object),
      path: '',
      message: `folder clusters/${doc.cluster} belongs to no cluster of the model`,
    });
  }
  const filesWithErrors = new Set(errors.map((e) => e.file));
  for (const version of [...new Set(clusters.map((c) => c.kubernetesVersion))].sort()) {
    const names = new Set(clusters.filter((c) => c.kubernetesVersion === version).map((c) => c.name));
    const versionDocs = docs.filter((d) => d.cluster === undefined || names.has(d.cluster));
    problems.push(
      ...(await validateSchemas(root, versionDocs, filesWithErrors, version, extensions.crdSources, spans, options)),
    );
  }
  await timed(spans, 'structure and repo checks', () => {
    problems.push(...checkKustomizationEntries(root, docs));
    for (const cluster of clusters) {
      const objects = clusterObjects(docs, cluster.name);
      problems.push(...checkDuplicates(objects), ...checkFluxReferences(root, objects));
    }
    for (const check of extensions.checks) problems.push(...check.run(docs));
  });
  const unique = [...new Map(problems.map((p) => [JSON.stringify(p), p])).values()];
  unique.sort((a, b) => a.file.localeCompare(b.file) || a.index - b.index || a.path.localeCompare(b.path));
  return { problems: unique, summaries: summarise(docs, unique, clusters), objectCount: docs.length, spans };
}

function summarise(docs: ManifestDoc[], problems: CheckProblem[], clusters: ClusterVersion[]): GroupSummary[] {
  const groupOf = (file: string) => (file.startsWith('clusters/') ? (file.split('/')[1] ?? '') : SHARED_GROUP);
  const summaries = new Map<string, GroupSummary>(
    [...clusters.map((c) => c.name), SHARED_GROUP].map((group) => [
      group,
      { group, objects: 0, byKind: new Map(), errors: 0 },
    ]),
  );
  const summary = (group: string) => {
    let s = summaries.get(group);
    if (!s) summaries.set(group, (s = { group, objects: 0, byKind: new Map(), errors: 0 }));
    return s;
  };
  for (const doc of docs) {
    const s = summary(groupOf(doc.file));
    s.objects++;
    const kind = doc.object.kind ?? '?';
    s.byKind.set(kind, (s.byKind.get(kind) ?? 0) + 1);
  }
  for (const p of problems) summary(groupOf(p.file)).errors++;
  return [...summaries.values()];
}

/** The report as text: one line per problem, then one summary line per cluster. */
export function formatReport(report: ValidationReport): string[] {
  const lines = report.problems.map((p) => `${p.file}#${p.index} ${p.object} ${p.path || '.'}: ${p.message}`);
  for (const s of report.summaries) {
    const kinds = [...s.byKind].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `${kind} ${n}`);
    lines.push(
      `${s.group}: ${s.objects} objects checked, ${s.errors} errors${kinds.length ? ` (${kinds.join(', ')})` : ''}`,
    );
  }
  return lines;
}
