// What schema validation cannot see: references between files and objects, duplicates, and pinned chart versions.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { objectRef, type KubeObject, type ManifestDoc } from '../manifests';
import type { CheckProblem } from './checks';

const FLUX_KUSTOMIZATION = 'kustomize.toolkit.fluxcd.io';
const FLUX_HELM = 'helm.toolkit.fluxcd.io';
const FLUX_SOURCE = 'source.toolkit.fluxcd.io';
const KUSTOMIZE_CONFIG = 'kustomize.config.k8s.io';
const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function group(o: KubeObject): string {
  const apiVersion = o.apiVersion ?? '';
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

function isKind(o: KubeObject, apiGroup: string, kind: string): boolean {
  return group(o) === apiGroup && o.kind === kind;
}

function field<T>(o: unknown, ...path: (string | number)[]): T | undefined {
  let node = o;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node as T | undefined;
}

function problem(doc: ManifestDoc, path: string, message: string): CheckProblem {
  return { file: doc.file, index: doc.index, object: objectRef(doc.object), path, message };
}

/** Each `resources`/`components` entry of a kustomization.yaml names a file or a folder with a kustomization.yaml. */
export function checkKustomizationEntries(root: string, docs: ManifestDoc[]): CheckProblem[] {
  const problems: CheckProblem[] = [];
  for (const doc of docs.filter((d) => group(d.object) === KUSTOMIZE_CONFIG)) {
    for (const list of ['resources', 'components']) {
      const entries = field<unknown[]>(doc.object, list) ?? [];
      entries.forEach((entry, i) => {
        const path = `${list}[${i}]`;
        if (typeof entry !== 'string') return;
        if (/^[a-z]+:\/\//i.test(entry)) {
          problems.push(problem(doc, path, `remote entry ${entry}: vendor it into the repo, validation is offline`));
          return;
        }
        const target = join(root, dirname(doc.file), entry);
        if (!existsSync(target))
          problems.push(problem(doc, path, `entry ${entry} does not exist (${posix.join(dirname(doc.file), entry)})`));
        else if (statSync(target).isDirectory() && !existsSync(join(target, 'kustomization.yaml'))) {
          problems.push(problem(doc, path, `folder ${entry} has no kustomization.yaml`));
        }
      });
    }
  }
  return problems;
}

/** The objects one cluster applies: its own folder plus the shared flux-system/ install. Kustomize inputs excluded. */
export function clusterObjects(docs: ManifestDoc[], cluster: string): ManifestDoc[] {
  return docs.filter((d) => (d.cluster === cluster || d.cluster === undefined) && group(d.object) !== KUSTOMIZE_CONFIG);
}

/** No two objects of one cluster share (apiVersion, kind, namespace, name). */
export function checkDuplicates(objects: ManifestDoc[]): CheckProblem[] {
  const seen = new Map<string, ManifestDoc>();
  const problems: CheckProblem[] = [];
  for (const doc of objects) {
    const o = doc.object;
    const key = [o.apiVersion, o.kind, o.metadata?.namespace ?? '', o.metadata?.name].join('|');
    const first = seen.get(key);
    if (first)
      problems.push(
        problem(
          doc,
          'metadata.name',
          `duplicate object: ${o.apiVersion} ${objectRef(o)} is already defined in ${first.file} (document ${first.index})`,
        ),
      );
    else seen.set(key, doc);
  }
  return problems;
}

interface Ref {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** Flux references inside one cluster: Kustomization paths, dependsOn, sourceRef and chartRef targets, pinned charts. */
export function checkFluxReferences(root: string, objects: ManifestDoc[]): CheckProblem[] {
  const byKindAndName = new Map<string, ManifestDoc>();
  for (const doc of objects) {
    byKindAndName.set(
      `${doc.object.kind}/${doc.object.metadata?.namespace ?? ''}/${doc.object.metadata?.name ?? ''}`,
      doc,
    );
  }
  const find = (kind: string | undefined, namespace: string, name: string | undefined) =>
    byKindAndName.get(`${kind}/${namespace}/${name}`);
  const problems: CheckProblem[] = [];
  const requireTarget = (doc: ManifestDoc, path: string, ref: Ref | undefined, defaultKind?: string) => {
    if (!ref) return undefined;
    const kind = ref.kind ?? defaultKind;
    const namespace = ref.namespace ?? doc.object.metadata?.namespace ?? '';
    const target = find(kind, namespace, ref.name);
    if (!target) problems.push(problem(doc, path, `${kind}/${namespace}/${ref.name} does not exist in this cluster`));
    return target;
  };
  for (const doc of objects) {
    const o = doc.object;
    const isKustomization = isKind(o, FLUX_KUSTOMIZATION, 'Kustomization');
    const isHelmRelease = isKind(o, FLUX_HELM, 'HelmRelease');
    if (!isKustomization && !isHelmRelease) continue;
    (field<Ref[]>(o, 'spec', 'dependsOn') ?? []).forEach((ref, i) =>
      requireTarget(doc, `spec.dependsOn[${i}]`, ref, o.kind),
    );
    if (isKustomization) {
      requireTarget(doc, 'spec.sourceRef', field<Ref>(o, 'spec', 'sourceRef'));
      const path = field<string>(o, 'spec', 'path');
      if (path !== undefined && !existsSync(join(root, path)))
        problems.push(problem(doc, 'spec.path', `path ${path} does not exist in the repository`));
    }
    if (isHelmRelease) problems.push(...checkChartPinned(doc, requireTarget));
  }
  return problems;
}

function checkChartPinned(
  doc: ManifestDoc,
  requireTarget: (doc: ManifestDoc, path: string, ref: Ref | undefined) => ManifestDoc | undefined,
): CheckProblem[] {
  const chartRef = field<Ref>(doc.object, 'spec', 'chartRef');
  if (chartRef) {
    const source = requireTarget(doc, 'spec.chartRef', chartRef);
    if (!source || !isKind(source.object, FLUX_SOURCE, 'OCIRepository')) return [];
    const tag = field<string>(source.object, 'spec', 'ref', 'tag');
    const pinned =
      field<string>(source.object, 'spec', 'ref', 'digest') !== undefined ||
      (tag !== undefined && EXACT_SEMVER.test(tag));
    return pinned
      ? []
      : [
          problem(
            doc,
            'spec.chartRef',
            `chart source ${objectRef(source.object)} is not pinned to an exact tag or digest`,
          ),
        ];
  }
  requireTarget(doc, 'spec.chart.spec.sourceRef', field<Ref>(doc.object, 'spec', 'chart', 'spec', 'sourceRef'));
  const version = field<unknown>(doc.object, 'spec', 'chart', 'spec', 'version');
  if (version === undefined)
    return [problem(doc, 'spec.chart.spec.version', 'chart version missing: pin an exact version')];
  if (typeof version !== 'string' || !EXACT_SEMVER.test(version)) {
    return [
      problem(
        doc,
        'spec.chart.spec.version',
        `chart version ${JSON.stringify(version)} is not an exact version: pin one (no ranges, no latest)`,
      ),
    ];
  }
  return [];
}
