// Defect 10 of issue 23: the gates saw our HelmReleases but never the pods their charts create. The charts that ship
// in pinned Go modules are now rendered with `helm template` (generators/charts.ts) and checked by both gates: the
// committed output passes, and a values change that breaks a rule fails the gate at the object the chart renders.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { DeclaredChart } from './charts';
import { catalogue } from './estate/catalogue';
import { estate } from './estate/clusters';
import { allowListOf } from './policy/allow-list';
import { formatReport, loadPolicyInput, runPolicy } from './policy/gate';
import { validationExtensionsOf } from './registries';
import { repoRoot } from './repo';
import { validateTree } from './validate/validate';
import { versions } from './versions';

const METALLB = 'clusters/onprem/platform-controllers/load-balancing/helmrelease-metallb.yaml';
const LOCAL_PATH = 'clusters/onprem/platform-controllers/storage/helmrelease-local-path-provisioner.yaml';
const SPEAKER = 'DaemonSet/load-balancing/metallb-speaker';
// Read through validationExtensionsOf, which the gates had before charts existed, so the regression test below runs
// (and fails) on the old code too.
const charts = (): readonly DeclaredChart[] => validationExtensionsOf(catalogue).charts;

/** A copy of the committed tree in which `change` edits the values of the HelmRelease in `file`. */
function treeWithValues(file: string, change: (values: Record<string, any>) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'charts-'));
  for (const path of ['clusters', 'flux-system', '.sops.yaml'])
    cpSync(join(repoRoot, path), join(root, path), { recursive: true });
  const release = parse(readFileSync(join(root, file), 'utf8'));
  change(release.spec.values);
  writeFileSync(join(root, file), stringify(release));
  return root;
}

function policyLines(root: string): string[] {
  const report = runPolicy(loadPolicyInput(root, estate, charts()), allowListOf(estate, catalogue));
  return report.violations.map((v) => `${v.rule} ${v.file} ${v.object} ${v.field}`);
}

async function validationLines(root: string): Promise<string[]> {
  const report = await validateTree(root, estate.clusters, validationExtensionsOf(catalogue));
  return report.problems.map((p) => `${p.file} ${p.object} ${p.path}: ${p.message}`);
}

describe('charts rendered for the gates', () => {
  it('defect 10: chart-rendered pods are visible to the gates', async () => {
    const report = runPolicy(loadPolicyInput(repoRoot, estate, charts()), allowListOf(estate, catalogue));
    expect(report.violations, formatReport(report)).toEqual([]);
    expect(report.allowed.map((a) => `${a.rule} ${a.file} ${a.object}`)).toContain(
      `no-host-network ${METALLB} (chart metallb ${versions.metallb}) ${SPEAKER}`,
    );
    const validation = await validateTree(repoRoot, estate.clusters, validationExtensionsOf(catalogue));
    const onprem = validation.summaries.find((s) => s.group === 'onprem')!;
    // The webhooks: MetalLB's chart-rendered one and CloudNativePG's from its release manifest.
    expect(Object.fromEntries(onprem.byKind)).toMatchObject({ DaemonSet: 1, ValidatingWebhookConfiguration: 2 });
  });

  it.each([
    [
      'an image tagged latest',
      METALLB,
      'metallb',
      (v: any) => (v.controller.image = { ...v.controller.image, tag: 'latest' }),
      'image-pinned',
      'Deployment/load-balancing/metallb-controller',
    ],
    [
      'a privileged container',
      LOCAL_PATH,
      'local-path-provisioner',
      (v: any) => (v.securityContext.privileged = true),
      'no-privileged',
      'Deployment/storage/local-path-provisioner',
    ],
    [
      'a missing memory limit',
      LOCAL_PATH,
      'local-path-provisioner',
      (v: any) => delete v.resources.limits,
      'resources',
      'Deployment/storage/local-path-provisioner',
    ],
  ])(
    'fails the policy gate on %s in a chart, at the object the chart renders',
    (_, file, chart, change, rule, object) => {
      const version = chart === 'metallb' ? versions.metallb : versions.localPathProvisioner;
      expect(policyLines(treeWithValues(file, change))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${rule} ${file} \\(chart ${chart} ${version}\\) ${object} spec\\.template\\.spec\\.containers\\[0\\]\\.`,
          ),
        ),
      ]);
    },
  );

  it("fails validation on values the chart's schema refuses, and on a chart object Kubernetes' refuses", async () => {
    const schema = await validationLines(treeWithValues(METALLB, (v) => (v.speaker.frr.enabled = 'no')));
    expect(schema).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${METALLB} HelmRelease/load-balancing/metallb spec\\.values: chart metallb ${versions.metallb} ` +
            '.*helm template failed: .*speaker.*frr.*enabled',
        ),
      ),
    ]);
    const object = await validationLines(treeWithValues(LOCAL_PATH, (v) => (v.replicaCount = 'two')));
    expect(object).toEqual([
      `${LOCAL_PATH} (chart local-path-provisioner ${versions.localPathProvisioner}) ` +
        'Deployment/storage/local-path-provisioner spec.replicas: got string, want integer',
    ]);
  });

  it('validates custom resources against the CRDs a chart renders', async () => {
    const root = treeWithValues(METALLB, () => undefined);
    const pool = join(root, 'clusters/onprem/platform-configs/load-balancing/ipaddresspool-node-network.yaml');
    writeFileSync(pool, readFileSync(pool, 'utf8').replace('autoAssign: false', 'autoAssign: "no"'));
    // Without MetalLB's own CRD source the IPAddressPool's schema can only come from the chart's CRDs.
    const all = validationExtensionsOf(catalogue);
    const extensions = {
      ...all,
      crdSources: all.crdSources.filter((s) => !('module' in s && s.module === 'go.universe.tf/metallb')),
    };
    const problems = (await validateTree(root, estate.clusters, extensions)).problems.map(
      (p) => `${p.object} ${p.path}`,
    );
    expect(problems).toEqual(['IPAddressPool/load-balancing/node-network spec.autoAssign']);
  });
});
