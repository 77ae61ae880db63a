// Go programs the tests and checks run, each built from a small pinned Go module in this repo into a gitignored cache.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './repo';
import { versions } from './versions';

/** The gitignored folder that holds every built tool. */
export const GO_TOOLS_CACHE = join(repoRoot, '.cache', 'go-tools');

export interface GoTool {
  /** Repo-relative folder of the Go module that pins the tool (go.mod + go.sum). */
  module: string;
  /** Package to build, as a Go import path or a path relative to the module. */
  pkg: string;
  goos?: string;
  goarch?: string;
  /** Extra -ldflags, e.g. a version stamp. */
  ldflags?: string;
  /** The program's own source lives in the module (not only its pins): its .go files join the cache key. */
  localSource?: true;
}

const versionStamp = (version: string) => `-X github.com/prometheus/common/version.Version=${version}`;
const prometheusTool = (pkg: string): GoTool => ({
  module: 'platform/monitoring/tools/prometheus',
  pkg: `github.com/prometheus/${pkg}`,
  ldflags: versionStamp(versions.prometheus),
});
const alertmanagerTool = (pkg: string): GoTool => ({
  module: 'platform/monitoring/tools/alertmanager',
  pkg: `github.com/prometheus/${pkg}`,
  ldflags: versionStamp(versions.alertmanager),
});

/** Every Go program the repo builds, by name. */
export const GO_TOOLS = {
  actionlint: { module: 'generators/workflows/actionlint', pkg: 'github.com/rhysd/actionlint/cmd/actionlint' },
  kustomize: { module: 'generators/flux-install/kustomize', pkg: 'sigs.k8s.io/kustomize/kustomize/v5' },
  'kubeconform-wasm': { module: 'generators/validate/kubeconform', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform', goos: 'wasip1', goarch: 'wasm' },
  // Native build of the same module: only the benchmark uses it, for the wasm/native ratio.
  kubeconform: { module: 'generators/validate/kubeconform', pkg: 'github.com/yannh/kubeconform/cmd/kubeconform' },
  sops: { module: 'generators/secrets/tools', pkg: 'github.com/getsops/sops/v3/cmd/sops' },
  age: { module: 'generators/secrets/tools', pkg: 'filippo.io/age/cmd/age' },
  'age-keygen': { module: 'generators/secrets/tools', pkg: 'filippo.io/age/cmd/age-keygen' },
  'task-tracker': { module: 'apps/task-tracker', pkg: './cmd/task-tracker', ldflags: `-X main.version=${versions.taskTracker.tag}`, localSource: true },
  'talos-config': { module: 'bootstrap/talos/machinery', pkg: '.', localSource: true },
  // The log-export collector: the binary of the image the clusters run (≈8 min cold build on 2 cores).
  'otelcol-log-export': { module: 'platform/log-export/collector', pkg: '.', ldflags: `-X main.version=${versions.otelCollector}`, localSource: true },
  // The clusters' Prometheus and Alertmanager (generators/versions.ts), one module each so that each program keeps
  // its own upstream dependency graph; stamped like upstream's release builds, whose `--version` tests read.
  prometheus: prometheusTool('prometheus/cmd/prometheus'),
  promtool: prometheusTool('prometheus/cmd/promtool'),
  alertmanager: alertmanagerTool('alertmanager/cmd/alertmanager'),
  amtool: alertmanagerTool('alertmanager/cmd/amtool'),
  gofakes3: { module: 'platform/log-export/s3server', pkg: 'github.com/johannesboyne/gofakes3/cmd/gofakes3' },
} satisfies Record<string, GoTool>;

export type GoToolName = keyof typeof GO_TOOLS;

function cacheKey(tool: GoTool): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(tool));
  for (const f of ['go.mod', 'go.sum']) {
    const p = join(repoRoot, tool.module, f);
    if (existsSync(p)) hash.update(readFileSync(p));
  }
  if (tool.localSource) {
    const moduleDir = join(repoRoot, tool.module);
    const sources = readdirSync(moduleDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.go')).sort();
    for (const f of sources) hash.update(f).update(readFileSync(join(moduleDir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where the built tool lies in the cache (present or not) for its current pins. */
export function goToolPath(name: GoToolName): string {
  const tool: GoTool = GO_TOOLS[name];
  return join(GO_TOOLS_CACHE, `${name}-${cacheKey(tool)}`, tool.goos === 'wasip1' ? `${name}.wasm` : name);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Takes the build lock of `out`, or returns undefined once another process has built it: test workers that ask for the
 * same tool at once build it once. A lock whose process is gone is taken over (at worst a tool is built twice).
 */
export function lockBuild(out: string): string | undefined {
  const lock = `${out}.lock`;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return lock;
    } catch {
      if (isAlive(lockHolder(lock))) Atomics.wait(pause, 0, 0, 1000);
      else rmSync(lock, { force: true });
      if (existsSync(out)) return undefined;
    }
  }
}

function lockHolder(lock: string): number {
  try {
    return Number(readFileSync(lock, 'utf8'));
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Path of the built tool, building it first if the cache lacks this exact pinned version. */
export function goTool(name: GoToolName): string {
  const tool: GoTool = GO_TOOLS[name];
  const out = goToolPath(name);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const lock = lockBuild(out);
  if (!lock) return out;
  const partial = `${out}.partial-${process.pid}`;
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', ...(tool.goos ? { GOOS: tool.goos } : {}), ...(tool.goarch ? { GOARCH: tool.goarch } : {}) };
  try {
    if (existsSync(out)) return out;
    execFileSync('go', ['build', '-trimpath', ...(tool.ldflags ? ['-ldflags', tool.ldflags] : []), '-o', partial, tool.pkg], {
      cwd: join(repoRoot, tool.module),
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(partial, out);
    return out;
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`building Go tool ${name} from ${tool.module} (${tool.pkg}) failed; run \`go build ${tool.pkg}\` in ${tool.module} to see why`);
  } finally {
    rmSync(lock, { force: true });
  }
}
