import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batches, type Pending } from './kubeconform';

const KB = 1024;

/** A schema folder with a kind whose schema is `heavy` bytes and one whose schema is 1 KB. */
function schemaDir(heavy: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
  mkdirSync(join(dir, 'example.com'));
  writeFileSync(join(dir, 'example.com', 'heavy_v1.json'), 'x'.repeat(heavy));
  writeFileSync(join(dir, 'example.com', 'light_v1.json'), 'x'.repeat(KB));
  return dir;
}

const light = (i: number): Pending => ({
  file: `/repo/light-${String(i).padStart(2, '0')}.yaml`,
  bytes: 100 * KB,
  kinds: 'Light',
});
const files = [
  { file: '/repo/heavy.yaml', bytes: 10 * KB, kinds: 'Heavy' },
  ...Array.from({ length: 12 }, (_, i) => light(i)),
];

describe('kubeconform batches', () => {
  it("cuts by cost, a file's bytes plus the compile of each kind first met in it, not by bytes alone", () => {
    // 1.2 MB of files; the Heavy schema costs 14 x 1 MB to compile, so its one file is a batch of its own.
    const [first, second] = batches(files, schemaDir(1024 * KB), 2);
    expect(first).toEqual(['/repo/heavy.yaml']);
    expect(second).toEqual(files.slice(1).map((f) => f.file));
  });

  it('can fail: with schemas of equal size the cut falls by bytes, inside the Light files', () => {
    const [first, second] = batches(files, schemaDir(KB), 2);
    expect(first!.length).toBeGreaterThan(1);
    expect(second!.length).toBeGreaterThan(1);
  });

  it('keeps one batch below 512 KiB of files, and never more batches than cores', () => {
    expect(batches(files.slice(0, 5), schemaDir(1024 * KB), 2)).toHaveLength(1);
    expect(batches(files, schemaDir(1024 * KB), 1)).toHaveLength(1);
  });
});
