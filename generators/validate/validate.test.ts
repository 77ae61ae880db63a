import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { estate } from '../estate/clusters';
import { repoRoot } from '../repo';
import { versions } from '../versions';
import { kubeconformArgs, runKubeconform, SCHEMA_MOUNT } from './kubeconform';
import { ensureSchemas } from './schemas';
import { formatReport, validateTree } from './validate';
import { catalogue } from '../estate/catalogue';
import { crdSourcesOf, validationExtensionsOf } from '../registries';

const clusters = [{ name: 'test', kubernetesVersion: versions.kubernetes }];
const trees: string[] = [];

afterEach(() => {
  for (const tree of trees.splice(0)) rmSync(tree, { recursive: true, force: true });
});

const gitRepository = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec: {interval: 1m, url: 'ssh://git@example.com/repo.git', ref: {branch: main}}
`;
const fluxKustomization = (extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/test/apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
${extra}`;
const configMap = (name: string, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: apps}
data: {key: value}
${extra}`;
const helmRelease = (chartSpec: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: 'https://charts.example.com'}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  interval: 10m
  chart:
    spec:
      chart: web
${chartSpec}      sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}
`;

/** A small valid cluster tree; `files` replaces or adds files (null removes one). */
function tree(files: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'validate-test-'));
  trees.push(root);
  const all: Record<string, string | null> = {
    'clusters/test/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - flux.yaml\n',
    'clusters/test/flux.yaml': `${gitRepository}---\n${fluxKustomization()}`,
    'clusters/test/apps/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - config.yaml\n  - release.yaml\n',
    'clusters/test/apps/config.yaml': configMap('settings'),
    'clusters/test/apps/release.yaml': helmRelease('      version: 1.2.3\n'),
    ...files,
  };
  for (const [file, content] of Object.entries(all)) {
    if (content === null) continue;
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
  return root;
}

async function problemLines(files: Record<string, string | null>): Promise<string[]> {
  return (await validateTree(tree(files), clusters, validationExtensionsOf(catalogue))).problems.map(
    (p) => `${p.file}#${p.index} ${p.object} ${p.path}: ${p.message}`,
  );
}

describe('validate', () => {
  it('accepts the whole rendered repository, flux-system/ included', async () => {
    const report = await validateTree(repoRoot, estate.clusters, validationExtensionsOf(catalogue));
    expect(formatReport(report).slice(0, report.problems.length)).toEqual([]);
    expect(
      report.summaries.find((s) => s.group === 'flux-system')?.byKind.get('CustomResourceDefinition'),
    ).toBeGreaterThan(0);
    for (const cluster of estate.clusters)
      expect(report.summaries.find((s) => s.group === cluster.name)?.objects).toBeGreaterThan(0);
  });

  it('accepts the valid fixture and summarises it by kind', async () => {
    const report = await validateTree(tree(), clusters, validationExtensionsOf(catalogue));
    expect(report.problems).toEqual([]);
    const test = report.summaries.find((s) => s.group === 'test');
    expect(test?.objects).toBe(7);
    expect(test?.byKind.get('HelmRelease')).toBe(1);
  });

  it.each([
    [
      'an unknown field (strict)',
      { 'clusters/test/apps/config.yaml': configMap('settings', 'colour: blue\n') },
      "clusters/test/apps/config.yaml#0 ConfigMap/apps/settings : additional properties 'colour' not allowed",
    ],
    [
      'a wrong type',
      { 'clusters/test/apps/config.yaml': configMap('settings').replace('data: {key: value}', 'data: {key: [1]}') },
      'clusters/test/apps/config.yaml#0 ConfigMap/apps/settings data.key: got array, want string',
    ],
    [
      'a missing required field',
      { 'clusters/test/flux.yaml': `${gitRepository}---\n${fluxKustomization().replace('  interval: 10m\n', '')}` },
      "clusters/test/flux.yaml#1 Kustomization/flux-system/apps spec: missing property 'interval'",
    ],
    [
      'an unknown kind',
      {
        'clusters/test/apps/config.yaml':
          'apiVersion: v1\nkind: ConfigMop\nmetadata: {name: settings, namespace: apps}\n',
      },
      'clusters/test/apps/config.yaml#0 ConfigMop/apps/settings kind: no schema for kind ConfigMop in v1',
    ],
    [
      'a wrong apiVersion for a kind',
      { 'clusters/test/apps/config.yaml': configMap('settings').replace('apiVersion: v1', 'apiVersion: apps/v1') },
      'clusters/test/apps/config.yaml#0 ConfigMap/apps/settings kind: no schema for kind ConfigMap in apps/v1',
    ],
    [
      'broken YAML',
      { 'clusters/test/apps/config.yaml': `${configMap('settings')}---\nkind: [unclosed\n` },
      'clusters/test/apps/config.yaml#1 ? : broken YAML',
    ],
    [
      'a duplicate object',
      { 'clusters/test/apps/config.yaml': `${configMap('settings')}---\n${configMap('settings')}` },
      'clusters/test/apps/config.yaml#1 ConfigMap/apps/settings metadata.name: duplicate object: v1 ConfigMap/apps/settings is already defined in clusters/test/apps/config.yaml (document 0)',
    ],
    [
      'a dangling kustomization entry',
      { 'clusters/test/apps/config.yaml': null },
      'clusters/test/apps/kustomization.yaml#0 Kustomization/? resources[0]: entry config.yaml does not exist',
    ],
    [
      'a dangling dependsOn',
      {
        'clusters/test/flux.yaml': `${gitRepository}---\n${fluxKustomization('  dependsOn:\n    - name: infrastructure\n')}`,
      },
      'clusters/test/flux.yaml#1 Kustomization/flux-system/apps spec.dependsOn[0]: Kustomization/flux-system/infrastructure does not exist in this cluster',
    ],
    [
      'a dangling sourceRef',
      { 'clusters/test/flux.yaml': fluxKustomization() },
      'clusters/test/flux.yaml#0 Kustomization/flux-system/apps spec.sourceRef: GitRepository/flux-system/flux-system does not exist in this cluster',
    ],
    [
      'a Flux Kustomization path that does not exist',
      {
        'clusters/test/flux.yaml': `${gitRepository}---\n${fluxKustomization().replace('./clusters/test/apps', './clusters/test/missing')}`,
      },
      'clusters/test/flux.yaml#1 Kustomization/flux-system/apps spec.path: path ./clusters/test/missing does not exist',
    ],
    [
      'a CRD object with an invalid field',
      {
        'clusters/test/flux.yaml': `${gitRepository}---\n${fluxKustomization().replace('prune: true', 'prune: "yes"')}`,
      },
      'clusters/test/flux.yaml#1 Kustomization/flux-system/apps spec.prune: got string, want boolean',
    ],
    [
      'a HelmRelease with no chart version',
      { 'clusters/test/apps/release.yaml': helmRelease('') },
      'clusters/test/apps/release.yaml#1 HelmRelease/apps/web spec.chart.spec.version: chart version missing: pin an exact version',
    ],
    [
      'a HelmRelease with a version range',
      { 'clusters/test/apps/release.yaml': helmRelease("      version: '>=1.2.0'\n") },
      'clusters/test/apps/release.yaml#1 HelmRelease/apps/web spec.chart.spec.version: chart version ">=1.2.0" is not an exact version',
    ],
    [
      'a SOPS file without SOPS metadata',
      {
        'clusters/test/apps/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - config.yaml\n  - release.yaml\n  - secret.sops.yaml\n',
        'clusters/test/apps/secret.sops.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: apps}\nstringData: {token: plain}\n',
      },
      'clusters/test/apps/secret.sops.yaml#0 Secret/apps/token sops: not encrypted',
    ],
  ])('rejects %s with a message naming file, object and field', async (_case, files, expected) => {
    const lines = await problemLines(files);
    expect(
      lines.some((line) => line.startsWith(expected)),
      `expected a line starting with\n  ${expected}\ngot\n  ${lines.join('\n  ')}`,
    ).toBe(true);
  });

  it('allows the sops field of an encrypted Secret and still checks the rest', async () => {
    const encrypted = (extra: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: apps}\ntype: Opaque\nstringData: {token: 'ENC[AES256_GCM,data:abc,type:str]'}\n${extra}sops:\n  age: [{recipient: age1xyz, enc: x}]\n  version: 3.10.2\n`;
    const kustomization = {
      'clusters/test/apps/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - config.yaml\n  - release.yaml\n  - secret.sops.yaml\n',
    };
    expect(await problemLines({ ...kustomization, 'clusters/test/apps/secret.sops.yaml': encrypted('') })).toEqual([]);
    expect(
      await problemLines({ ...kustomization, 'clusters/test/apps/secret.sops.yaml': encrypted('immutable: "no"\n') }),
    ).toEqual(['clusters/test/apps/secret.sops.yaml#0 Secret/apps/token immutable: got string, want boolean']);
  });

  it('never uses an http(s) schema location: only the local schema folder, no remote refs, no fallback', async () => {
    const args = kubeconformArgs(['/repo/a.yaml']);
    const locations = args.flatMap((arg, i) => (args[i - 1] === '-schema-location' ? [arg] : []));
    expect(locations).toEqual([expect.stringMatching(new RegExp(`^${SCHEMA_MOUNT}/`))]);
    expect(args.join(' ')).not.toMatch(/https?:/);
    const schemaDir = ensureSchemas(versions.kubernetes, crdSourcesOf(catalogue));
    for (const file of readdirSync(schemaDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json'))) {
      expect(readFileSync(join(schemaDir, file), 'utf8'), file).not.toMatch(/"\$ref":"(?!#)/);
    }
    // apps/v1beta1 Deployment is in kubeconform's default remote registry but not in the local folder: it must fail.
    const lines = await problemLines({
      'clusters/test/apps/config.yaml':
        'apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\n',
    });
    expect(lines).toContain(
      'clusters/test/apps/config.yaml#0 Deployment/apps/web kind: no schema for kind Deployment in apps/v1beta1 (Kubernetes 1.35.4 and the pinned CRDs): unknown kind or wrong apiVersion',
    );
  });

  it('mounts the files read-only inside the sandbox', async () => {
    const root = tree();
    // kubeconform creates this profile file when asked to; the sandbox must refuse.
    await expect(
      runKubeconform({
        files: ['/repo/clusters/test/apps/config.yaml'],
        mounts: [{ guest: '/repo', host: root }],
        schemaDir: ensureSchemas(versions.kubernetes, crdSourcesOf(catalogue)),
        env: { KUBECONFORM_CPUPROFILE_FILE: '/repo/profile.out' },
      }),
    ).rejects.toThrow(/could not create CPU profile/);
    expect(existsSync(join(root, 'profile.out'))).toBe(false);
  });
});

describe('the fast path (content dedup, pass cache, parse cache)', () => {
  const twoClusters = [
    { name: 'test', kubernetesVersion: versions.kubernetes },
    { name: 'copy', kubernetesVersion: versions.kubernetes },
  ];
  /** Two clusters with the same files, among them schema errors, broken YAML and a plaintext SOPS file. */
  function treeWithErrors(): string {
    const withCopies = (files: Record<string, string | null>) =>
      Object.fromEntries(
        Object.entries(files).flatMap(([file, content]) => [
          [file, content],
          [file.replace('clusters/test/', 'clusters/copy/'), content?.replace('./clusters/test/', './clusters/copy/')],
        ]),
      ) as Record<string, string | null>;
    const root = tree(
      withCopies({
        'clusters/test/apps/kustomization.yaml': [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources: [config.yaml, release.yaml, secret.sops.yaml]\n',
        ].join('\n'),
        'clusters/test/apps/config.yaml': [
          configMap('settings', 'colour: blue\n'),
          configMap('other').replace('data: {key: value}', 'data: {key: [1]}'),
        ].join('---\n'),
        'clusters/test/apps/broken.yaml': `${configMap('fine')}---\nkind: [unclosed\n`,
        'clusters/test/apps/secret.sops.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: apps}\nstringData: {token: plain}\n',
      }),
    );
    for (const file of ['kustomization.yaml', 'flux.yaml', 'apps/release.yaml']) {
      const content = readFileSync(join(root, 'clusters/test', file), 'utf8');
      mkdirSync(dirname(join(root, 'clusters/copy', file)), { recursive: true });
      writeFileSync(join(root, 'clusters/copy', file), content.replace('./clusters/test/', './clusters/copy/'));
    }
    return root;
  }

  it('reports exactly what a clean, uncached run reports, on a tree with errors, cold and warm', async () => {
    const root = treeWithErrors();
    const extensions = validationExtensionsOf(catalogue);
    const clean = await validateTree(root, twoClusters, extensions, { passCache: false, parseCache: false });
    expect(clean.problems.length).toBeGreaterThan(6);
    expect(clean.problems.map((p) => p.file)).toEqual(
      expect.arrayContaining(['clusters/test/apps/config.yaml', 'clusters/copy/apps/config.yaml']),
    );
    const passCache = mkdtempSync(join(tmpdir(), 'passes-'));
    trees.push(passCache);
    const cold = await validateTree(root, twoClusters, extensions, { passCache });
    const passes = readdirSync(passCache, { recursive: true }).length;
    expect(passes, 'the cold run records the files that passed').toBeGreaterThan(1);
    const warm = await validateTree(root, twoClusters, extensions, { passCache });
    expect(readdirSync(passCache, { recursive: true }).length, 'a failing file is never recorded').toBe(passes);
    expect(cold.problems).toEqual(clean.problems);
    expect(warm.problems).toEqual(clean.problems);
  });

  it('validates a changed file again: a file that passed and then breaks fails', async () => {
    const root = tree();
    const passCache = mkdtempSync(join(tmpdir(), 'passes-'));
    trees.push(passCache);
    const extensions = validationExtensionsOf(catalogue);
    expect((await validateTree(root, clusters, extensions, { passCache })).problems).toEqual([]);
    writeFileSync(join(root, 'clusters/test/apps/config.yaml'), configMap('settings', 'colour: blue\n'));
    const lines = (await validateTree(root, clusters, extensions, { passCache })).problems.map((p) => p.message);
    expect(lines).toEqual(["additional properties 'colour' not allowed"]);
  });

  it('validates again against a changed schema set: a pass under the old schemas counts for nothing', async () => {
    const root = tree();
    const passCache = mkdtempSync(join(tmpdir(), 'passes-'));
    const stricter = mkdtempSync(join(tmpdir(), 'schemas-'));
    trees.push(passCache, stricter);
    const schemaDir = ensureSchemas(versions.kubernetes, crdSourcesOf(catalogue));
    const run = (dir: string) =>
      runKubeconform({
        files: ['/repo/clusters/test/apps/config.yaml'],
        mounts: [{ guest: '/repo', host: root }],
        schemaDir: dir,
        passCache,
      });
    expect(await run(schemaDir)).toEqual([]);
    cpSync(schemaDir, stricter, { recursive: true });
    const configMapSchema = join(stricter, 'v1/configmap_v1.json');
    const schema = JSON.parse(readFileSync(configMapSchema, 'utf8'));
    delete schema.properties.data;
    writeFileSync(configMapSchema, JSON.stringify(schema));
    expect((await run(stricter)).map((r) => r.msg)).toEqual([expect.stringContaining("'data' not allowed")]);
    expect(await run(schemaDir), 'the old schema set keeps its own passes').toEqual([]);
  });
});
