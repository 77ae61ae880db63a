import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadManifests, parseManifests } from './manifests';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A tree with one file; a fresh comment makes its bytes new, so the first load misses the parse cache. */
function treeWith(file: string, content: string | Buffer): { root: string; bytes: Buffer; write: (c: string) => void } {
  const root = mkdtempSync(join(tmpdir(), 'manifests-'));
  roots.push(root);
  mkdirSync(join(root, 'clusters/test'), { recursive: true });
  const write = (c: string | Buffer) => {
    const bytes = Buffer.concat([Buffer.from(`# ${randomUUID()}\n`), Buffer.from(c)]);
    writeFileSync(join(root, file), bytes);
    return bytes;
  };
  return { root, bytes: write(content), write };
}

describe('loadManifests parse cache', () => {
  it.each([
    [
      'values JSON would change',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx: [.nan, .inf, -.inf, -0, ~]\n',
    ],
    ['a broken document beside a good one', 'apiVersion: v1\nkind: ConfigMap\n---\nkind: [unclosed\n'],
    ['a duplicate key', 'kind: ConfigMap\nkind: Secret\n'],
    ['bytes that are not UTF-8', Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0x0a])],
  ])('gives what a fresh parse gives, uncached and cached: %s', (_case, content) => {
    const file = 'clusters/test/a.yaml';
    const { root, bytes } = treeWith(file, content);
    const fresh = parseManifests(file, bytes);
    const first = loadManifests(root, ['clusters']);
    const cached = loadManifests(root, ['clusters']);
    expect(first).toEqual(fresh);
    expect(cached).toEqual(fresh);
    expect(Object.is((cached.docs[0]?.object.x as unknown[] | undefined)?.[3], -0)).toBe(
      Object.is((fresh.docs[0]?.object.x as unknown[] | undefined)?.[3], -0),
    );
  });

  it('parses a changed file again', () => {
    const file = 'clusters/test/a.yaml';
    const { root, write } = treeWith(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before}\n');
    expect(loadManifests(root, ['clusters']).docs.map((d) => d.object.metadata?.name)).toEqual(['before']);
    write('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n');
    expect(loadManifests(root, ['clusters']).docs.map((d) => d.object.metadata?.name)).toEqual(['after']);
  });
});
