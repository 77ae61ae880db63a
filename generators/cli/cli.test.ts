import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';

let copy: string;

function run(script: string) {
  return spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [`generators/cli/${script}.ts`], {
    cwd: copy,
    encoding: 'utf8',
  });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'render-cli-'));
  for (const entry of ['generators', 'platform', 'apps', 'package.json', 'tsconfig.json']) {
    cpSync(join(repoRoot, entry), join(copy, entry), { recursive: true, filter: (src) => !src.includes('/.cache') });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  execFileSync(join(repoRoot, 'node_modules/.bin/tsx'), ['generators/cli/render.ts'], { cwd: copy });
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('render CLIs', () => {
  it('render:check passes on fresh output and fails naming tampered and orphaned files', () => {
    expect(run('render-check').status).toBe(0);
    writeFileSync(join(copy, 'clusters/aws/kustomization.yaml'), '# edited by hand\n');
    writeFileSync(join(copy, 'clusters/onprem/flux-system/extra.yaml'), 'kind: ConfigMap\n');
    const result = run('render-check');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('changed   clusters/aws/kustomization.yaml');
    expect(result.stderr).toContain('orphaned  clusters/onprem/flux-system/extra.yaml');
    expect(result.stderr).toContain('Run `npm run render`');
    expect(run('render').stderr).toContain(
      'Git does not track, which the new tree would drop: clusters/onprem/flux-system/extra.yaml',
    );
    rmSync(join(copy, 'clusters/onprem/flux-system/extra.yaml'));
  });

  it('render exits 1 with the model problem and leaves the previous output untouched', () => {
    execFileSync(join(repoRoot, 'node_modules/.bin/tsx'), ['generators/cli/render.ts'], { cwd: copy });
    const before = readFileSync(join(copy, 'clusters/aws/flux-system/gotk-sync.yaml'), 'utf8');
    const model = join(copy, 'generators/estate/clusters.ts');
    writeFileSync(model, readFileSync(model, 'utf8').replace("storageClass: 'gp3'", "storageClass: 'GP3 fast'"));
    const result = run('render');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('generators/estate/clusters.ts');
    expect(result.stderr).toContain('cluster "aws": field storageClass "GP3 fast" is not a StorageClass name');
    expect(readFileSync(join(copy, 'clusters/aws/flux-system/gotk-sync.yaml'), 'utf8')).toBe(before);
  });
});
