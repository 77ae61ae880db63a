import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { estate } from './estate/clusters';
import { LAYERS } from './component';
import { goTool } from './go-tools';
import { repoRoot } from './repo';

// What Flux's kustomize-controller does with each folder it reconciles, with the pinned kustomize.
function build(dir: string): { kind: string; metadata: { name: string } }[] {
  const out = execFileSync(goTool('kustomize'), ['build', dir], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseAllDocuments(out).map((d) => d.toJS());
}

describe.each(estate.clusters.map((c) => c.name))('kustomize build of clusters/%s', (cluster) => {
  it('builds the root that Flux syncs: the Flux install, its sync objects and one Kustomization per layer', () => {
    const objects = build(`clusters/${cluster}`);
    const syncs = objects.filter((o) => o.kind === 'Kustomization').map((o) => o.metadata.name).sort();
    expect(syncs).toEqual(['flux-system', ...LAYERS.filter((l) => existsSync(join(repoRoot, 'clusters', cluster, l)))].sort());
    expect(objects.filter((o) => o.kind === 'Deployment').length).toBe(4);
  });

  it.each(LAYERS)('builds the %s layer', (layer) => {
    expect(build(`clusters/${cluster}/${layer}`).length).toBeGreaterThan(0);
  });
});
