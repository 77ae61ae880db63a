// The content-addressed caches: an entry is made once per input and read back byte for byte; the rendered YAML of a
// large object through the cache equals yaml's own stringify, cold and warm.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cachedBytes, codeCacheDir } from './content-cache';
import { HEADER, toYaml } from './layout';

const dir = mkdtempSync(join(tmpdir(), 'content-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('content cache', () => {
  it('makes an entry once per input and reads it back; another input makes its own', () => {
    let made = 0;
    const make = (text: string) => () => (made++, Buffer.from(text));
    expect(cachedBytes(dir, Buffer.from('a'), make('A')).toString()).toBe('A');
    expect(cachedBytes(dir, Buffer.from('a'), make('not used')).toString()).toBe('A');
    expect(cachedBytes(dir, Buffer.from('b'), make('B')).toString()).toBe('B');
    expect(made).toBe(2);
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it("names its folder after the code and yaml's release", () => {
    expect(codeCacheDir('yaml', import.meta.url)).toMatch(/\.cache\/yaml\/[0-9a-f]{16}$/);
    expect(codeCacheDir('yaml', import.meta.url)).not.toBe(
      codeCacheDir('yaml', new URL('./layout.ts', import.meta.url).href),
    );
  });

  it('renders a large object (a CRD-sized one) as yaml does, first from scratch and then from the cache', () => {
    const big = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `big-${process.pid}-${Date.now()}` },
      data: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key-${i}`, `value ${i}: "quoted", -0, NaN`])),
    };
    const want = HEADER + stringify(big, { lineWidth: 0, aliasDuplicateObjects: false });
    expect(toYaml([big])).toBe(want);
    expect(toYaml([big])).toBe(want);
    const changed = { ...big, data: { ...big.data, 'key-0': 'changed' } };
    expect(toYaml([changed])).toContain('key-0: changed');
  });
});
