// `npm run gate` runs render:check, validate and policy in one process: each failure must still fail through it, with
// the exit code and the messages of the stage's own script, and stop the gate there.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';

const COPIED = [
  'generators',
  'platform',
  'apps',
  'clusters',
  'flux-system',
  'package.json',
  'tsconfig.json',
  '.sops.yaml',
];
const scripts = (
  JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'gate-'));
  for (const entry of COPIED) {
    cpSync(join(repoRoot, entry), join(copy, entry), {
      recursive: true,
      filter: (src) => !/\/(\.cache|node_modules)$/.test(src),
    });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  // The built tools and schemas; the caches in it are keyed by content, so the broken files below cannot pollute them.
  symlinkSync(join(repoRoot, '.cache'), join(copy, '.cache'));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** The npm script's command as `npm run` runs it: tsx and the launcher. */
function run(script: string) {
  const argv = scripts[script]!.split(' ').slice(1);
  const result = spawnSync(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), ...argv], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 180_000,
  });
  // validate prints its own wall time, the one part of a message that differs between two runs.
  return { ...result, stderr: result.stderr.replace(/\(\d+\.\d+ s\)/g, '(N s)') };
}

/** Replaces `from` in a file of the copy, returning the undo. */
function edit(file: string, from: string, to: string): () => void {
  const text = readFileSync(join(copy, file), 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(join(copy, file), text.replace(from, to));
  return () => writeFileSync(join(copy, file), text);
}

describe('npm run gate', () => {
  it('passes on the committed tree, running all three stages', () => {
    const gate = run('gate');
    expect(gate.status, gate.stderr).toBe(0);
    expect(gate.stdout).toContain('clusters/ matches the generators: no drift');
    expect(gate.stdout).toMatch(/^all \d+ objects valid/m);
    expect(gate.stdout).toContain('policy: passed');
    expect(gate.stdout).toMatch(/^gate passed: render:check [\d.]+ s, validate [\d.]+ s, policy [\d.]+ s;/m);
  });

  it.each([
    {
      stage: 'render:check',
      why: 'a hand-edited rendered file (drift)',
      file: 'clusters/aws/kustomization.yaml',
      from: 'kind: Kustomization',
      to: 'kind: Kustomization # edited by hand',
      names: 'changed   clusters/aws/kustomization.yaml',
    },
    {
      stage: 'render:check',
      why: 'a broken model (bad input: one message, no stack trace)',
      file: 'generators/estate/clusters.ts',
      from: "storageClass: 'gp3'",
      to: "storageClass: 'GP3 fast'",
      names: 'cluster "aws": field storageClass "GP3 fast" is not a StorageClass name',
    },
    {
      stage: 'validate',
      why: 'a schema error in flux-system/, which render:check does not cover',
      file: 'flux-system/gotk-components.yaml',
      from: '  replicas: 1\n',
      to: '  replicas: one\n',
      names: 'Deployment/flux-system/helm-controller spec.replicas',
    },
    {
      stage: 'policy',
      why: 'a floating image tag, valid by schema',
      file: 'flux-system/gotk-components.yaml',
      from: 'image: ghcr.io/fluxcd/helm-controller:v1.6.3',
      to: 'image: ghcr.io/fluxcd/helm-controller:latest',
      names: 'image-pinned',
    },
  ])('fails at $stage on $why, as `npm run $stage` does, and stops there', ({ stage, file, from, to, names }) => {
    const undo = edit(file, from, to);
    try {
      const own = run(stage);
      const gate = run('gate');
      expect(own.status, own.stderr).toBe(1);
      expect(own.stderr).toContain(names);
      expect(own.stderr).not.toMatch(/^\s+at /m);
      expect(gate.status).toBe(own.status);
      expect(gate.stderr).toBe(`${own.stderr}gate: ${stage} failed; \`npm run ${stage}\` reproduces it\n`);
      expect(gate.stdout).not.toContain('gate passed');
      const later = { 'render:check': ['objects valid', 'policy: '], validate: ['policy: '], policy: [] }[stage]!;
      for (const text of later) expect(gate.stdout).not.toContain(text);
    } finally {
      undo();
    }
  });
});
