import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { estate } from './estate/clusters';
import { catalogue } from './estate/catalogue';
import { goTool } from './go-tools';
import { renderEstate } from './render';
import { repoRoot } from './repo';

// What Flux's kustomize-controller does with each folder it reconciles, with the pinned kustomize.
function build(dir: string): { kind: string; metadata: { name: string } }[] {
  const out = execFileSync(goTool('kustomize'), ['build', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return parseAllDocuments(out).map((d) => d.toJS());
}

/** The folders Flux reconciles on a cluster: one per component and layer, `<layer>/<component>`. */
function unitFolders(cluster: string): string[] {
  const files = [...renderEstate(estate, catalogue).files.keys()];
  const folders = files.filter((f) => f.startsWith(`clusters/${cluster}/`) && f.split('/').length === 5);
  return [...new Set(folders.map((f) => f.split('/').slice(2, 4).join('/')))]
    .filter((f) => !f.startsWith('flux-system'))
    .sort();
}

describe.each(estate.clusters.map((c) => c.name))('kustomize build of clusters/%s', (cluster) => {
  it('builds the root that Flux syncs: the Flux install, its sync objects and one Kustomization per component and layer', () => {
    const objects = build(`clusters/${cluster}`);
    const syncs = objects
      .filter((o) => o.kind === 'Kustomization')
      .map((o) => o.metadata.name)
      .sort();
    const units = unitFolders(cluster).map((f) => f.replace('/', '-'));
    expect(syncs).toEqual(['flux-system', ...units].sort());
    expect(objects.filter((o) => o.kind === 'Deployment').length).toBe(4);
  });

  it.each(unitFolders(cluster))('builds %s', (folder) => {
    expect(build(`clusters/${cluster}/${folder}`).length).toBeGreaterThan(0);
  });
});
