// Go programs the tests and checks run, each built from a small pinned Go module in this repo into a gitignored cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from './repo';
import { versions } from './versions';
import { intact, seal } from './cache-seal';
import { claim, isHeld } from './pid-file';

/** The gitignored folder that holds every built tool. */
export const GO_TOOLS_CACHE = join(repoRoot, '.cache', 'go-tools');

export interface GoTool {
  /** The binary's name, and the first part of its cache folder. */
  name: string;
  /** Repo-relative folder of the Go module that pins the tool (go.mod + go.sum). */
  module: string;
  /** Package to build, as a Go import path or a path relative to the module. */
  pkg: string;
  goos?: string;
  goarch?: string;
  /** Extra -ldflags, e.g. a version stamp. */
  ldflags?: string;
  /** Build tags the upstream project defines, e.g. to leave out plugins no test loads. */
  tags?: readonly string[];
  /** The program's own source lives in the module (not only its pins): its .go files join the cache key. */
  localSource?: true;
}

/** The Go programs the framework's own gates and tests run. Components declare theirs (`Component.goTools`). */
export const CORE_GO_TOOLS = {
  actionlint: {
    name: 'actionlint',
    module: 'generators/workflows/actionlint',
    pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
  },
  kustomize: {
    name: 'kustomize',
    module: 'generators/flux-install/kustomize',
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
  },
  'kubeconform-wasm': {
    name: 'kubeconform-wasm',
    module: 'generators/validate/kubeconform',
    pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
    goos: 'wasip1',
    goarch: 'wasm',
  },
  // Stamped with its release: charts read `.Capabilities.HelmVersion`, which a module build leaves at "v3.<minor>".
  helm: {
    name: 'helm',
    module: 'generators/helm',
    pkg: 'helm.sh/helm/v3/cmd/helm',
    ldflags: `-X helm.sh/helm/v3/internal/version.version=v${versions.helm}`,
  },
  sops: { name: 'sops', module: 'generators/secrets/tools', pkg: 'github.com/getsops/sops/v3/cmd/sops' },
  age: { name: 'age', module: 'generators/secrets/tools', pkg: 'filippo.io/age/cmd/age' },
  'age-keygen': { name: 'age-keygen', module: 'generators/secrets/tools', pkg: 'filippo.io/age/cmd/age-keygen' },
} satisfies Record<string, GoTool>;

export type CoreGoTool = keyof typeof CORE_GO_TOOLS;

const BUILD_FLAGS = ['-trimpath'];
/**
 * No symbol table and no DWARF, which no test reads: the linker of a large program spends seconds writing them. The
 * module versions (`go version -m`) stay in the binary.
 */
const LINK_FLAGS = '-s -w';

function cacheKey({ name, ...tool }: GoTool): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...tool, BUILD_FLAGS, LINK_FLAGS }));
  for (const f of ['go.mod', 'go.sum']) {
    const p = join(repoRoot, tool.module, f);
    if (existsSync(p)) hash.update(readFileSync(p));
  }
  if (tool.localSource) {
    const moduleDir = join(repoRoot, tool.module);
    const sources = readdirSync(moduleDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.go'))
      .sort();
    for (const f of sources) hash.update(f).update(readFileSync(join(moduleDir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where the built tool lies in the cache (present or not) for its current pins. */
export function goToolPath(tool: GoTool): string {
  return join(
    GO_TOOLS_CACHE,
    `${tool.name}-${cacheKey(tool)}`,
    tool.goos === 'wasip1' ? `${tool.name}.wasm` : tool.name,
  );
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes the build lock of `out`, or returns undefined once `built()` holds (another process has built it): test
 * workers that ask for the same tool at once build it once. A lock whose process is gone is taken over (at worst a
 * tool is built twice).
 */
export function lockBuild(out: string, built = () => existsSync(out)): string | undefined {
  const lock = `${out}.lock`;
  for (;;) {
    if (claim(lock)) return lock;
    if (isHeld(lock)) Atomics.wait(pause, 0, 0, 1000);
    else rmSync(lock, { force: true });
    if (built()) return undefined;
  }
}

/** Path of a framework tool, built first if the cache lacks this exact pinned version. */
export function goTool(name: CoreGoTool): string {
  return buildGoTool(CORE_GO_TOOLS[name]);
}

/** Path of the built tool, building it first if the cache lacks this exact pinned version. */
export function buildGoTool(tool: GoTool): string {
  const { name } = tool;
  const out = goToolPath(tool);
  if (intact(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const lock = lockBuild(out);
  if (!lock) return out;
  const partial = `${out}.partial-${process.pid}`;
  const env = {
    ...process.env,
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=readonly',
    ...(tool.goos ? { GOOS: tool.goos } : {}),
    ...(tool.goarch ? { GOARCH: tool.goarch } : {}),
  };
  try {
    if (intact(out)) return out;
    // A cold build takes minutes: say what is being built and how long it took, so a first run never looks stuck.
    process.stderr.write(`building ${name} from ${tool.module} … `);
    const started = performance.now();
    const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    const ldflags = ['-ldflags', [LINK_FLAGS, tool.ldflags].filter(Boolean).join(' ')];
    const tags = tool.tags?.length ? ['-tags', tool.tags.join(',')] : [];
    try {
      execFileSync('go', ['build', ...BUILD_FLAGS, ...ldflags, ...tags, '-o', partial, tool.pkg], {
        cwd: join(repoRoot, tool.module),
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (cause) {
      rmSync(partial, { force: true });
      process.stderr.write(`failed after ${took()}\n`);
      const hint = `run \`go build ${tool.pkg}\` in ${tool.module} to see why`;
      throw new Error(`building Go tool ${name} from ${tool.module} (${tool.pkg}) failed; ${hint}`, { cause });
    }
    renameSync(partial, out);
    seal(out);
    process.stderr.write(`done in ${took()}\n`);
    return out;
  } finally {
    rmSync(lock, { force: true });
  }
}
