import { readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { crdSourcesOf } from '../registries';
import { ensureSchemas } from '../validate/schemas';
import { repoRoot, runCli } from './run';

runCli(() => {
  for (const version of [...new Set(estate.clusters.map((c) => c.kubernetesVersion))].sort()) {
    const dir = ensureSchemas(version, crdSourcesOf(catalogue), [], true);
    const count = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json')).length;
    console.log(`Kubernetes ${version}: ${count} schemas in ${relative(repoRoot, dir)}`);
  }
});
