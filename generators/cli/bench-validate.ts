// The PR gate's benchmark: `npm run validate`'s work, kubeconform in wasm against the native build of the same module
// on the same files and schemas, `npm run policy`'s and `npm run render:check`'s work, on the real repo and on
// synthetic estates of about 1k, 3k and 10k objects; then the whole local gate on the real repo, and the charts
// `helm template` renders for the gates, cold and from the cache. Figures are wall time, best of three, with the CPU
// time of the same run; the machine is shared, so the load average is printed beside them.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderCharts } from '../charts';
import type { Catalogue } from '../component';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import type { Estate } from '../model';
import { buildGoTool, CORE_GO_TOOLS, type GoTool, goTool } from '../go-tools';
import { isYaml, loadManifests } from '../manifests';
import { allowListOf } from '../policy/allow-list';
import { loadPolicyInput, runPolicy } from '../policy/gate';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { syntheticEstate } from '../testing/synthetic.testkit';
import { runKubeconform } from '../validate/kubeconform';
import { ensureSchemas, SCHEMA_FILE_TEMPLATE } from '../validate/schemas';
import { VALIDATED_DIRS, validateTree } from '../validate/validate';
import { findDrift, writeRendering } from '../writer';
import { listFiles } from '../layout';
import { chartsOf, validationExtensionsOf } from '../registries';

// The native build of kubeconform-wasm's module, for the wasm/native ratio: only this benchmark runs it, so the tests'
// shared builds leave it out.
const { module, pkg } = CORE_GO_TOOLS['kubeconform-wasm'];
const NATIVE_KUBECONFORM: GoTool = { name: 'kubeconform', module, pkg };

const SIZES = [1000, 3000, 10000];
/** Objects one synthetic app adds to each cluster (Deployment, Service and their Flux and kustomize wiring). */
const OBJECTS_PER_APP = 4;

/** CPU seconds of this process (every thread) and of the children it waited for (Linux /proc, 100 ticks a second). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  const [cutime = 0, cstime = 0] = readFileSync('/proc/self/stat', 'utf8')
    .split(') ')[1]!
    .split(' ')
    .slice(13, 15)
    .map(Number);
  return (user + system) / 1e6 + (cutime + cstime) / 100;
}

interface Timing {
  wall: number;
  /** CPU of the same run: under other load, wall time grows and CPU time does not. */
  cpu: number;
}

/** Best of three: the machine is shared, and the minimum is the figure least disturbed by other load. */
async function timing(run: () => unknown): Promise<Timing> {
  let best: Timing = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 3; i++) {
    const [started, cpu] = [performance.now(), cpuSeconds()];
    await run();
    const wall = (performance.now() - started) / 1000;
    if (wall < best.wall) best = { wall, cpu: cpuSeconds() - cpu };
  }
  return best;
}

async function seconds(run: () => unknown): Promise<number> {
  return (await timing(run)).wall;
}

function yamlFiles(root: string): string[] {
  return VALIDATED_DIRS.flatMap((dir) =>
    listFiles(join(root, dir))
      .filter(isYaml)
      .map((f) => relative(root, f)),
  ).sort();
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

const s = (n: number) => `${n.toFixed(2)} s`;
const rate = (objects: number, wall: number) => `${Math.round(objects / wall)} obj/s`;

interface Tree {
  label: string;
  root: string;
  model: Estate;
  catalogue: Catalogue;
}

interface Figures {
  objects: number;
  validateClean: Timing;
  validateWarm: Timing;
  wasmClean: Timing;
  wasmWarm: Timing;
  native: Timing;
  policy: Timing;
  renderCheck: Timing;
}

async function measure(tree: Tree): Promise<Figures> {
  const { root, model } = tree;
  const extensions = validationExtensionsOf(tree.catalogue);
  const files = yamlFiles(root);
  const schemaDir = ensureSchemas(model.clusters[0]?.kubernetesVersion ?? '', extensions.crdSources);
  const passCache = mkdtempSync(join(tmpdir(), 'bench-passes-'));
  try {
    let objects = 0;
    const validateClean = await timing(async () => {
      objects = (await validateTree(root, model.clusters, extensions, { passCache: false, parseCache: false }))
        .objectCount;
    });
    // The first run fills both caches; the figure is the warm run a developer sees on the next check.
    await validateTree(root, model.clusters, extensions, { passCache });
    const validateWarm = await timing(() => validateTree(root, model.clusters, extensions, { passCache }));
    const kubeconform = (cache: string | false) =>
      runKubeconform({
        files: files.map((f) => `/repo/${f}`),
        mounts: [{ guest: '/repo', host: root }],
        schemaDir,
        passCache: cache,
      });
    const wasmClean = await timing(() => kubeconform(false));
    const wasmWarm = await timing(() => kubeconform(passCache));
    const args = ['-strict', '-output', 'json', '-schema-location', `${schemaDir}/${SCHEMA_FILE_TEMPLATE}`, ...files];
    const native = await timing(() => {
      try {
        execFileSync(buildGoTool(NATIVE_KUBECONFORM), args, {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 256 << 20,
        });
      } catch {
        // Exit code 1 only means some document failed; both runs see the same ones.
      }
    });
    const policy = await timing(() =>
      runPolicy(loadPolicyInput(root, model, chartsOf(tree.catalogue)), allowListOf(model, tree.catalogue)),
    );
    const renderCheck = await timing(() => {
      if (findDrift(root, renderEstate(model, tree.catalogue)).length) throw new Error(`${tree.label}: drift`);
    });
    return { objects, validateClean, validateWarm, wasmClean, wasmWarm, native, policy, renderCheck };
  } finally {
    rmSync(passCache, { recursive: true, force: true });
  }
}

/** `1.23 s (0.98 s CPU, 812 obj/s)` */
const figure = (t: Timing, objects: number) => `${s(t.wall)} (${s(t.cpu)} CPU, ${rate(objects, t.wall)})`;

function print(label: string, f: Figures): void {
  const n = f.objects;
  console.log(`${label}: ${n} objects`);
  console.log(
    `  kubeconform  wasm clean ${figure(f.wasmClean, n)}, wasm warm ${figure(f.wasmWarm, n)}, ` +
      `native ${figure(f.native, n)}: wasm/native ${(f.wasmClean.wall / f.native.wall).toFixed(1)}x clean, ` +
      `${(f.wasmWarm.wall / f.native.wall).toFixed(2)}x warm`,
  );
  console.log(`  validate     clean ${figure(f.validateClean, n)}, warm ${figure(f.validateWarm, n)}`);
  console.log(`  policy       ${figure(f.policy, n)}`);
  console.log(`  render:check ${figure(f.renderCheck, n)}`);
}

const TABLE_HEAD = [
  'tree',
  'objects',
  'wasm clean',
  'wasm warm',
  'native',
  'wasm/native clean',
  'wasm/native warm',
  'validate clean',
  'validate warm',
  'policy',
  'render:check',
];

/** The side-by-side table of every tree: wall time, best of three, and objects/s where the issue asks for them. */
function table(rows: { label: string; figures: Figures }[]): void {
  const lines = rows.map(({ label, figures: f }) => [
    label,
    String(f.objects),
    `${s(f.wasmClean.wall)}, ${rate(f.objects, f.wasmClean.wall)}`,
    `${s(f.wasmWarm.wall)}, ${rate(f.objects, f.wasmWarm.wall)}`,
    `${s(f.native.wall)}, ${rate(f.objects, f.native.wall)}`,
    `${(f.wasmClean.wall / f.native.wall).toFixed(1)}x`,
    `${(f.wasmWarm.wall / f.native.wall).toFixed(2)}x`,
    `${s(f.validateClean.wall)}, ${rate(f.objects, f.validateClean.wall)}`,
    `${s(f.validateWarm.wall)}, ${rate(f.objects, f.validateWarm.wall)}`,
    `${s(f.policy.wall)}, ${rate(f.objects, f.policy.wall)}`,
    `${s(f.renderCheck.wall)}, ${rate(f.objects, f.renderCheck.wall)}`,
  ]);
  console.log(`\n| ${TABLE_HEAD.join(' | ')} |\n|${TABLE_HEAD.map(() => '---|').join('')}`);
  for (const line of lines) console.log(`| ${line.join(' | ')} |`);
}

/**
 * The whole local gate on the real repo, start-up included: `npm run gate` (one process) beside the three scripts it
 * replaces, each its own `npm run` in sequence.
 */
async function gateProcesses(): Promise<void> {
  const npm = (script: string) => () =>
    execFileSync('npm', ['run', '--silent', script], { cwd: repoRoot, stdio: 'pipe' });
  const scripts = ['render:check', 'validate', 'policy'];
  const walls: number[] = [];
  for (const script of scripts) walls.push(await seconds(npm(script)));
  const each = scripts.map((script, i) => `${script} ${s(walls[i] ?? 0)}`).join(' + ');
  const gate = await seconds(npm('gate'));
  const three = walls.reduce((a, b) => a + b, 0);
  console.log(`  npm run gate (warm, one process): ${s(gate)}; as three npm scripts: ${s(three)} (${each})`);
}

/**
 * Helm's part: the chart releases rendered with an empty cache against the cached output, and the whole validation of
 * the real repo without charts (the baseline before charts were rendered) against with them.
 */
async function charts(): Promise<void> {
  const extensions = validationExtensionsOf(catalogue);
  const { docs } = loadManifests(repoRoot, VALIDATED_DIRS);
  let objects = 0;
  const cold = await seconds(() => {
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    try {
      objects = renderCharts(docs, extensions.charts, estate.clusters, cache).docs.length;
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
  const cached = await seconds(() => renderCharts(docs, extensions.charts, estate.clusters));
  const count = `${extensions.charts.length} charts, ${objects} objects`;
  console.log(`charts: ${count}: helm template ${cold.toFixed(2)} s cold, ${cached.toFixed(3)} s cached`);
  const without = await seconds(() => validateTree(repoRoot, estate.clusters, { ...extensions, charts: [] }));
  const withCharts = await seconds(() => validateTree(repoRoot, estate.clusters, extensions));
  console.log(`  npm run validate's work: ${s(without)} without charts, ${s(withCharts)} with them (cached)`);
}

goTool('kubeconform-wasm');
buildGoTool(NATIVE_KUBECONFORM);
goTool('helm');
console.log(`load average at start: ${load()} (2 cores); "clean" = no pass cache and no parse cache`);
const real = await measure({ label: 'real repo', root: repoRoot, model: estate, catalogue });
print('real repo', real);
const gate = real.renderCheck.wall + real.validateWarm.wall + real.policy.wall;
console.log(
  `  local PR gate (render:check + validate + policy), warm, in-process: ${s(gate)}` +
    ` (${s(real.renderCheck.wall)} + ${s(real.validateWarm.wall)} + ${s(real.policy.wall)})`,
);
await gateProcesses();
await charts();
const rows = [{ label: 'real repo', figures: real }];
const bySize: Figures[] = [];
for (const size of SIZES) {
  const out = mkdtempSync(join(tmpdir(), 'validate-bench-'));
  try {
    // The real tree first: its encrypted secrets and flux-system/ are what the synthetic render refers to.
    for (const dir of VALIDATED_DIRS) cpSync(join(repoRoot, dir), join(out, dir), { recursive: true });
    const apps = Math.round((size - real.objects) / (OBJECTS_PER_APP * estate.clusters.length));
    const synthetic = syntheticEstate(estate, catalogue, apps);
    writeRendering(out, renderEstate(synthetic.estate, synthetic.catalogue));
    const label = `synthetic ~${size / 1000}k (${apps} apps x ${estate.clusters.length} clusters)`;
    const figures = await measure({ label, root: out, model: synthetic.estate, catalogue: synthetic.catalogue });
    print(label, figures);
    bySize.push(figures);
    rows.push({ label: `~${size / 1000}k`, figures });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
const [small, , large] = bySize;
if (small && large) {
  const objects = large.objects / small.objects;
  const growth = (key: Exclude<keyof Figures, 'objects'>) =>
    `${(large[key].wall / small[key].wall).toFixed(1)}x (${(large[key].cpu / small[key].cpu).toFixed(1)}x CPU)`;
  console.log(
    `scaling 1k → 10k: ${objects.toFixed(1)}x objects; time: validate ${growth('validateClean')} clean, ` +
      `${growth('validateWarm')} warm; kubeconform wasm ${growth('wasmClean')} clean, native ${growth('native')}; ` +
      `policy ${growth('policy')}; render:check ${growth('renderCheck')}`,
  );
}
table(rows);
console.log(`load average at end: ${load()}`);
