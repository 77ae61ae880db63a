// Validation benchmark: `npm run validate`'s work on the real repo and on synthetic renders, plus kubeconform in wasm
// against the native build of the same module on the same files and schemas.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import type { Cluster } from '../model';
import { goTool } from '../go-tools';
import { isYaml } from '../manifests';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { syntheticEstate } from '../testing/synthetic';
import { runKubeconform } from '../validate/kubeconform';
import { ensureSchemas, SCHEMA_FILE_TEMPLATE } from '../validate/schemas';
import { VALIDATED_DIRS, validateTree } from '../validate/validate';
import { writeRendering } from '../writer';
import { listFiles } from '../layout';
import { validationExtensionsOf } from '../registries';

const extensions = validationExtensionsOf(catalogue);

/** Best of three: the machine is shared, and the minimum is the figure least disturbed by other load. */
async function seconds(run: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

function yamlFiles(root: string): string[] {
  return VALIDATED_DIRS.flatMap((dir) =>
    listFiles(join(root, dir))
      .filter(isYaml)
      .map((f) => relative(root, f)),
  ).sort();
}

/** Same files, same schemas, same flags: kubeconform in wasm under node:wasi and the native build. */
async function wasmVersusNative(root: string): Promise<string> {
  const files = yamlFiles(root);
  const schemaDir = ensureSchemas(estate.clusters[0]?.kubernetesVersion ?? '', extensions.crdSources);
  const native = goTool('kubeconform');
  const wasm = await seconds(() =>
    runKubeconform({ files: files.map((f) => `/repo/${f}`), mounts: [{ guest: '/repo', host: root }], schemaDir }),
  );
  const nativeSeconds = await seconds(() => {
    const args = ['-strict', '-output', 'json', '-schema-location', `${schemaDir}/${SCHEMA_FILE_TEMPLATE}`, ...files];
    try {
      execFileSync(native, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 });
    } catch {
      // Exit code 1 only means some document failed; both runs see the same ones.
    }
  });
  return `kubeconform wasm ${wasm.toFixed(2)} s, native ${nativeSeconds.toFixed(2)} s: ratio ${(wasm / nativeSeconds).toFixed(1)}x (${files.length} files)`;
}

async function report(label: string, root: string, clusters: Cluster[]): Promise<void> {
  let objects = 0;
  let problems = 0;
  const first = performance.now();
  await validateTree(root, clusters, extensions);
  const firstSeconds = (performance.now() - first) / 1000;
  const wall = await seconds(async () => {
    const result = await validateTree(root, clusters, extensions);
    objects = result.objectCount;
    problems = result.problems.length;
  });
  console.log(
    `${label}: ${objects} objects, ${problems} problems, ${wall.toFixed(2)} s wall (first pass ${firstSeconds.toFixed(2)} s), ${Math.round(objects / wall)} objects/s`,
  );
  console.log(`  ${await wasmVersusNative(root)}`);
}

goTool('kubeconform-wasm');
ensureSchemas(estate.clusters[0]?.kubernetesVersion ?? '', extensions.crdSources);
await report('real repo (npm run validate)', repoRoot, estate.clusters);
for (const apps of [100, 500]) {
  const out = mkdtempSync(join(tmpdir(), 'validate-bench-'));
  try {
    // The real tree first: its encrypted secrets and flux-system/ are what the synthetic render refers to.
    for (const dir of VALIDATED_DIRS) cpSync(join(repoRoot, dir), join(out, dir), { recursive: true });
    const synthetic = syntheticEstate(estate, catalogue, apps);
    writeRendering(out, renderEstate(synthetic.estate, synthetic.catalogue));
    await report(
      `synthetic, ${apps} apps x ${synthetic.estate.clusters.length} clusters`,
      out,
      synthetic.estate.clusters,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
