import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { kustomization, toYaml } from '../layout';
import { chartsOf, everyComponent } from '../registries';
import { repoRoot } from '../repo';
import { chartRenderings, patchCommitStatus, readTree, replaceCharts, undeclaredChanges } from './deviations';
import { parseCgi } from './git-server';

const dir = 'clusters/c/platform-controllers/x';
const release = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'x', namespace: 'x' },
  spec: { chart: { spec: { chart: 'x', sourceRef: { kind: 'HelmRepository', name: 'repo', namespace: 'x' } } } },
};
const repo = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
  metadata: { name: 'repo', namespace: 'x' },
  spec: {},
};
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'x' }, data: { a: '1' } };
const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'xs.x.io' } };
const fluxKustomization = (timeout: string, path = './x') => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'platform-controllers-x', namespace: 'flux-system' },
  spec: { timeout, path, wait: true },
});

const before = new Map([
  [`${dir}/helmrelease-x.yaml`, toYaml([release])],
  [`${dir}/helmrepository-repo.yaml`, toYaml([repo])],
  [`${dir}/configmap-cm.yaml`, toYaml([configMap])],
  [`${dir}/kustomization.yaml`, kustomization(['configmap-cm.yaml', 'helmrelease-x.yaml', 'helmrepository-repo.yaml'])],
  ['clusters/c/platform-controllers/x.yaml', toYaml([fluxKustomization('15m')])],
]);
const served = () =>
  new Map([
    [`${dir}/configmap-cm.yaml`, toYaml([configMap])],
    [`${dir}/crds-x.yaml`, toYaml([crd])],
    [`${dir}/kustomization.yaml`, kustomization(['configmap-cm.yaml', 'crds-x.yaml'])],
    ['clusters/c/platform-controllers/x.yaml', toYaml([fluxKustomization('90s')])],
  ]);

describe('undeclaredChanges', () => {
  it('accepts a chart replaced by its CRDs and shorter timeouts', () => {
    expect(undeclaredChanges(before, served())).toEqual([]);
  });

  it('refuses a removed object that is not a chart', () => {
    const after = served();
    after.delete(`${dir}/configmap-cm.yaml`);
    after.set(`${dir}/kustomization.yaml`, kustomization(['crds-x.yaml']));
    expect(undeclaredChanges(before, after)).toEqual([
      `${dir}/configmap-cm.yaml: ConfigMap/x/cm was removed, but it is neither a HelmRelease, its chart source nor a webhook`,
    ]);
  });

  it('accepts a removed webhook configuration, whose pods kwok only pretends to run', () => {
    const webhook = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'x-validating' },
      webhooks: [],
    };
    const withWebhook = new Map(before);
    withWebhook.set(`${dir}/validatingwebhookconfiguration-x.yaml`, toYaml([webhook]));
    withWebhook.set(
      `${dir}/kustomization.yaml`,
      kustomization([
        'configmap-cm.yaml',
        'helmrelease-x.yaml',
        'helmrepository-repo.yaml',
        'validatingwebhookconfiguration-x.yaml',
      ]),
    );
    expect(undeclaredChanges(withWebhook, served())).toEqual([]);
  });

  it('refuses a resources list that drops a file still served', () => {
    const after = served();
    after.set(`${dir}/kustomization.yaml`, kustomization(['crds-x.yaml']));
    expect(undeclaredChanges(before, after)).toEqual([
      `${dir}/kustomization.yaml: resources changed beyond the removed chart files and the added files`,
    ]);
  });

  it('refuses an added object that is not a CRD', () => {
    const after = served();
    after.set(`${dir}/crds-x.yaml`, toYaml([crd, configMap]));
    expect(undeclaredChanges(before, after)).toEqual([
      `${dir}/crds-x.yaml: ConfigMap/x/cm was added, but only CRDs and a chart's rendering may be`,
    ]);
  });

  it('refuses a change beyond the declared fields', () => {
    const after = served();
    after.set(`${dir}/configmap-cm.yaml`, toYaml([{ ...configMap, data: { a: '2' } }]));
    after.set('clusters/c/platform-controllers/x.yaml', toYaml([fluxKustomization('90s', './elsewhere')]));
    expect(undeclaredChanges(before, after)).toEqual([
      `${dir}/configmap-cm.yaml: ConfigMap/x/cm changed beyond the declared deviations`,
      'clusters/c/platform-controllers/x.yaml: Kustomization/flux-system/platform-controllers-x changed beyond the ' +
        'declared deviations',
    ]);
  });
});

describe('undeclaredChanges, a chart rendered from its module', () => {
  const rendered = `${dir}/helmrelease-x.rendered.yaml`;
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'x' }, spec: {} };
  const webhook = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'x' },
    webhooks: [],
  };
  const charts = new Map([[rendered, [crd, deployment, webhook]]]);
  const servedRendering = () =>
    new Map([
      [`${dir}/configmap-cm.yaml`, toYaml([configMap])],
      [rendered, toYaml([crd, deployment])],
      [`${dir}/kustomization.yaml`, kustomization(['configmap-cm.yaml', 'helmrelease-x.rendered.yaml'])],
      ['clusters/c/platform-controllers/x.yaml', toYaml([fluxKustomization('90s')])],
    ]);
  const differs = `${rendered}: differs from what helm template renders for its HelmRelease, less the webhooks`;

  it('accepts the rendering, less its webhooks, in place of the HelmRelease and its chart source', () => {
    expect(undeclaredChanges(before, servedRendering(), charts)).toEqual([]);
  });

  it('refuses a rendering that differs from what helm template rendered', () => {
    const after = servedRendering();
    after.set(rendered, toYaml([crd, { ...deployment, spec: { replicas: 2 } }]));
    expect(undeclaredChanges(before, after, charts)).toEqual([differs]);
  });

  it('refuses a rendering that keeps the webhooks', () => {
    const after = servedRendering();
    after.set(rendered, toYaml([crd, deployment, webhook]));
    expect(undeclaredChanges(before, after, charts)).toEqual([differs]);
  });

  it('refuses a HelmRelease served beside its rendering', () => {
    const after = servedRendering();
    after.set(`${dir}/helmrelease-x.yaml`, before.get(`${dir}/helmrelease-x.yaml`)!);
    after.set(
      `${dir}/kustomization.yaml`,
      kustomization(['configmap-cm.yaml', 'helmrelease-x.rendered.yaml', 'helmrelease-x.yaml']),
    );
    expect(undeclaredChanges(before, after, charts)).toEqual([
      `${dir}/helmrepository-repo.yaml: HelmRepository/x/repo was removed, but it is neither a HelmRelease, its ` +
        'chart source nor a webhook',
      `${dir}/helmrelease-x.yaml: the HelmRelease is served beside the chart it renders`,
    ]);
  });

  it('refuses a rendered chart that is not served', () => {
    const after = servedRendering();
    after.delete(rendered);
    after.set(`${dir}/kustomization.yaml`, kustomization(['configmap-cm.yaml']));
    expect(undeclaredChanges(before, after, charts)).toEqual([
      `${rendered}: the chart its HelmRelease renders is not served`,
    ]);
  });
});

describe('chartRenderings and replaceCharts, MetalLB rendered by Helm from go.universe.tf/metallb', () => {
  const folder = 'clusters/onprem/platform-controllers/load-balancing';
  const release = `${folder}/helmrelease-metallb.yaml`;
  const renderedFile = `${folder}/helmrelease-metallb.rendered.yaml`;
  const crdSources = Object.fromEntries(everyComponent(catalogue).map((c) => [c.name, c.crds?.sources ?? []]));

  it('serves the chart less its webhooks, its CRDs once, and nothing undeclared', { timeout: 180_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'deviations-'));
    cpSync(join(repoRoot, folder), join(root, folder), { recursive: true });
    const tree = readTree(root, 'onprem');
    const charts = chartRenderings(tree, chartsOf(catalogue), estate.clusters);
    expect([...charts.keys()]).toEqual([renderedFile]);
    expect(charts.get(renderedFile)!.map((o) => o.kind)).toContain('ValidatingWebhookConfiguration');

    expect(replaceCharts(root, 'onprem', crdSources, charts).added).toEqual([renderedFile]);
    const served = parseAllDocuments(readFileSync(join(root, renderedFile), 'utf8')).map((d) => d.toJS());
    const refs = served.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(refs).toEqual(
      expect.arrayContaining([
        'Deployment/load-balancing/metallb-controller',
        'DaemonSet/load-balancing/metallb-speaker',
        'CustomResourceDefinition//ipaddresspools.metallb.io',
        'CustomResourceDefinition//l2advertisements.metallb.io',
      ]),
    );
    expect(refs.filter((r) => r.includes('WebhookConfiguration/'))).toEqual([]);
    expect(readFileSync(join(root, folder, 'kustomization.yaml'), 'utf8')).toContain(
      'helmrelease-metallb.rendered.yaml',
    );
    expect(existsSync(join(root, folder, 'crds-metallb.yaml'))).toBe(false);
    expect(undeclaredChanges(tree, readTree(root, 'onprem'), charts)).toEqual([]);
  });

  it('names the file, the HelmRelease and the field of a chart version its module does not ship', () => {
    const text = readFileSync(join(repoRoot, release), 'utf8').replace(
      /^ {6}version: 0\.15\.2$/m,
      '      version: 0.0.1',
    );
    expect(() => chartRenderings(new Map([[release, text]]), chartsOf(catalogue), estate.clusters)).toThrow(
      `${release}: HelmRelease/load-balancing/metallb spec.chart.spec: chart metallb 0.0.1 from go.universe.tf/metallb`,
    );
  });
});

describe('parseCgi', () => {
  it('reads the status, the headers and the body', () => {
    const out = parseCgi(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope'));
    expect(out).toMatchObject({ status: 404, headers: [['Content-Type', 'text/plain']] });
    expect(out.body.toString()).toBe('nope');
  });

  it('refuses output without a header block', () => {
    expect(() => parseCgi(Buffer.from('no headers'))).toThrow(/without a header block/);
  });
});

describe('replaceCharts', () => {
  it('drops a webhook configuration without adding CRDs its folder already has (a release manifest, not a chart)', () => {
    const root = mkdtempSync(join(tmpdir(), 'deviations-'));
    const folder = join(root, 'clusters/c/platform-controllers/op');
    mkdirSync(folder, { recursive: true });
    const webhook = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' };
    writeFileSync(join(folder, 'vwc.yaml'), toYaml([{ ...webhook, metadata: { name: 'op' }, webhooks: [] }]));
    writeFileSync(join(folder, 'crd.yaml'), toYaml([crd]));
    writeFileSync(join(folder, 'kustomization.yaml'), kustomization(['crd.yaml', 'vwc.yaml']));
    // Were the CRDs of `op` added, this source would have to be downloaded, and the test would fail.
    const sources = { op: [{ module: 'example.invalid/none', version: '0.0.0', dir: 'crds' }] };
    expect(replaceCharts(root, 'c', sources)).toEqual({
      removed: ['clusters/c/platform-controllers/op/vwc.yaml'],
      added: [],
    });
    expect(existsSync(join(folder, 'vwc.yaml'))).toBe(false);
    expect(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')).toBe(kustomization(['crd.yaml']));
  });
});

describe('the commit-status Provider (deviation 6)', () => {
  const file = 'clusters/c/platform-configs/f/provider-commit-status.yaml';
  const provider = (address: string, type = 'github') => ({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: 'commit-status', namespace: 'flux-system' },
    spec: { type, address, secretRef: { name: 'commit-status-token' } },
  });
  const rendered = new Map([[file, toYaml([provider('https://github.com/acme/estate')])]]);
  const served = (address: string, type = 'github') => new Map([[file, toYaml([provider(address, type)])]]);

  it('points the address at the GitHub stand-in, keeping the repository, and undeclaredChanges accepts that', () => {
    const root = mkdtempSync(join(tmpdir(), 'deviations-'));
    mkdirSync(join(root, 'clusters/c/platform-configs/f'), { recursive: true });
    writeFileSync(join(root, file), rendered.get(file)!);
    patchCommitStatus(root, 'c', 'http://127.0.0.1:4242');
    const after = new Map([[file, readFileSync(join(root, file), 'utf8')]]);
    expect(after).toEqual(served('http://127.0.0.1:4242/acme/estate'));
    expect(undeclaredChanges(rendered, after)).toEqual([]);
  });

  it('refuses another repository, and an address change on a Provider that posts no commit status', () => {
    const changed = `${file}: Provider/flux-system/commit-status changed beyond the declared deviations`;
    expect(undeclaredChanges(rendered, served('http://127.0.0.1:4242/acme/other'))).toEqual([changed]);
    const slack = new Map([[file, toYaml([provider('https://github.com/acme/estate', 'slack')])]]);
    expect(undeclaredChanges(slack, served('http://127.0.0.1:4242/acme/estate', 'slack'))).toEqual([changed]);
  });

  it('names the Provider whose address is no URL', () => {
    expect(() => undeclaredChanges(served('not a url'), served('http://127.0.0.1:4242/acme/estate'))).toThrow(
      'Provider/flux-system/commit-status spec.address: "not a url" is not a URL',
    );
  });
});
