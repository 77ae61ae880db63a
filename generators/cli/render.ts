import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { renderEstate } from '../render';
import { writeRendering } from '../writer';
import { repoRoot, runCli } from './run';

runCli(() => {
  const started = performance.now();
  const rendering = renderEstate(estate, catalogue);
  writeRendering(repoRoot, rendering);
  const ms = Math.round(performance.now() - started);
  console.log(
    `rendered ${rendering.objectCount} objects into ${rendering.files.size} files for ${estate.clusters.map((c) => c.name).join(', ')} in ${ms} ms`,
  );
});
