import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { intact, seal } from './cache-seal';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-seal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cache checksums', () => {
  it('a truncated cached binary fails its checksum, is removed and named, so the caller rebuilds it', () => {
    const binary = join(dir, 'kubeconform.wasm');
    writeFileSync(binary, Buffer.alloc(4096, 7));
    seal(binary);
    expect(intact(binary)).toBe(true);
    truncateSync(binary, 100);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(intact(binary)).toBe(false);
    expect(errors.mock.calls.flat().join('')).toMatch(/kubeconform\.wasm does not match its checksum .*rebuilding it/);
    errors.mockRestore();
    expect(existsSync(binary)).toBe(false);
  });

  it('an edited or missing schema file fails the folder checksum; an untouched folder passes', () => {
    const schemas = join(dir, 'schemas');
    mkdirSync(join(schemas, 'apps'), { recursive: true });
    writeFileSync(join(schemas, 'apps/deployment-apps-v1.json'), '{"type":"object"}');
    seal(schemas, true);
    expect(intact(schemas, true)).toBe(true);
    writeFileSync(join(schemas, 'apps/deployment-apps-v1.json'), '{"type":"obj');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(intact(schemas, true)).toBe(false);
    expect(existsSync(schemas)).toBe(false);
    vi.restoreAllMocks();
  });

  it('replaces a checksum file whole, so a concurrent check never reads one half-written', () => {
    const binary = join(dir, 'helm');
    writeFileSync(binary, 'one');
    seal(binary);
    // A name still linked to the old checksum file: rewritten in place, it would change under a reader.
    linkSync(`${binary}.sha256`, join(dir, 'reader'));
    const before = readFileSync(join(dir, 'reader'), 'utf8');
    writeFileSync(binary, 'two');
    seal(binary);
    expect(readFileSync(join(dir, 'reader'), 'utf8')).toBe(before);
    expect(readFileSync(`${binary}.sha256`, 'utf8')).not.toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['helm', 'helm.sha256', 'reader']);
  });
});
