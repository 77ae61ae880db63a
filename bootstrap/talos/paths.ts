// Where the Talos scripts read and write, per cluster; every default can be overridden on the command line.
import { isAbsolute, relative } from 'node:path';
import type { Cluster } from '../../generators/model';
import { repoRoot } from '../../generators/repo';

/** Repo-relative defaults. `out/` is gitignored: it holds secrets (machine configs, talosconfig, kubeconfig). */
export function defaultPaths(cluster: Cluster): { out: string; secrets: string; nodes: string } {
  const out = `bootstrap/talos/out/${cluster.name}`;
  return {
    out,
    secrets: `bootstrap/talos/secrets/${cluster.name}.sops.yaml`,
    nodes: cluster.provider === 'aws' ? `${out}/stack-outputs.json` : `bootstrap/talos/inventory/${cluster.name}.yaml`,
  };
}

/** A path as messages show it: repo-relative inside the repository, absolute elsewhere. */
export function shortPath(path: string): string {
  const inRepo = relative(repoRoot, path);
  return inRepo.startsWith('..') || isAbsolute(inRepo) ? path : inRepo;
}
