// Flux's feedback on the real model: the notification objects against the pinned notification-controller CRDs, the
// kube-state-metrics values in the monitoring release, the values checks and the gates.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import { repositoryWebUrl } from '../../generators/flux';
import { allowListOf } from '../../generators/policy/allow-list';
import { loadPolicyInput, runPolicy } from '../../generators/policy/gate';
import { chartsOf, validationExtensionsOf } from '../../generators/registries';
import { repoRoot } from '../../generators/repo';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { validateTree } from '../../generators/validate/validate';
import { RESOURCE_INFO } from './api';
import { validateFluxFeedback } from './values';

const docs = componentDocs('flux-feedback');
const find = (cluster: string, kind: string, name: string) =>
  docs.find((d) => d.cluster === cluster && d.object.kind === kind && d.object.metadata?.name === name)?.object as any;
const [aws, onprem] = estate.clusters;

describe('notification objects', () => {
  it.each(['aws', 'onprem'])('post a commit status per Kustomization named after cluster %s', (cluster) => {
    const provider = find(cluster, 'Provider', 'commit-status');
    expect(provider.spec).toEqual({
      type: 'github',
      address: 'https://github.com/acme/hybrid-gitops-platform',
      secretRef: { name: 'commit-status-token' },
      commitStatusExpr: `'${cluster}/' + event.involvedObject.name`,
    });
    expect(find(cluster, 'Alert', 'commit-status').spec.eventSources).toEqual([{ kind: 'Kustomization', name: '*' }]);
  });

  it('send failures to the cluster Alertmanager, labelled with the cluster, through a NetworkPolicy', () => {
    expect(find('onprem', 'Provider', 'alertmanager').spec.address).toBe(
      'http://alertmanager-operated.monitoring.svc:9093/api/v2/alerts',
    );
    expect(find('onprem', 'Alert', 'reconciliation-failures').spec).toMatchObject({
      eventSeverity: 'error',
      eventMetadata: { cluster: 'onprem' },
    });
    const policy = find('onprem', 'NetworkPolicy', 'allow-alertmanager-from-flux-notifications');
    expect(policy.metadata.namespace).toBe('monitoring');
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9093 }]);
  });

  it("expose the push Receiver's /hook/ paths on the cluster's Gateway, its token in a SOPS Secret", () => {
    expect(find('aws', 'Receiver', 'github-push').spec.secretRef).toEqual({ name: 'webhook-receiver-token' });
    const route = find('aws', 'HTTPRoute', 'github-push');
    expect(route.spec.hostnames).toEqual(['flux-webhook.aws.acme.example']);
    expect(route.spec.parentRefs).toMatchObject([{ kind: 'Gateway', sectionName: 'https-flux-webhook' }]);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/hook/' } }],
        backendRefs: [{ name: 'webhook-receiver', port: 80 }],
      },
    ]);
    for (const name of ['webhook-receiver-token', 'commit-status-token']) {
      const file = join(repoRoot, `clusters/aws/platform-configs/flux-feedback/secret-${name}.sops.yaml`);
      expect(readFileSync(file, 'utf8')).toMatch(/token: ENC\[AES256_GCM/);
    }
  });

  it('derive the web address of ssh and https repository URLs, and name a URL they cannot read', () => {
    expect(repositoryWebUrl({ url: 'ssh://git@github.com/acme/x.git' })).toBe('https://github.com/acme/x');
    expect(repositoryWebUrl({ url: 'https://github.com/acme/x' })).toBe('https://github.com/acme/x');
    expect(() => repositoryWebUrl({ url: 'file:///srv/x' })).toThrow(/estate.repository.url.*file:\/\/\/srv\/x/);
  });
});

describe('validation against the pinned notification-controller CRDs', () => {
  const root = mkdtempSync(join(tmpdir(), 'flux-feedback-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ['clusters', 'flux-system']) cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
  const extensions = validationExtensionsOf(catalogue);

  it('accepts the rendered objects and rejects a Provider type the CRD does not know', async () => {
    const clean = await validateTree(root, estate.clusters, extensions);
    expect(clean.problems.filter((p) => p.file.includes('/flux-feedback/'))).toEqual([]);
    const file = join(root, 'clusters/aws/platform-configs/flux-feedback/provider-commit-status.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('type: github', 'type: githubb'));
    const broken = await validateTree(root, estate.clusters, extensions);
    expect(broken.problems.map((p) => `${p.file} ${p.object} ${p.path}`)).toEqual([
      'clusters/aws/platform-configs/flux-feedback/provider-commit-status.yaml Provider/flux-system/commit-status spec.type',
    ]);
  });
});

describe('the policy gate on the committed tree', () => {
  it('names the cluster whose commit-status Provider is gone', () => {
    const input = loadPolicyInput(repoRoot, estate, chartsOf(catalogue));
    input.docs = input.docs.filter((d) => !(d.cluster === 'onprem' && d.object.kind === 'Provider'));
    const violations = runPolicy(input, allowListOf(estate, catalogue)).violations;
    expect(violations.map((v) => `${v.rule} ${v.clusters} ${v.file} ${v.object}`)).toEqual([
      'flux-commit-status onprem clusters/onprem/kustomization.yaml Alert/flux-system/*',
      'flux-failure-alert onprem clusters/onprem/kustomization.yaml Alert/flux-system/*',
    ]);
  });
});

describe('kube-state-metrics', () => {
  it.each(['aws', 'onprem'])('reports the Flux kinds on %s, with list/watch on them only', (cluster) => {
    const release = componentDocs('monitoring').find((d) => d.cluster === cluster && d.object.kind === 'HelmRelease')
      ?.object as any;
    const ksm = release.spec.values['kube-state-metrics'];
    expect(ksm.rbac.extraRules).toHaveLength(1);
    expect(ksm.rbac.extraRules[0].verbs).toEqual(['list', 'watch']);
    const kinds = ksm.customResourceState.config.spec.resources.map(
      (r: any) => `${r.groupVersionKind.kind}/${r.groupVersionKind.version}`,
    );
    expect(kinds).toEqual([
      'Kustomization/v1',
      'HelmRelease/v2',
      'GitRepository/v1',
      'HelmRepository/v1',
      'HelmChart/v1',
      'OCIRepository/v1',
      'Bucket/v1',
    ]);
    expect(`${ksm.customResourceState.config.spec.resources[0].metricNamePrefix}_resource_info`).toBe(RESOURCE_INFO);
  });
});

describe('values', () => {
  it('accept the model and name the field of a bad host name or listener', () => {
    const listener = 'flux-webhook';
    expect(validateFluxFeedback({ receiverHostname: 'flux-webhook.aws.acme.example', listener }, aws!)).toEqual([]);
    expect(validateFluxFeedback({ receiverHostname: 'flux-webhook.aws.acme.example', listener }, onprem!)).toEqual([
      {
        field: 'receiverHostname',
        message: '"flux-webhook.aws.acme.example" is not under the cluster\'s domain onprem.acme.internal',
      },
    ]);
    expect(validateFluxFeedback({ receiverHostname: 'Not A Host', listener }, aws!)[0]?.field).toBe('receiverHostname');
    expect(
      validateFluxFeedback({ receiverHostname: 'flux-webhook.aws.acme.example', listener: 'Web Hook' }, aws!),
    ).toEqual([{ field: 'listener', message: 'must name a Gateway listener, got "Web Hook"' }]);
    const bare = { ...aws!, platform: {} };
    expect(validateFluxFeedback({ receiverHostname: 'flux-webhook.aws.acme.example', listener }, bare)).toEqual([
      { field: 'receiverHostname', message: 'needs the gateway component, which exposes the receiver' },
    ]);
  });
});

describe('gates', () => {
  it('finds the committed files current, within policy and valid', async () => {
    expect(await gateProblems('flux-feedback')).toEqual({ drift: [], policy: [], validate: [] });
  });
});
