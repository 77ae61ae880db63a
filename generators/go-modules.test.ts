// Reading a module from the Go module cache without running go: only a complete extraction counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedModuleDir, goModCache } from './go-modules';

const cache = mkdtempSync(join(tmpdir(), 'go-modules-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('the Go module cache', () => {
  it('is $GOMODCACHE, else the first GOPATH entry, else ~/go', () => {
    expect(goModCache({ GOMODCACHE: '/m', GOPATH: '/g' })).toBe('/m');
    expect(goModCache({ GOPATH: '/g1:/g2' })).toBe('/g1/pkg/mod');
    expect(goModCache({ HOME: '/h' })).toMatch(/\/go\/pkg\/mod$/);
  });

  it('serves an extracted module at its escaped path, and not one that is still being extracted', () => {
    const dir = join(cache, 'github.com/!burnt!sushi/toml@v1.2.0');
    expect(cachedModuleDir('github.com/BurntSushi/toml', '1.2.0', cache)).toBeUndefined();
    mkdirSync(dir, { recursive: true });
    const partial = join(cache, 'cache/download/github.com/!burnt!sushi/toml/@v/v1.2.0.partial');
    mkdirSync(join(partial, '..'), { recursive: true });
    writeFileSync(partial, '');
    expect(cachedModuleDir('github.com/BurntSushi/toml', '1.2.0', cache)).toBeUndefined();
    rmSync(partial);
    expect(cachedModuleDir('github.com/BurntSushi/toml', '1.2.0', cache)).toBe(dir);
    expect(cachedModuleDir('github.com/burntsushi/toml', '1.2.0', cache)).toBeUndefined();
  });
});
