import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED_GROUP } from './changes';
import { configMap, deployment, fixtureRepo, service, type FixtureRepo, type Tree } from './fixture-repo';
import { FULL_LIMITS, renderReport, SUMMARY_LIMITS } from './report';
import { changesAgainst } from './trees';

const kustomizationFile = (resources: string[]) => [
  { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources },
];

function fluxKustomization(name: string, prune: boolean) {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: {
      interval: '10m',
      path: `./clusters/aws/${name}`,
      prune,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    },
  };
}

const baseTree: Tree = {
  'clusters/aws/apps.yaml': [fluxKustomization('apps', true)],
  'clusters/aws/apps/web/kustomization.yaml': kustomizationFile(['deployment-web.yaml', 'configmap-web-config.yaml']),
  'clusters/aws/apps/web/deployment-web.yaml': [deployment('web', 'web', { replicas: 2 })],
  'clusters/aws/apps/web/configmap-web-config.yaml': [configMap('web', 'web-config', { LOG_LEVEL: 'info' })],
  'clusters/aws/apps/api/deployment-api.yaml': [deployment('api', 'api')],
  'clusters/onprem/apps/web/deployment-web.yaml': [deployment('web', 'web', { replicas: 2 })],
  'clusters/onprem/apps/web/configmap-web-config.yaml': [configMap('web', 'web-config', { LOG_LEVEL: 'info' })],
};

let repo: FixtureRepo | undefined;
afterEach(() => repo?.remove());

/** A repository whose `main` holds `base` and whose working tree (branch `pr`) holds `pr`. */
function pullRequest(base: Tree, pr: Tree): FixtureRepo {
  repo = fixtureRepo();
  repo.write(base);
  repo.commit('base');
  repo.git('switch', '--quiet', '-c', 'pr');
  repo.write(pr);
  repo.commit('pr');
  return repo;
}

describe('change summary on a fixture base and pull request', () => {
  const pr: Tree = {
    ...baseTree,
    // aws: a new app, a changed replica count, a removed ConfigMap, a changed selector
    'clusters/aws/apps/shop/deployment-shop.yaml': [deployment('shop', 'shop')],
    'clusters/aws/apps/shop/service-shop.yaml': [service('shop', 'shop')],
    'clusters/aws/apps/web/kustomization.yaml': kustomizationFile(['deployment-web.yaml']),
    'clusters/aws/apps/web/deployment-web.yaml': [deployment('web', 'web', { replicas: 3 })],
    'clusters/aws/apps/api/deployment-api.yaml': [
      deployment('api', 'api', {
        selector: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/component': 'server' },
      }),
    ],
    // onprem only
    'clusters/onprem/apps/web/configmap-web-config.yaml': [configMap('web', 'web-config', { LOG_LEVEL: 'debug' })],
  };
  delete pr['clusters/aws/apps/web/configmap-web-config.yaml'];

  it('reports exactly the added app, replica change, removed ConfigMap, risky selector and the onprem-only change', () => {
    const { changes } = changesAgainst(pullRequest(baseTree, pr).root, 'main');
    const componentLabel = '["app.kubernetes.io/component"]';
    expect(changes).toEqual([
      {
        cluster: 'aws',
        added: ['Deployment/shop/shop', 'Service/shop/shop'],
        removed: ['ConfigMap/web/web-config'],
        changed: [
          {
            ref: 'Deployment/api/api',
            fields: [
              { path: `spec.selector.matchLabels${componentLabel}`, before: undefined, after: 'server' },
              { path: `spec.template.metadata.labels${componentLabel}`, before: undefined, after: 'server' },
            ],
          },
          { ref: 'Deployment/web/web', fields: [{ path: 'spec.replicas', before: 2, after: 3 }] },
        ],
        risks: [{ ref: 'Deployment/api/api', reason: expect.stringContaining('`spec.selector` is immutable') }],
      },
      {
        cluster: 'onprem',
        added: [],
        removed: [],
        changed: [
          { ref: 'ConfigMap/web/web-config', fields: [{ path: 'data.LOG_LEVEL', before: 'info', after: 'debug' }] },
        ],
        risks: [],
      },
    ]);
  });

  it('renders the summary table, the risky list and each change under its own cluster', () => {
    const { changes } = changesAgainst(pullRequest(baseTree, pr).root, 'main');
    const report = renderReport(changes, { base: 'main', limits: SUMMARY_LIMITS });
    expect(report).toContain('| aws | 2 | 2 | 1 | 1 |');
    expect(report).toContain('| onprem | 0 | 1 | 0 | 0 |');
    expect(report).toMatch(/### ⚠️ Risky changes\n\n- \*\*aws\*\* `Deployment\/api\/api`: `spec.selector` is immutable/);
    const [, aws = '', onprem = ''] = report.split(/\n### (?:aws|onprem)\n/);
    expect(aws).toContain('~ spec.replicas: 2 → 3');
    expect(aws).toContain('- `ConfigMap/web/web-config`');
    expect(aws).not.toContain('LOG_LEVEL');
    expect(onprem).toContain('~ data.LOG_LEVEL: "info" → "debug"');
    expect(onprem).not.toContain('replicas');
  });
});

describe('noise and risks', () => {
  it('reports nothing when only the generated header and the kustomize build files differ', () => {
    repo = fixtureRepo();
    repo.write(baseTree);
    repo.commit('base');
    repo.write({ ...baseTree, 'clusters/aws/apps/web/kustomization.yaml': kustomizationFile(['deployment-web.yaml']) });
    const file = `${repo.root}/clusters/aws/apps/web/deployment-web.yaml`;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^# .*\n/, '# Generated by an older renderer\n'));
    const { changes } = changesAgainst(repo.root, 'main');
    expect(repo.git('status', '--porcelain')).toContain('deployment-web.yaml');
    expect(changes.every((c) => !c.added.length && !c.changed.length && !c.removed.length)).toBe(true);
    expect(renderReport(changes, { base: 'main', limits: SUMMARY_LIMITS })).toContain(
      'No cluster receives any change.',
    );
  });

  it('compares the uncommitted working tree too', () => {
    repo = fixtureRepo();
    repo.write(baseTree);
    repo.commit('base');
    repo.write({
      ...baseTree,
      'clusters/onprem/apps/web/deployment-web.yaml': [deployment('web', 'web', { replicas: 4 })],
    });
    const { changes } = changesAgainst(repo.root, 'HEAD');
    expect(changes.find((c) => c.cluster === 'onprem')?.changed).toEqual([
      { ref: 'Deployment/web/web', fields: [{ path: 'spec.replicas', before: 2, after: 4 }] },
    ]);
    expect(changes.find((c) => c.cluster === 'aws')?.changed).toEqual([]);
  });

  it('flags deleted PVCs, Namespaces and CRDs, Flux prune changes and immutable PVC fields; not ordinary deletions', () => {
    const pvc = (storageClassName: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'db' },
      spec: { storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const base: Tree = {
      'clusters/aws/apps.yaml': [fluxKustomization('apps', true)],
      'clusters/aws/db/pvc.yaml': [pvc('gp3'), { ...pvc('gp3'), metadata: { name: 'old', namespace: 'db' } }],
      'clusters/aws/db/ns.yaml': [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'db' } }],
      'clusters/aws/db/crd.yaml': [
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: 'dbs.example.com' },
        },
      ],
      'clusters/aws/db/cm.yaml': [configMap('db', 'settings', { a: '1' })],
    };
    const { changes } = changesAgainst(
      pullRequest(base, {
        'clusters/aws/apps.yaml': [fluxKustomization('apps', false)],
        'clusters/aws/db/pvc.yaml': [pvc('local-path')],
      }).root,
      'main',
    );
    const risks = changes[0]!.risks.map((r) => `${r.ref}: ${r.reason.split(':')[0]}`);
    expect(risks).toEqual([
      'CustomResourceDefinition/dbs.example.com: deleting a CustomResourceDefinition deletes every custom resource of that kind',
      'Kustomization/flux-system/apps: Flux `spec.prune` changes',
      'Namespace/db: deleting a Namespace deletes every object in it',
      'PersistentVolumeClaim/db/data: `spec.storageClassName` is immutable',
      'PersistentVolumeClaim/db/old: deleting a PersistentVolumeClaim can delete its volume and data',
    ]);
    expect(changes[0]!.removed).toContain('ConfigMap/db/settings');
  });

  it('shows a re-encrypted SOPS secret as one marker, never as ciphertext', () => {
    const secret = (cipher: string, mac: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'web' },
      data: { password: `ENC[AES256_GCM,data:${cipher},type:str]` },
      sops: { mac, lastmodified: '2026-01-01T00:00:00Z' },
    });
    const r = pullRequest(
      { 'clusters/aws/web/secret-creds.sops.yaml': [secret('aaa', 'm1')] },
      { 'clusters/aws/web/secret-creds.sops.yaml': [secret('bbb', 'm2')] },
    );
    const { changes } = changesAgainst(r.root, 'main');
    expect(changes[0]!.changed).toEqual([
      {
        ref: 'Secret/web/creds',
        fields: [{ path: 'data', before: '(encrypted)', after: '(encrypted) re-encrypted or changed' }],
      },
    ]);
    expect(renderReport(changes, { base: 'main', limits: FULL_LIMITS })).not.toContain('aaa');
  });

  it('groups the shared Flux install under its own heading', () => {
    const install = (version: string) => ({
      'flux-system/gotk-components.yaml': [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system', labels: { version } } },
      ],
    });
    const { changes } = changesAgainst(pullRequest(install('v2.9.3'), install('v2.9.4')).root, 'main');
    expect(changes.map((c) => [c.cluster, c.changed.map((o) => o.ref)])).toEqual([
      [SHARED_GROUP, ['Namespace/flux-system']],
    ]);
  });
});

describe('bounded output', () => {
  it('truncates the summary at whole objects and names the full report, which keeps everything', () => {
    const base: Tree = {};
    const pr: Tree = {};
    for (let i = 0; i < 400; i++) {
      const path = `clusters/aws/apps/a${i}/deployment.yaml`;
      base[path] = [deployment('apps', `a${i}`, { replicas: 1 })];
      pr[path] = [deployment('apps', `a${i}`, { replicas: 2, image: `ghcr.io/acme/a${i}:${'9'.repeat(200)}` })];
    }
    const { changes } = changesAgainst(pullRequest(base, pr).root, 'main');
    const summary = renderReport(changes, {
      base: 'main',
      limits: SUMMARY_LIMITS,
      fullReportName: '`change-summary.md`',
    });
    const full = renderReport(changes, { base: 'main', limits: FULL_LIMITS });
    expect(summary.length).toBeLessThan(60_000);
    expect(summary).toMatch(/_Detail truncated: \d+ more objects are in `change-summary.md`\._/);
    expect(summary).toContain('…'); // long image values are cut
    expect(summary.match(/```diff/g)?.length).toBe(summary.match(/ {2}```\n/g)?.length);
    expect(full.match(/```diff/g)?.length).toBe(400);
    expect(full).toContain('9'.repeat(200));
    expect(full).not.toContain('Detail truncated');
  });
});

describe('bad input', () => {
  it('names the base ref that cannot be resolved', () => {
    const r = pullRequest(baseTree, baseTree);
    expect(() => changesAgainst(r.root, 'no-such-branch')).toThrow(
      /base ref "no-such-branch" is not a commit .*git fetch/,
    );
  });

  it('names the file and document that does not parse', () => {
    repo = fixtureRepo();
    repo.write(baseTree);
    repo.commit('base');
    writeFileSync(`${repo.root}/clusters/aws/apps/bad.yaml`, 'kind: ConfigMap\nkind: Secret\n');
    expect(() => changesAgainst(repo!.root, 'main')).toThrow(
      /working tree: cannot parse clusters\/aws\/apps\/bad.yaml \(document 0\)/,
    );
  });

  it('refuses an object rendered twice for one cluster', () => {
    const twice = { ...baseTree, 'clusters/aws/apps/web/copy.yaml': [deployment('web', 'web')] };
    expect(() => changesAgainst(pullRequest(baseTree, twice).root, 'main')).toThrow(
      /clusters\/aws\/apps\/web\/deployment-web.yaml \(document 0\): Deployment\/web\/web is rendered twice for aws/,
    );
  });
});
