// Pinned upstream sources, read from Go module zips: the Go module proxy is the one offline-friendly source of them.
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';

/** Folder of `path@v<version>` in the Go module cache, downloading the module zip first if needed. */
export function goModuleDir(path: string, version: string): string {
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
