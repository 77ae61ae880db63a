// The rendered manifests on both sides of a change: a Git ref (read from the object store, never checked out) and the
// working tree.
import { execFileSync } from 'node:child_process';
import { isYaml, loadManifests, parseManifests, type ManifestDoc, type ParseError } from '../manifests';
import { FLUX_INSTALL_DIR, OUTPUT_DIR } from '../layout';
import { compareManifests, type ClusterChanges } from './changes';

/** The folders whose content the clusters receive. */
export const RENDERED_DIRS = [OUTPUT_DIR, FLUX_INSTALL_DIR];

function git(root: string, args: string[], input?: string): Buffer {
  return execFileSync('git', args, { cwd: root, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

function failOnParseErrors(where: string, errors: ParseError[]): void {
  if (!errors.length) return;
  throw new Error(
    `${where}: cannot parse ${errors.map((e) => `${e.file} (document ${e.index}): ${e.message}`).join('; ')}`,
  );
}

/** Resolves `ref` to a commit id, with an error that says how to make it available. */
export function resolveCommit(root: string, ref: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
      .toString()
      .trim();
  } catch {
    throw new Error(
      `base ref "${ref}" is not a commit in ${root}; fetch it first (e.g. \`git fetch origin main\`) or pass another --base`,
    );
  }
}

/** Every rendered YAML document as committed at `commit`. */
export function manifestsAt(root: string, commit: string): ManifestDoc[] {
  const listing = git(root, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...RENDERED_DIRS]).toString();
  const blobs = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta = '', path = ''] = line.split('\t');
      const [mode = '', , id = ''] = meta.split(' ');
      // Flux applies what a symlink or submodule points at, which the comparison below would not see.
      if (!mode.startsWith('100'))
        throw new Error(`base ${commit.slice(0, 12)}: ${path} is not a regular file (mode ${mode})`);
      return { id, path };
    })
    .filter((b) => isYaml(b.path))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  if (!blobs.length) {
    throw new Error(
      `base ${commit.slice(0, 12)} has no rendered output under ${RENDERED_DIRS.join('/ or ')}/: there is nothing to compare ` +
        'against; pass a --base that has it (a commit after the first `npm run render`)',
    );
  }
  const batch = git(root, ['cat-file', '--batch'], blobs.map((b) => `${b.id}\n`).join(''));
  const docs: ManifestDoc[] = [];
  const errors: ParseError[] = [];
  let offset = 0;
  for (const blob of blobs) {
    const headerEnd = batch.indexOf(10, offset);
    const size = Number(batch.subarray(offset, headerEnd).toString().split(' ')[2]);
    const content = batch.subarray(headerEnd + 1, headerEnd + 1 + size);
    offset = headerEnd + 1 + size + 1;
    const parsed = parseManifests(blob.path, content);
    docs.push(...parsed.docs);
    errors.push(...parsed.errors);
  }
  failOnParseErrors(`base ${commit.slice(0, 12)}`, errors);
  return docs;
}

/** Every rendered YAML document in the working tree at `root`. */
export function manifestsInWorkingTree(root: string): ManifestDoc[] {
  const { docs, errors } = loadManifests(root, RENDERED_DIRS);
  failOnParseErrors('working tree', errors);
  return docs;
}

/** What the working tree at `root` changes, per cluster, against the rendered output committed at `baseRef`. */
export function changesAgainst(root: string, baseRef: string): { commit: string; changes: ClusterChanges[] } {
  const commit = resolveCommit(root, baseRef);
  return { commit, changes: compareManifests(manifestsAt(root, commit), manifestsInWorkingTree(root)) };
}
