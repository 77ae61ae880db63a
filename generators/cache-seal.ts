// Checksums of what the gitignored .cache/ holds (built Go tools, generated schemas), written when an artefact is
// built and checked when it is used: a truncated or edited cache file would otherwise surface as errors about the
// manifests (a Deployment "invalid", a WebAssembly compile error) instead of about the cache.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** sha256 of every file of a folder, names included. */
export function folderDigest(path: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(path, { withFileTypes: true, recursive: true }).filter((e) => e.isFile());
  for (const f of files.map((e) => join(e.parentPath, e.name)).sort()) {
    hash.update(relative(path, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function sealOf(path: string): string {
  return `${path}.sha256`;
}

/**
 * Writes a checksum file aside and renames it into place: another process checking the artefact meanwhile must never
 * read it half-written, which it would take for a corrupt artefact and remove.
 */
function writeSeal(path: string, digest: string): void {
  const partial = `${sealOf(path)}.partial-${process.pid}`;
  writeFileSync(partial, `${digest}\n`);
  renameSync(partial, sealOf(path));
}

/** Records the checksum of a cached file or folder, beside it. */
export function seal(path: string, isFolder = false): void {
  writeSeal(path, isFolder ? folderDigest(path) : fileDigest(path));
}

/**
 * Whether the cached artefact is present and intact. One that fails its checksum is removed, with a line saying so,
 * so the caller rebuilds it; one cached before checksums existed is sealed as it is.
 */
export function intact(path: string, isFolder = false): boolean {
  if (!existsSync(path)) return false;
  const actual = isFolder ? folderDigest(path) : fileDigest(path);
  if (!existsSync(sealOf(path))) {
    writeSeal(path, actual);
    return true;
  }
  if (readFileSync(sealOf(path), 'utf8').trim() === actual) return true;
  console.error(
    `cache: ${relative(process.cwd(), path)} does not match its checksum (corrupt or edited); rebuilding it`,
  );
  rmSync(path, { recursive: true, force: true });
  rmSync(sealOf(path), { force: true });
  return false;
}

/**
 * Moves a folder built aside (`partial`) into place at `dir` and seals it: readers see a whole folder or none. When
 * another process published the same folder first, theirs is kept (it is identical) and `partial` is dropped.
 */
export function publishFolder(partial: string, dir: string): void {
  try {
    renameSync(partial, dir);
    seal(dir, true);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(dir)) throw error;
  }
}
