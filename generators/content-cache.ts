// Content-addressed caches under .cache/ for pure functions of bytes (a file's parse, an object's YAML): an entry is
// named after the sha256 of its input, inside a folder named after the code that computes it and the `yaml` release,
// so a change to either starts an empty folder and no entry can outlive what made it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './repo';

const dirs = new Map<string, string>();

/** `.cache/<name>/<key>`, the key hashing the module at `moduleUrl` (its import.meta.url) and yaml's package.json. */
export function codeCacheDir(name: string, moduleUrl: string): string {
  let dir = dirs.get(`${name} ${moduleUrl}`);
  if (!dir) {
    const key = createHash('sha256')
      .update(readFileSync(createRequire(import.meta.url).resolve('yaml/package.json')))
      .update(readFileSync(fileURLToPath(moduleUrl)))
      .digest('hex');
    dir = join(repoRoot, '.cache', name, key.slice(0, 16));
    dirs.set(`${name} ${moduleUrl}`, dir);
  }
  return dir;
}

/** The entry of `input` in `dir`, or the bytes `make` returns, written there first (aside, then renamed). */
export function cachedBytes(dir: string, input: Uint8Array, make: () => Uint8Array): Buffer {
  const entry = join(dir, createHash('sha256').update(input).digest('hex'));
  try {
    return readFileSync(entry);
  } catch {
    const bytes = Buffer.from(make());
    mkdirSync(dir, { recursive: true });
    // A name of its own per writer (worker threads share a pid): a reader sees a whole entry or none.
    const partial = `${entry}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, bytes);
    renameSync(partial, entry);
    return bytes;
  }
}
