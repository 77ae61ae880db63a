// Every version a component renders comes from generators/versions.ts: a chart version or an image tag written as a
// literal anywhere else in a component's code passes every other gate, so this test refuses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './repo';

/** A string literal holding an exact version (`1.2.3`, `v1.2.3`) or an image reference with a version tag. */
const VERSION_LITERAL = /(['"`])(?:[^'"`\n]*:)?v?\d+\.\d+\.\d+(?:[-+][\w.-]*)?\1/g;

/** Version literals in one source file, as `file:line: literal`. */
function versionLiterals(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => {
    if (line.trim().startsWith('//') || line.trim().startsWith('*')) return [];
    return [...line.matchAll(VERSION_LITERAL)].map((m) => `${file}:${i + 1}: ${m[0]}`);
  });
}

/** Component code that renders: not tests, not test kits (`*.testkit.ts`). */
function componentSources(): string[] {
  const files = execFileSync('git', ['ls-files', 'platform', 'apps'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
  return files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.testkit.ts'));
}

describe('versions are pinned in generators/versions.ts only', () => {
  it('finds no version literal in any component', () => {
    const found = componentSources().flatMap((f) => versionLiterals(f, readFileSync(join(repoRoot, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it.each([
    ['a chart version', "helmRelease(scope, 'x', { version: '82.15.1' })"],
    ['an image tag', "image: 'ghcr.io/acme/proxy:1.28.0-alpine'"],
    ['a v-prefixed tag', 'const tag = `v0.11.0`;'],
  ])('refuses %s written inline', (_, line) => {
    expect(versionLiterals('platform/x/index.ts', line)).toHaveLength(1);
  });

  it('leaves addresses, comments and references to versions.ts alone', () => {
    const text =
      "const ip = '10.30.0.240/32';\n// chart 82.15.1 ships v0.89.0\nconst v = versions.kubePrometheusStack;\n";
    expect(versionLiterals('platform/x/index.ts', text)).toEqual([]);
  });
});
