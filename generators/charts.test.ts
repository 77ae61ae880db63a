// renderCharts on its own: bad declarations and HelmReleases fail closed naming the field, and the cache of Helm's
// output follows the values.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCharts, unmatchedCharts, type DeclaredChart } from './charts';
import { chartsOf } from './registries';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import { loadManifests, type ManifestDoc } from './manifests';
import { repoRoot } from './repo';
import { versions } from './versions';

const METALLB = 'clusters/onprem/platform-controllers/load-balancing/helmrelease-metallb.yaml';
const charts = (): readonly DeclaredChart[] => chartsOf(catalogue);

describe('renderCharts', () => {
  const { docs } = loadManifests(repoRoot);
  const metallb = charts().filter((c) => c.chart.release === 'metallb');
  const withRelease = (change: (spec: Record<string, any>) => void): ManifestDoc[] =>
    docs.map((d) => {
      if (d.file !== METALLB) return d;
      const object = structuredClone(d.object);
      change(object.spec as Record<string, any>);
      return { ...d, object };
    });
  const problems = (input: ManifestDoc[], cache = mkdtempSync(join(tmpdir(), 'chart-cache-'))) =>
    renderCharts(input, metallb, estate.clusters, cache).problems.map(
      (p) => `${p.file} ${p.object} ${p.field}: ${p.message}`,
    );

  it('reuses the cached output until the values change', () => {
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    const kinds = (input: ManifestDoc[]) =>
      renderCharts(input, metallb, estate.clusters, cache).docs.map((d) => d.object.kind);
    expect(kinds(docs)).toContain('DaemonSet');
    const [cached] = readdirSync(cache);
    // A marker only the cache can hold: a second render that shows it read the cache instead of running Helm.
    writeFileSync(join(cache, cached!), 'apiVersion: v1\nkind: CacheMarker\n');
    expect(kinds(docs)).toEqual(['CacheMarker']);
    expect(kinds(withRelease((spec) => (spec.values.speaker.resources.limits.memory = '256Mi')))).toContain(
      'DaemonSet',
    );
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it('refuses a chart whose Chart.yaml is not the version the HelmRelease pins, even with a warm cache', () => {
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    expect(problems(docs, cache)).toEqual([]);
    expect(
      problems(
        withRelease((spec) => (spec.chart.spec.version = '0.15.1')),
        cache,
      ),
    ).toEqual([
      `${METALLB} HelmRelease/load-balancing/metallb spec.chart.spec: chart metallb 0.15.1 from ` +
        `go.universe.tf/metallb@v${versions.metallb}: pins chart metallb 0.15.1, but ` +
        `go.universe.tf/metallb@v${versions.metallb} charts/metallb holds metallb ${versions.metallb}: ` +
        "move the component's charts entry to the module version that ships it",
    ]);
  });

  it('refuses a HelmRelease whose values come from elsewhere', () => {
    const input = withRelease((spec) => (spec.valuesFrom = [{ kind: 'ConfigMap', name: 'extra' }]));
    expect(problems(input)).toEqual([
      expect.stringContaining(`${METALLB} HelmRelease/load-balancing/metallb spec.valuesFrom: `),
    ]);
  });

  it('names a declared chart that no HelmRelease matches', () => {
    const renamed: DeclaredChart[] = [
      { component: 'load-balancing', chart: { ...metallb[0]!.chart, release: 'metal-lb' } },
    ];
    expect(unmatchedCharts(docs, renamed).map((p) => `${p.file} ${p.object}: ${p.message}`)).toEqual([
      'component load-balancing HelmRelease metal-lb: declares chart charts/metallb of go.universe.tf/metallb for ' +
        'HelmRelease "metal-lb", which no cluster renders',
    ]);
    expect(unmatchedCharts(docs, charts())).toEqual([]);
  });

  it('builds Helm from the version versions.ts pins', () => {
    expect(readFileSync(join(repoRoot, 'generators/helm/go.mod'), 'utf8')).toMatch(
      new RegExp(`^require helm\\.sh/helm/v3 v${versions.helm}$`, 'm'),
    );
  });
});
