// Render benchmark: the real estate, then synthetic estates of growing size, in memory and written to a temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { renderEstate } from '../render';
import { syntheticEstate } from '../testing/synthetic';
import { writeRendering } from '../writer';

function measure(label: string, run: () => number): void {
  const started = performance.now();
  const objects = run();
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(34)} ${String(objects).padStart(6)} objects ${ms.toFixed(0).padStart(6)} ms ${Math.round(
      (objects / ms) * 1000,
    )
      .toString()
      .padStart(7)} objects/s`,
  );
}

renderEstate(estate, catalogue); // warm up module loading and the JIT
measure('real estate, in memory', () => renderEstate(estate, catalogue).objectCount);
const out = mkdtempSync(join(tmpdir(), 'render-bench-'));
try {
  measure('real estate, written to disk', () => {
    const rendering = renderEstate(estate, catalogue);
    writeRendering(out, rendering);
    return rendering.objectCount;
  });
  for (const apps of [100, 250, 500]) {
    const synthetic = syntheticEstate(estate, catalogue, apps);
    measure(
      `${apps} apps x ${estate.clusters.length} clusters, in memory`,
      () => renderEstate(synthetic.estate, synthetic.catalogue).objectCount,
    );
    measure(`${apps} apps x ${estate.clusters.length} clusters, written`, () => {
      const rendering = renderEstate(synthetic.estate, synthetic.catalogue);
      writeRendering(out, rendering);
      return rendering.objectCount;
    });
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
