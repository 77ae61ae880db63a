import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../repo';
import { unformattedGoFiles } from '../testing/go-module.testkit';
import { versions } from '../versions';
import { PROVING_GROUND_TOOLS } from './tools';

/** Where a go.mod does not require `module` at exactly `version`, or `replace`s a k8s.io module off `staging`. */
function pinProblems(goMod: string, module: string, version: string, staging?: string): string[] {
  const problems: string[] = [];
  const required = goMod.match(new RegExp(`^\\s*(?:require\\s+)?${module.replaceAll('.', '\\.')} (v\\S+)`, 'm'))?.[1];
  if (required !== version) problems.push(`${module} is required at ${required ?? 'no version'}, not ${version}`);
  for (const [, from, to] of goMod.matchAll(/^\s*(k8s\.io\/\S+) => (\S+ \S+)$/gm)) {
    if (staging && to !== `${from} ${staging}`) problems.push(`${from} is replaced by ${to}, not ${from} ${staging}`);
  }
  return problems;
}

const goMod = (tool: keyof typeof PROVING_GROUND_TOOLS) =>
  readFileSync(join(repoRoot, PROVING_GROUND_TOOLS[tool].module, 'go.mod'), 'utf8');

describe('the proving ground pins the versions of generators/versions.ts', () => {
  const [, minor, patch] = versions.kubernetes.split('.');
  it.each([
    ['kube-apiserver', 'k8s.io/kubernetes', `v${versions.kubernetes}`, `v0.${minor}.${patch}`],
    ['etcd', 'go.etcd.io/etcd/server/v3', `v${versions.proving.etcd}`, undefined],
    ['kwok', 'sigs.k8s.io/kwok', `v${versions.proving.kwok}`, undefined],
    ['source-controller', 'github.com/fluxcd/source-controller', `v${versions.flux.sourceController}`, undefined],
    [
      'kustomize-controller',
      'github.com/fluxcd/kustomize-controller',
      `v${versions.flux.kustomizeController}`,
      undefined,
    ],
    [
      'notification-controller',
      'github.com/fluxcd/notification-controller',
      `v${versions.flux.notificationController}`,
      undefined,
    ],
  ] as const)('%s: %s %s', (tool, module, version, staging) => {
    expect(pinProblems(goMod(tool), module, version, staging)).toEqual([]);
  });

  it('pins every staging module that k8s.io/kubernetes replaces', () => {
    const replaced = [...goMod('kube-apiserver').matchAll(/^\s*(k8s\.io\/\S+) =>/gm)].map((m) => m[1]);
    for (const staging of ['k8s.io/api', 'k8s.io/apiserver', 'k8s.io/client-go', 'k8s.io/kube-aggregator']) {
      expect(replaced).toContain(staging);
    }
  });

  it('refuses a version off the pin and a staging module off the release', () => {
    const text = 'require k8s.io/kubernetes v1.35.3\nreplace (\n\tk8s.io/api => k8s.io/api v0.35.3\n)\n';
    expect(pinProblems(text, 'k8s.io/kubernetes', 'v1.35.4', 'v0.35.4')).toEqual([
      'k8s.io/kubernetes is required at v1.35.3, not v1.35.4',
      'k8s.io/api is replaced by k8s.io/api v0.35.3, not k8s.io/api v0.35.4',
    ]);
  });

  it('keeps its own Go formatted', () => {
    for (const dir of ['pki', 'etcd'])
      expect(unformattedGoFiles(join(repoRoot, 'generators/proving-ground', dir))).toBe('');
  });
});
