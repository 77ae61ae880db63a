import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { Catalogue } from './component';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import type { Cluster, Estate } from './model';
import type { Component } from './component';
import { HEADER } from './layout';
import { renderEstate, type Rendering } from './render';
import { syntheticApp } from './testing/synthetic.testkit';
import { findDrift, recoverOutput, writeRendering } from './writer';
import { listFiles } from './layout';

const web = syntheticApp('web');
const testCatalogue: Catalogue = { platform: catalogue.platform, apps: { ...catalogue.apps, web } };

/** The real clusters running only the synthetic `web` app: the renderer on its own, without the real components. */
function testEstate(change: (e: Estate) => void = () => {}): Estate {
  const copy = structuredClone(estate);
  for (const c of copy.clusters) {
    c.platform = {};
    c.apps = { web: { replicas: 2, image: 'registry.example/web:1.0.0' } } as Cluster['apps'];
  }
  change(copy);
  return copy;
}

/** A copy of a cluster under another name, with its own networks and path. */
function cloneOf(source: Cluster, name: string, octet: number): Cluster {
  const copy = structuredClone(source);
  const clone: Cluster = {
    ...copy,
    name,
    flux: { ...copy.flux, path: `clusters/${name}` },
    network: {
      nodeCidr: `10.${octet}.0.0/16`,
      podCidr: `10.${octet + 1}.0.0/16`,
      serviceCidr: `10.${octet + 2}.0.0/16`,
    },
  };
  return clone;
}

function filesOf(rendering: Rendering, cluster: string): Map<string, string> {
  const prefix = `clusters/${cluster}/`;
  return new Map(
    [...rendering.files].filter(([p]) => p.startsWith(prefix)).map(([p, c]) => [p.slice(prefix.length), c]),
  );
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'render-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(dir)
      .sort()
      .map((f) => [f.slice(dir.length), readFileSync(f, 'utf8')]),
  );
}

describe('render', () => {
  it('is byte-identical when run twice', () => {
    const first = renderEstate(testEstate(), testCatalogue);
    const second = renderEstate(testEstate(), testCatalogue);
    expect([...second.files]).toEqual([...first.files]);
    writeRendering(root, first);
    const once = snapshot(root);
    writeRendering(root, second);
    expect(snapshot(root)).toEqual(once);
  });

  it('starts every file with the generated header and labels every object with its version', () => {
    const rendering = renderEstate(testEstate(), testCatalogue);
    for (const [path, content] of rendering.files) {
      if (path.endsWith('.md')) {
        expect(content.startsWith(`<!-- ${HEADER.slice(2).trim()} -->`), path).toBe(true);
        continue;
      }
      expect(content.startsWith(HEADER), path).toBe(true);
      for (const doc of parseAllDocuments(content)) {
        const o = doc.toJS();
        if (o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.config.k8s.io')) continue;
        expect(o.metadata.labels['app.kubernetes.io/version'], path).toMatch(/^\d+\.\d+\.\d+/);
      }
    }
  });

  it('lays out a folder per layer and component, each listed in a kustomization.yaml', () => {
    const files = filesOf(renderEstate(testEstate(), testCatalogue), 'aws');
    expect(parse(files.get('kustomization.yaml')!).resources).toContain('apps/web.yaml');
    expect(files.has('apps/kustomization.yaml')).toBe(false);
    expect(parse(files.get('apps/web/kustomization.yaml')!).resources).toEqual([
      'deployment-web.yaml',
      'service-web.yaml',
    ]);
    const sync = parse(files.get('apps/web.yaml')!);
    expect(sync.metadata.name).toBe('apps-web');
    expect(sync.spec).toMatchObject({
      path: './clusters/aws/apps/web',
      prune: true,
      wait: true,
      decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
    });
    const root = parseAllDocuments(files.get('flux-system/gotk-sync.yaml')!).map((d) => d.toJS());
    expect(root.map((o) => o.kind)).toEqual(['GitRepository', 'Kustomization']);
    expect(root[1].spec.path).toBe('./clusters/aws');
    expect(parse(files.get('flux-system/kustomization.yaml')!).resources).toEqual([
      '../../../flux-system',
      'gotk-sync.yaml',
    ]);
  });

  it('chains the layers of one component with dependsOn, and nothing else', () => {
    const everywhere: Component<object> = {
      name: 'everywhere',
      version: '0.1.0',
      keys: {},
      validate: () => [],
      render(ctx) {
        for (const layer of ['platform-controllers', 'platform-configs', 'apps'] as const) {
          new ApiObject(ctx.chart(layer), layer, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: layer, namespace: 'default' },
          });
        }
      },
    };
    const e = testEstate((x) => (x.clusters[0]!.platform = { everywhere: {} } as Cluster['platform']));
    const files = filesOf(
      renderEstate(e, { platform: { ...catalogue.platform, everywhere }, apps: testCatalogue.apps }),
      'aws',
    );
    const dependsOn = (file: string) => parse(files.get(file)!).spec.dependsOn;
    expect(dependsOn('platform-controllers/everywhere.yaml')).toBeUndefined();
    expect(dependsOn('platform-configs/everywhere.yaml')).toEqual([{ name: 'platform-controllers-everywhere' }]);
    expect(dependsOn('apps/everywhere.yaml')).toEqual([{ name: 'platform-configs-everywhere' }]);
    expect(dependsOn('apps/web.yaml')).toBeUndefined();
  });

  it('renders a third cluster entry into a new folder that differs from its twin only where the model does', () => {
    const withEdge = structuredClone(estate);
    const aws = withEdge.clusters[0]!;
    const edge = cloneOf(aws, 'edge', 50);
    withEdge.clusters.push(edge);
    const rendering = renderEstate(withEdge, catalogue);
    // A ConfigMap named by its content's hash differs in name when its content holds a model value.
    const unhashed = (text: string) => text.replace(/-[0-9a-f]{10}\b/g, '-<hash>');
    const byUnhashedPath = (files: Map<string, string>) => new Map([...files].map(([p, c]) => [unhashed(p), c]));
    const awsFiles = byUnhashedPath(filesOf(rendering, 'aws'));
    const edgeFiles = byUnhashedPath(filesOf(rendering, 'edge'));
    expect([...edgeFiles.keys()]).toEqual([...awsFiles.keys()]);
    const modelValues = (c: Cluster) => [c.name, ...Object.values(c.network)];
    for (const [path, content] of awsFiles) {
      const edgeLines = edgeFiles.get(path)!.split('\n');
      const awsLines = content.split('\n');
      expect(edgeLines.length, path).toBe(awsLines.length);
      awsLines.forEach((line, i) => {
        if (unhashed(line) === unhashed(edgeLines[i]!)) return;
        expect(
          modelValues(aws).some((v) => line.includes(v)),
          `${path}:${i + 1}: ${line}`,
        ).toBe(true);
        expect(
          modelValues(edge).some((v) => edgeLines[i]!.includes(v)),
          `${path}:${i + 1}: ${edgeLines[i]}`,
        ).toBe(true);
      });
    }
  });

  it('differs between aws and onprem only where the model differs', () => {
    const rendering = renderEstate(testEstate(), testCatalogue);
    const aws = filesOf(rendering, 'aws');
    const onprem = filesOf(rendering, 'onprem');
    expect(onprem.get('apps/web/deployment-web.yaml')).toBe(aws.get('apps/web/deployment-web.yaml'));
    expect(onprem.get('flux-system/gotk-sync.yaml')).toBe(
      aws.get('flux-system/gotk-sync.yaml')!.replace('./clusters/aws', './clusters/onprem'),
    );
  });

  it('rejects selectors derived from the construct path', () => {
    const plus: Component<object> = {
      name: 'plus',
      version: '0.1.0',
      keys: {},
      validate: () => [],
      render(ctx) {
        new kplus.Deployment(ctx.chart('apps'), 'd', { containers: [{ image: 'registry.example/x:1.0.0' }] });
      },
    };
    const e = testEstate((x) => (x.clusters[0]!.apps = { plus: {} } as Cluster['apps']));
    expect(() => renderEstate(e, { platform: catalogue.platform, apps: { ...testCatalogue.apps, plus } })).toThrow(
      /cdk8s.io\/metadata.addr/,
    );
  });

  it('declares SOPS secrets in the component kustomization', () => {
    const withSecret: Component<object> = {
      name: 'vault',
      version: '0.1.0',
      keys: {},
      validate: () => [],
      render(ctx) {
        ctx.secret('apps', 'vault', 'credentials', ['password']);
      },
    };
    const e = testEstate((x) => (x.clusters[1]!.apps = { vault: {} } as Cluster['apps']));
    const rendering = renderEstate(e, {
      platform: catalogue.platform,
      apps: { ...testCatalogue.apps, vault: withSecret },
    });
    expect(rendering.secrets).toEqual([
      {
        cluster: 'onprem',
        namespace: 'vault',
        name: 'credentials',
        path: 'clusters/onprem/apps/vault/secret-credentials.sops.yaml',
        keys: ['password'],
        metadata: {},
      },
    ]);
    expect(parse(rendering.files.get('clusters/onprem/apps/vault/kustomization.yaml')!).resources).toEqual([
      'secret-credentials.sops.yaml',
    ]);
  });
});

describe('writer and drift check', () => {
  const render = (change?: (e: Estate) => void) => renderEstate(testEstate(change), testCatalogue);

  it('reports no drift right after a write', () => {
    const rendering = render();
    writeRendering(root, rendering);
    expect(findDrift(root, rendering)).toEqual([]);
  });

  it('names a tampered committed file', () => {
    const rendering = render();
    writeRendering(root, rendering);
    writeFileSync(join(root, 'clusters/onprem/apps/web/service-web.yaml'), 'tampered\n');
    expect(findDrift(root, rendering)).toEqual([
      {
        cluster: 'onprem',
        added: [],
        changed: ['clusters/onprem/apps/web/service-web.yaml'],
        orphaned: [],
        secrets: [],
      },
    ]);
  });

  it('names an orphan file under a managed path, and a file the render would add', () => {
    const rendering = render();
    writeRendering(root, rendering);
    writeFileSync(join(root, 'clusters/aws/apps/web/configmap-stale.yaml'), 'kind: ConfigMap\n');
    rmSync(join(root, 'clusters/aws/apps/web/service-web.yaml'));
    expect(findDrift(root, rendering)).toEqual([
      {
        cluster: 'aws',
        added: ['clusters/aws/apps/web/service-web.yaml'],
        changed: [],
        orphaned: ['clusters/aws/apps/web/configmap-stale.yaml'],
        secrets: [],
      },
    ]);
  });

  it('removes the files of removed objects and never touches files outside clusters/', () => {
    writeRendering(root, render());
    writeFileSync(join(root, 'README.md'), 'keep me\n');
    writeRendering(
      root,
      render((e) => (e.clusters[1]!.apps = {})),
    );
    expect(existsSync(join(root, 'clusters/onprem/apps'))).toBe(false);
    expect(existsSync(join(root, 'clusters/aws/apps/web/deployment-web.yaml'))).toBe(true);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('keep me\n');
  });

  it("names a Secret file whose labels or annotations are not its declaration's", () => {
    const metadata = {
      labels: { 'strimzi.io/cluster': 'events' },
      annotations: { 'strimzi.io/ca-key-generation': '0' },
    };
    const vault: Component<object> = {
      name: 'vault',
      version: '0.1.0',
      keys: {},
      validate: () => [],
      render: (ctx) => ctx.secret('apps', 'vault', 'ca', ['ca.key'], metadata),
    };
    const rendering = renderEstate(
      testEstate((e) => (e.clusters[1]!.apps = { vault: {} } as Cluster['apps'])),
      {
        platform: catalogue.platform,
        apps: { ...testCatalogue.apps, vault },
      },
    );
    writeRendering(root, rendering);
    const path = 'clusters/onprem/apps/vault/secret-ca.sops.yaml';
    const write = (meta: object) => writeFileSync(join(root, path), stringify({ metadata: meta, sops: {} }));
    write({ namespace: 'vault', name: 'ca', annotations: metadata.annotations, labels: metadata.labels });
    expect(findDrift(root, rendering)).toEqual([]);
    write({ name: 'ca', namespace: 'vault', labels: metadata.labels });
    const [drift] = findDrift(root, rendering);
    expect(drift!.secrets).toEqual([
      `${path}: metadata is {"name":"ca","namespace":"vault","labels":{"strimzi.io/cluster":"events"}}, but the ` +
        `component declares {"name":"ca","namespace":"vault","labels":{"strimzi.io/cluster":"events"},` +
        `"annotations":{"strimzi.io/ca-key-generation":"0"}}`,
    ]);
    writeFileSync(join(root, path), 'metadata: [\n');
    expect(findDrift(root, rendering)[0]!.secrets[0]).toMatch(`${path}: cannot be read as YAML`);
  });

  it('keeps encrypted secrets the model still declares and drops the others', () => {
    const vault: Component<object> = {
      name: 'vault',
      version: '0.1.0',
      keys: {},
      validate: () => [],
      render: (ctx) => ctx.secret('apps', 'vault', 'credentials', ['password']),
    };
    const cat = { platform: catalogue.platform, apps: { ...testCatalogue.apps, vault } };
    const withVault = renderEstate(
      testEstate((e) => (e.clusters[1]!.apps = { vault: {} } as Cluster['apps'])),
      cat,
    );
    writeRendering(root, withVault);
    const secret = join(root, 'clusters/onprem/apps/vault/secret-credentials.sops.yaml');
    const encrypted = 'metadata: {name: credentials, namespace: vault}\nsops: {}\n';
    writeFileSync(secret, encrypted);
    writeRendering(root, withVault);
    expect(readFileSync(secret, 'utf8')).toBe(encrypted);
    expect(findDrift(root, withVault)).toEqual([]);
    const without = renderEstate(testEstate(), cat);
    expect(findDrift(root, without).flatMap((d) => d.orphaned)).toContain(
      'clusters/onprem/apps/vault/secret-credentials.sops.yaml',
    );
    expect(() => writeRendering(root, without)).toThrow(
      'Git does not track, which the new tree would drop: clusters/onprem/apps/vault',
    );
    for (const args of [
      ['init', '-q'],
      ['add', 'clusters'],
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x'],
    ]) {
      execFileSync('git', args, { cwd: root });
    }
    writeRendering(root, without);
    expect(existsSync(secret)).toBe(false);
  });

  it('leaves the previous output intact when a component fails mid-render', () => {
    writeRendering(root, render());
    const before = snapshot(join(root, 'clusters'));
    const failing = syntheticApp('web', (cluster) => cluster.name === 'onprem');
    expect(() => {
      writeRendering(
        root,
        renderEstate(
          testEstate((e) => (e.clusters[0]!.apps = {})),
          { platform: catalogue.platform, apps: { ...catalogue.apps, web: failing } },
        ),
      );
    }).toThrow(/synthetic failure while rendering web for onprem/);
    expect(snapshot(join(root, 'clusters'))).toEqual(before);
  });

  it('leaves the previous output intact when writing fails before the swap', () => {
    writeRendering(root, render());
    const before = snapshot(join(root, 'clusters'));
    expect(() =>
      writeRendering(
        root,
        render((e) => (e.clusters[1]!.apps = {})),
        {
          beforeSwap: () => {
            throw new Error('disk full');
          },
        },
      ),
    ).toThrow('disk full');
    expect(snapshot(join(root, 'clusters'))).toEqual(before);
    expect(readdirSync(root)).toEqual(['clusters']);
  });

  it('restores the previous tree, complete, when a run died between the two renames, and removes leftovers', () => {
    const rendering = render();
    writeRendering(root, rendering);
    const before = snapshot(join(root, 'clusters'));
    // A killed render: the previous tree moved aside whole, the new one staged, a half-deleted older one in trash.
    renameSync(join(root, 'clusters'), join(root, '.clusters.render-old-7'));
    cpSync(join(root, '.clusters.render-old-7'), join(root, '.clusters.render-ready-7'), { recursive: true });
    writeFileSync(join(root, '.clusters.render-ready-7/aws/kustomization.yaml'), 'new\n');
    mkdirSync(join(root, '.clusters.render-trash-5-old-5/aws'), { recursive: true });
    mkdirSync(join(root, '.clusters.render-new-9/aws'), { recursive: true });
    writeFileSync(join(root, '.clusters.render.lock'), '999999999\n');
    recoverOutput(root);
    expect(snapshot(join(root, 'clusters'))).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(['.clusters.render.lock', 'clusters']);
    writeRendering(root, rendering);
    expect(readdirSync(root)).toEqual(['clusters']);
  });

  it('picks the staged tree only once it is complete (renamed to ready), never one still being written', () => {
    const rendering = render();
    writeRendering(root, rendering);
    const before = snapshot(join(root, 'clusters'));
    renameSync(join(root, 'clusters'), join(root, '.clusters.render-ready-3'));
    mkdirSync(join(root, '.clusters.render-new-4/aws'), { recursive: true });
    recoverOutput(root);
    expect(snapshot(join(root, 'clusters'))).toEqual(before);
    expect(readdirSync(root)).toEqual(['clusters']);
  });

  it('refuses to run while another render holds the lock, naming its pid', () => {
    writeFileSync(join(root, '.clusters.render.lock'), `${process.ppid}\n`);
    expect(() => writeRendering(root, render())).toThrow(
      `another render (pid ${process.ppid}) is writing clusters/ and holds .clusters.render.lock`,
    );
    expect(existsSync(join(root, 'clusters'))).toBe(false);
  });

  it('refuses untracked files it does not manage under clusters/, naming them, and a read-only tree', () => {
    const rendering = render();
    writeRendering(root, rendering);
    const before = snapshot(join(root, 'clusters'));
    writeFileSync(join(root, 'clusters/aws/notes.txt'), 'mine\n');
    expect(() => writeRendering(root, rendering)).toThrow(
      'clusters/ holds files that render does not manage and Git does not track, which the new tree would drop: clusters/aws/notes.txt',
    );
    rmSync(join(root, 'clusters/aws/notes.txt'));
    expect(snapshot(join(root, 'clusters'))).toEqual(before);
    chmodSync(join(root, 'clusters/onprem'), 0o555);
    try {
      expect(() => writeRendering(root, rendering)).toThrow('clusters/onprem is read-only: render replaces clusters/');
    } finally {
      chmodSync(join(root, 'clusters/onprem'), 0o755);
    }
    expect(readdirSync(root)).toEqual(['clusters']);
  });
});
