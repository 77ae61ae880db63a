// For a component's tests: its objects in the real rendering, and what `npm run policy` and `npm run validate` report
// about its committed files under clusters/.
import { estate } from '../estate/clusters';
import type { Estate } from '../model';
import { parseManifests, type ManifestDoc } from '../manifests';
import { loadPolicyInput, runPolicy } from '../policy/gate';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { validateTree } from '../validate/validate';
import { findDrift } from '../writer';
import { catalogue } from '../estate/catalogue';
import { allowListOf } from '../policy/allow-list';
import { validationExtensionsOf } from '../registries';

/** Whether a repo-relative file belongs to `component` (clusters/<cluster>/<layer>/<component>/...). */
export function ofComponent(file: string, component: string): boolean {
  return file.split('/')[3] === component;
}

/** The component's objects in the rendering of `model` (the real estate by default), without its kustomization.yaml files. */
export function componentDocs(component: string, model: Estate = estate): ManifestDoc[] {
  const { files } = renderEstate(model, catalogue);
  return [...files]
    .filter(([file]) => ofComponent(file, component) && !file.endsWith('/kustomization.yaml'))
    .flatMap(([file, text]) => parseManifests(file, text).docs);
}

/** Problems with the component's committed files: stale against the generators, policy violations, invalid objects. */
export async function gateProblems(
  component: string,
): Promise<{ drift: string[]; policy: string[]; validate: string[] }> {
  const drift = findDrift(repoRoot, renderEstate(estate, catalogue))
    .flatMap((d) => [...d.added, ...d.changed, ...d.orphaned])
    .filter((file) => ofComponent(file, component));
  const policy = runPolicy(loadPolicyInput(repoRoot, estate), allowListOf(estate, catalogue))
    .violations.filter((v) => ofComponent(v.file, component))
    .map((v) => `${v.rule} ${v.clusters.join(',')} ${v.file} ${v.object} ${v.field}: ${v.message}`);
  const validation = await validateTree(repoRoot, estate.clusters, validationExtensionsOf(catalogue));
  const validate = validation.problems
    .filter((p) => ofComponent(p.file, component))
    .map((p) => `${p.file}#${p.index} ${p.object} ${p.path}: ${p.message}`);
  return { drift, policy, validate };
}
