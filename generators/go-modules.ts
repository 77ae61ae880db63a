// Pinned upstream sources, read from Go module zips: the Go module proxy is the one offline-friendly source of them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The module cache `go` uses: $GOMODCACHE, else the first $GOPATH entry's pkg/mod, else ~/go/pkg/mod. */
export function goModCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GOMODCACHE) return env.GOMODCACHE;
  const gopath = env.GOPATH?.split(delimiter).find(Boolean) ?? join(homedir(), 'go');
  return join(gopath, 'pkg', 'mod');
}

const escape = (s: string) => s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

/**
 * The folder of `path@v<version>` if the cache holds it completely extracted, without running `go`. Paths escape each
 * capital letter as `!` and the lower-case letter, and `go` keeps `download/<path>/@v/<version>.partial` while it
 * extracts (cmd/go/internal/modfetch/fetch.go of Go 1.26: "create a .partial file before extracting the directory").
 */
export function cachedModuleDir(path: string, version: string, cache = goModCache()): string | undefined {
  const dir = join(cache, `${escape(path)}@v${escape(version)}`);
  const partial = join(cache, 'cache', 'download', escape(path), '@v', `v${escape(version)}.partial`);
  return existsSync(dir) && !existsSync(partial) ? dir : undefined;
}

/** Folder of `path@v<version>` in the Go module cache, downloading the module zip first if needed. */
export function goModuleDir(path: string, version: string): string {
  const cached = cachedModuleDir(path, version);
  if (cached) return cached;
  const ref = `${path}@v${version}`;
  let output: string;
  try {
    output = execFileSync('go', ['mod', 'download', '-json', ref], {
      cwd: tmpdir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`go mod download ${ref} failed: ${stdout.match(/"Error": "(.*)"/)?.[1] ?? String(error)}`);
  }
  const dir = (JSON.parse(output) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${ref} printed no Dir`);
  return dir;
}
