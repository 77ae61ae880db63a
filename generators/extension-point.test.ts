// The extension point (generators/component.ts): a component that declares everything it adds is seen by every gate,
// with nothing outside its own folder, one catalogue line and its values; and the Flux graph isolates failures.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Catalogue, Component } from './component';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import { irsaRoleName } from './irsa';
import { parseManifests } from './manifests';
import type { Estate } from './model';
import { findProblems } from './model-check';
import { allowListOf } from './policy/allow-list';
import { loadPolicyInput, runPolicy } from './policy/gate';
import { chartsOf, imagesOf, irsaRolesOf, validationExtensionsOf } from './registries';
import { renderEstate } from './render';
import { repoRoot } from './repo';
import { validateTree } from './validate/validate';
import { versions } from './versions';
import { writeRendering } from './writer';

interface FixtureValues {
  address: string;
}

const NS = 'fixture';

/** Needs a privileged namespace, a pool address, a CRD, an IRSA role, a recording rule and its own image. */
function fixtureComponent(exempt = true): Component<FixtureValues> {
  return {
    name: 'fixture',
    version: '1.2.3',
    keys: { address: true },
    validate: () => [],
    crds: {
      groups: ['metallb.io'],
      sources: [{ module: 'go.universe.tf/metallb', version: versions.metallb, dir: 'config/crd/bases' }],
    },
    addresses: (values) => [{ field: 'address', address: values.address }],
    images: [
      {
        name: 'fixture',
        repository: 'ghcr.io/acme/fixture',
        tag: '1.2.3',
        context: 'apps/fixture',
        builder: 'go',
        binary: 'fixture',
      },
    ],
    irsaRoles: [
      { name: 'fixture-reader', namespace: NS, serviceAccounts: ['fixture'], policy: () => ({ Statement: [] }) },
    ],
    exemptions: exempt
      ? [
          {
            rule: 'namespace-psa-restricted',
            object: `Namespace/${NS}`,
            reason: 'the fixture reads node files through a host path',
          },
        ]
      : [],
    telemetry: {
      aggregates: [
        {
          name: 'fixture.aggregates',
          rules: [{ record: 'job:fixture_requests:rate5m', expr: 'sum by (job) (rate(fixture_requests_total[5m]))' }],
        },
      ],
    },
    render(ctx, values) {
      const controllers = ctx.chart('platform-controllers');
      const labels = {
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/enforce-version': 'v1.35',
      };
      new ApiObject(controllers, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels } });
      const configs = ctx.chart('platform-configs');
      new ApiObject(configs, 'pool', {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'fixture', namespace: NS },
        spec: { addresses: [`${values.address}/32`], autoAssign: false },
      });
    },
  };
}

function withFixture(address = '10.30.0.250', exempt = true): { model: Estate; cat: Catalogue } {
  const model = structuredClone(estate) as Estate;
  for (const c of model.clusters) if (c.provider === 'metal') c.platform.fixture = { address };
  return {
    model,
    cat: { platform: { ...catalogue.platform, fixture: fixtureComponent(exempt) }, apps: catalogue.apps },
  };
}

function writeTree(model: Estate, cat: Catalogue): string {
  const root = mkdtempSync(join(tmpdir(), 'extension-point-'));
  cpSync(join(repoRoot, 'flux-system'), join(root, 'flux-system'), { recursive: true });
  cpSync(join(repoRoot, '.sops.yaml'), join(root, '.sops.yaml'));
  cpSync(join(repoRoot, 'clusters'), join(root, 'clusters'), { recursive: true });
  writeRendering(root, renderEstate(model, cat));
  return root;
}

describe('a component that declares everything it adds', () => {
  it('is seen by the renderer, the dependency graph, monitoring and the derived registries', () => {
    const { model, cat } = withFixture();
    const files = renderEstate(model, cat).files;
    const sync = parse(files.get('clusters/onprem/platform-configs/fixture.yaml')!);
    expect(sync.spec.dependsOn).toContainEqual({ name: 'platform-controllers-fixture' });
    const rules = parseManifests(
      'x',
      files.get('clusters/onprem/platform-configs/monitoring/prometheusrule-aggregates.yaml')!,
    );
    const groups = (rules.docs[0]!.object.spec as { groups: { name: string }[] }).groups.map((g) => g.name);
    expect(groups).toContain('fixture.aggregates');
    const scrape = files.get('clusters/aws/platform-configs/monitoring/scrapeconfig-federate-onprem.yaml')!;
    expect(scrape).toContain('job:fixture_requests:rate5m');
    expect(imagesOf(cat).map((i) => i.name)).toContain('fixture');
    const onprem = model.clusters.find((c) => c.name === 'onprem')!;
    expect(irsaRolesOf(onprem, cat).map((r) => irsaRoleName('onprem', r))).toContain('onprem-fixture-reader');
    expect(irsaRolesOf(model.clusters.find((c) => c.name === 'aws')!, cat).map((r) => r.name)).not.toContain(
      'fixture-reader',
    );
  });

  it('passes the policy gate through its own exemption, and fails it without', () => {
    const exempt = withFixture();
    const root = writeTree(exempt.model, exempt.cat);
    const exemptInput = loadPolicyInput(root, exempt.model, chartsOf(exempt.cat));
    const allowed = runPolicy(exemptInput, allowListOf(exempt.model, exempt.cat));
    expect(allowed.violations).toEqual([]);
    expect(allowed.allowed.map((a) => a.object)).toContain(`Namespace/${NS}`);
    const strict = withFixture('10.30.0.250', false);
    const strictInput = loadPolicyInput(writeTree(strict.model, strict.cat), strict.model, chartsOf(strict.cat));
    const report = runPolicy(strictInput, allowListOf(strict.model, strict.cat));
    expect(report.violations.map((v) => `${v.rule} ${v.object}`)).toContain(`namespace-psa-restricted Namespace/${NS}`);
  });

  it('has its custom resources validated against the CRD schemas it brings', async () => {
    const { model, cat } = withFixture();
    const root = writeTree(model, cat);
    const clean = await validateTree(root, model.clusters, validationExtensionsOf(cat));
    expect(clean.problems).toEqual([]);
    const pool = join(root, 'clusters/onprem/platform-configs/fixture/ipaddresspool-fixture.yaml');
    writeFileSync(pool, readFileSync(pool, 'utf8').replace('autoAssign: false', 'autoAssign: "no"'));
    const broken = await validateTree(root, model.clusters, validationExtensionsOf(cat));
    expect(broken.problems.map((p) => `${p.object} ${p.path}`)).toEqual([
      `IPAddressPool/${NS}/fixture spec.autoAssign`,
    ]);
  });

  it('fails the model check when it asks for an address another component already takes', () => {
    const { model, cat } = withFixture('10.30.0.240');
    expect(findProblems(model, cat)).toContain(
      'cluster "onprem": field platform.monitoring.federation.endpoint.address asks for 10.30.0.240, ' +
        'which platform.fixture.address already takes',
    );
    expect(findProblems(withFixture('10.30.0.9').model, cat).join('\n')).toMatch(
      /field platform.fixture.address 10.30.0.9 is outside loadBalancerPool/,
    );
  });
});

/** Every Kustomization that waits, directly or not, on `failed`. */
function blockedBy(graph: Map<string, string[]>, failed: string): string[] {
  const blocked = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, deps] of graph) {
      if (!blocked.has(name) && deps.some((d) => d === failed || blocked.has(d))) grew = blocked.add(name) && true;
    }
  }
  return [...blocked].sort();
}

describe('the rendered Flux dependency graph', () => {
  const graphOf = (cluster: string) => {
    const files = renderEstate(estate, catalogue).files;
    const graph = new Map<string, string[]>();
    for (const [path, text] of files) {
      if (!path.startsWith(`clusters/${cluster}/`) || path.split('/').length !== 4 || !path.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(text).map((d) => d.toJS())) {
        if (doc.kind !== 'Kustomization' || !doc.apiVersion.startsWith('kustomize.toolkit.fluxcd.io')) continue;
        graph.set(
          doc.metadata.name,
          (doc.spec.dependsOn ?? []).map((d: { name: string }) => d.name),
        );
      }
    }
    return graph;
  };

  it('has one Kustomization per component and layer', () => {
    const graph = graphOf('aws');
    expect([...graph.keys()].sort()).toContain('platform-controllers-log-export');
    expect([...graph.keys()]).not.toContain('platform-controllers');
  });

  it('lets a HelmRelease that never becomes Ready block only what depends on its component', () => {
    for (const cluster of ['aws', 'onprem']) {
      const graph = graphOf(cluster);
      expect(blockedBy(graph, 'platform-controllers-log-export')).toEqual(['platform-configs-log-export']);
      expect(blockedBy(graph, 'platform-controllers-metrics')).toEqual([]);
      expect(blockedBy(graph, 'apps-task-tracker')).toEqual([]);
    }
  });

  it('makes every user of the monitoring CRDs wait for the monitoring controllers', () => {
    const graph = graphOf('onprem');
    for (const name of ['apps-task-tracker', 'platform-configs-gateway', 'platform-configs-log-export']) {
      expect(graph.get(name), name).toContain('platform-controllers-monitoring');
    }
  });

  it('is committed as a mermaid diagram beside each cluster', () => {
    for (const cluster of estate.clusters) {
      const text = readFileSync(join(repoRoot, 'clusters', cluster.name, 'flux-dependencies.md'), 'utf8');
      expect(text).toContain('```mermaid');
      expect(text).toContain('"apps-task-tracker"');
    }
  });

  it('rejects a component whose objects use the CRDs of its own layer', () => {
    const { model, cat } = withFixture();
    const early: Component<FixtureValues> = {
      ...fixtureComponent(),
      render(ctx, values) {
        fixtureComponent().render(ctx, values);
        new ApiObject(ctx.chart('platform-controllers'), 'early', {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'L2Advertisement',
          metadata: { name: 'early', namespace: NS },
          spec: {},
        });
      },
    };
    expect(() => renderEstate(model, { ...cat, platform: { ...cat.platform, fixture: early } })).toThrow(
      'cluster "onprem": component fixture (platform-controllers): L2Advertisement early uses the CRDs of metallb.io in the layer that installs them',
    );
  });
});

describe('the habits npm test enforces', () => {
  const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'habits-'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' } }),
    );
    cpSync(join(repoRoot, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    return dir;
  };
  const put = (dir: string, file: string, text: string) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const cruise = (dir: string, folders = ['generators', 'platform']) =>
    spawnSync(bin('depcruise'), [...folders, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd: dir,
      encoding: 'utf8',
    });

  it('fails on a core module that imports a component, and passes without it', () => {
    const dir = scratch();
    put(dir, 'platform/web/index.ts', 'export const web = 1;\n');
    put(dir, 'generators/render.ts', "import { web } from '../platform/web/index';\nexport const x = web;\n");
    const bad = cruise(dir);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('core-imports-no-component');
    put(dir, 'generators/render.ts', 'export const x = 1;\n');
    expect(cruise(dir).status).toBe(0);
  });

  it('fails on a dependency cycle, type-only imports included', () => {
    const dir = scratch();
    put(dir, 'generators/a.ts', "import type { B } from './b';\nexport type A = { b?: B };\n");
    put(dir, 'generators/b.ts', "import type { A } from './a';\nexport type B = { a?: A };\n");
    const result = cruise(dir, ['generators']);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('no-cycles');
  });

  it('fails on an unformatted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'format-'));
    cpSync(join(repoRoot, 'biome.json'), join(dir, 'biome.json'));
    const config = JSON.parse(readFileSync(join(dir, 'biome.json'), 'utf8'));
    config.vcs = { enabled: false };
    writeFileSync(join(dir, 'biome.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileSync(join(dir, 'bad.ts'), 'export const a = {b:1,\n  c : 2}\n');
    const bad = spawnSync(bin('biome'), ['format', 'bad.ts'], { cwd: dir, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    writeFileSync(join(dir, 'bad.ts'), 'export const a = { b: 1, c: 2 };\n');
    expect(spawnSync(bin('biome'), ['format', 'bad.ts'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
  });
});
