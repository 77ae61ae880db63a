// Global setup of the integration tier: when the whole tier runs, every Go tool and schema set that its test files
// share is built here, once and one after another, before any test worker starts. Parallel workers would otherwise
// race to build the same tool (safe, since each build renames its own partial file into place, but paid twice), and
// two builds at once on 2 cores only slow each other down. A partial selection builds what it uses, on demand.
import type { TestProject } from 'vitest/node';
import { TALOS_CONFIG_TOOL } from './bootstrap/talos/tools';
import { catalogue } from './generators/estate/catalogue';
import { estate } from './generators/estate/clusters';
import { buildGoTool, CORE_GO_TOOLS, type GoTool } from './generators/go-tools';
import { crdSourcesOf, goToolsOf } from './generators/registries';
import { ensureSchemas } from './generators/validate/schemas';

/** Builds every Go tool and schema set the integration tier uses that the cache lacks (`npm run bench:tests` too). */
export function buildSharedArtifacts(): void {
  const tools: GoTool[] = [...Object.values(CORE_GO_TOOLS), ...goToolsOf(catalogue), TALOS_CONFIG_TOOL];
  for (const tool of new Map(tools.map((t) => [t.name, t])).values()) buildGoTool(tool);
  for (const version of new Set(estate.clusters.map((c) => c.kubernetesVersion))) {
    ensureSchemas(version, crdSourcesOf(catalogue));
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const selected = new Set(project.vitest.state.getPaths());
  const { testFiles } = await project.globTestFiles();
  if (testFiles.every((file) => selected.has(file))) buildSharedArtifacts();
}
