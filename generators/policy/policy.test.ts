import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { estate } from '../estate/clusters';
import { parseManifests } from '../manifests';
import { creationRule } from '../secrets/sops';
import type { AllowEntry as Exemption } from './allow-list';
import { formatReport, runPolicy, type PolicyInput } from './gate';
import type { RuleId } from './rules';

const [aws, onprem] = estate.clusters as [(typeof estate.clusters)[0], (typeof estate.clusters)[0]];
const SHOP = 'clusters/aws/apps/shop';
const ENC = (data: string) => `ENC[AES256_GCM,data:${data},iv:AAAA,tag:BBBB==,type:str]`;
const labels = { 'app.kubernetes.io/name': 'web' };

/** A small, compliant repository: every negative test below breaks exactly one thing in it. */
function fixture() {
  const container = {
    name: 'web',
    image: 'registry.example/shop/web:1.4.2',
    imagePullPolicy: 'IfNotPresent',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    } as Record<string, any>,
  };
  const podSpec = {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } } as Record<
      string,
      any
    >,
    containers: [container],
  } as Record<string, any>;
  const objects: Record<string, any> = {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    denyAll: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    allowDns: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
    },
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
    },
    pdb: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    helmRelease: {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'cache', namespace: 'shop' },
      spec: {
        chart: { spec: { chart: 'valkey', version: '3.0.1', sourceRef: { kind: 'HelmRepository', name: 'charts' } } },
        install: { remediation: { retries: 3 } },
        upgrade: { remediation: { retries: 3 } },
      },
    },
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop' },
      type: 'Opaque',
      data: { password: ENC('c2VjcmV0') },
      sops: {
        age: [{ recipient: aws.flux.ageRecipient, enc: 'age-encrypted data key' }],
        mac: ENC('mac'),
        encrypted_regex: '^(data|stringData)$',
        version: '3.13.3',
      },
    },
    kustomization: {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['deployment-web.yaml', 'secret-db.sops.yaml'],
    },
    fluxApps: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', namespace: 'flux-system' },
      spec: {
        path: './clusters/aws/apps',
        prune: true,
        decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
      },
    },
  };
  const notifications = (cluster: typeof aws) => {
    const dir = `clusters/${cluster.name}/platform-configs/flux-feedback`;
    const meta = (name: string) => ({ name, namespace: 'flux-system' });
    const api = 'notification.toolkit.fluxcd.io/v1beta3';
    const alert = (name: string, provider: string) => ({
      apiVersion: api,
      kind: 'Alert',
      metadata: meta(name),
      spec: { providerRef: { name: provider }, eventSources: [{ kind: 'Kustomization', name: '*' }] },
    });
    return {
      [`${cluster.name}CommitStatus`]: {
        file: `${dir}/provider-commit-status.yaml`,
        object: {
          apiVersion: api,
          kind: 'Provider',
          metadata: meta('commit-status'),
          spec: { type: 'github', address: 'https://github.com/acme/hybrid-gitops-platform' },
        },
      },
      [`${cluster.name}CommitStatusAlert`]: {
        file: `${dir}/alert-commit-status.yaml`,
        object: alert('commit-status', 'commit-status'),
      },
      [`${cluster.name}Alertmanager`]: {
        file: `${dir}/provider-alertmanager.yaml`,
        object: { apiVersion: api, kind: 'Provider', metadata: meta('alertmanager'), spec: { type: 'alertmanager' } },
      },
      [`${cluster.name}FailureAlert`]: {
        file: `${dir}/alert-failures.yaml`,
        object: alert('failures', 'alertmanager'),
      },
    };
  };
  const notified = { ...notifications(aws), ...notifications(onprem) };
  for (const [key, { object }] of Object.entries(notified)) objects[key] = object;
  const files: Record<string, string> = {
    ...Object.fromEntries(Object.entries(notified).map(([key, { file }]) => [key, file])),
    namespace: `${SHOP}/namespace-shop.yaml`,
    denyAll: `${SHOP}/networkpolicy-default-deny.yaml`,
    allowDns: `${SHOP}/networkpolicy-allow-dns.yaml`,
    deployment: `${SHOP}/deployment-web.yaml`,
    pdb: `${SHOP}/poddisruptionbudget-web.yaml`,
    helmRelease: `${SHOP}/helmrelease-cache.yaml`,
    secret: `${SHOP}/secret-db.sops.yaml`,
    kustomization: `${SHOP}/kustomization.yaml`,
    fluxApps: 'clusters/aws/apps.yaml',
  };
  const sopsConfig = { creation_rules: [creationRule(aws), creationRule(onprem)] };
  return { container, podSpec, objects, files, sopsConfig };
}

type Fixture = ReturnType<typeof fixture>;

function input(f: Fixture): PolicyInput {
  const docs = Object.entries(f.objects).flatMap(
    ([key, object]) => parseManifests(f.files[key]!, stringify(object)).docs,
  );
  return {
    estate,
    docs,
    parseErrors: [],
    chartProblems: [],
    files: new Set(docs.map((d) => d.file)),
    sopsConfig: stringify(f.sopsConfig),
    missing: [],
  };
}

function ruleIds(f: Fixture, allowList: Exemption[] = []): string[] {
  return [...new Set(runPolicy(input(f), allowList).violations.map((v) => v.rule))].sort();
}

const negatives: [RuleId, string, (f: Fixture) => void][] = [
  ['image-pinned', 'an image tagged :latest', (f) => (f.container.image = 'registry.example/shop/web:latest')],
  ['image-pinned', 'an image without a tag', (f) => (f.container.image = 'registry.example:5000/shop/web')],
  ['image-pull-policy', 'imagePullPolicy Always on a pinned tag', (f) => (f.container.imagePullPolicy = 'Always')],
  ['resources', 'a missing memory limit', (f) => (f.container.resources.limits = {} as { memory: string })],
  [
    'resources',
    'missing requests on an init container',
    (f) =>
      (f.podSpec.initContainers = [{ ...f.container, name: 'migrate', resources: { limits: { memory: '64Mi' } } }]),
  ],
  [
    'probes',
    'a Deployment without a readiness probe',
    (f) => delete (f.container as Record<string, unknown>).readinessProbe,
  ],
  ['run-as-non-root', 'a container running as uid 0', (f) => (f.container.securityContext.runAsUser = 0)],
  ['run-as-non-root', 'a pod without runAsNonRoot', (f) => delete f.podSpec.securityContext.runAsNonRoot],
  ['no-privileged', 'a privileged container', (f) => (f.container.securityContext.privileged = true)],
  [
    'no-privilege-escalation',
    'allowPrivilegeEscalation left unset',
    (f) => delete f.container.securityContext.allowPrivilegeEscalation,
  ],
  [
    'read-only-root-filesystem',
    'a writable root filesystem',
    (f) => (f.container.securityContext.readOnlyRootFilesystem = false),
  ],
  [
    'drop-all-capabilities',
    'capabilities not dropped',
    (f) => (f.container.securityContext.capabilities = { drop: ['NET_RAW'] }),
  ],
  [
    'drop-all-capabilities',
    'NET_ADMIN added back',
    (f) => (f.container.securityContext.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }),
  ],
  [
    'seccomp-runtime-default',
    'an Unconfined seccomp profile',
    (f) => (f.podSpec.securityContext.seccompProfile = { type: 'Unconfined' }),
  ],
  ['no-host-network', 'hostNetwork', (f) => (f.podSpec.hostNetwork = true)],
  ['no-host-pid', 'hostPID', (f) => (f.podSpec.hostPID = true)],
  ['no-host-ipc', 'hostIPC', (f) => (f.podSpec.hostIPC = true)],
  [
    'no-host-path',
    'a hostPath volume',
    (f) => (f.podSpec.volumes = [{ name: 'varlog', hostPath: { path: '/var/log' } }]),
  ],
  [
    'workload-namespace-declared',
    'a Job in an undeclared namespace',
    (f) => {
      f.objects.job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'report', namespace: 'batch' },
        spec: { template: { spec: f.podSpec } },
      };
      f.files.job = `${SHOP}/job-report.yaml`;
    },
  ],
  ['namespace-psa-labels', 'a namespace without PSA labels', (f) => (f.objects.namespace.metadata.labels = {})],
  [
    'namespace-psa-restricted',
    'a namespace enforcing baseline',
    (f) => (f.objects.namespace.metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline'),
  ],
  ['namespace-default-deny', 'a namespace without default-deny', (f) => delete f.objects.denyAll],
  [
    'namespace-default-deny',
    'a default-deny that forgets egress',
    (f) => (f.objects.denyAll.spec.policyTypes = ['Ingress']),
  ],
  ['namespace-explicit-allows', 'a namespace with default-deny only', (f) => delete f.objects.allowDns],
  ['pod-disruption-budget', 'two replicas without a PodDisruptionBudget', (f) => delete f.objects.pdb],
  [
    'pod-disruption-budget',
    'an HPA-scaled Deployment whose PDB selects other pods',
    (f) => {
      f.objects.deployment.spec.replicas = 1;
      f.objects.pdb.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'api' };
      f.objects.hpa = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
      };
      f.files.hpa = `${SHOP}/horizontalpodautoscaler-web.yaml`;
    },
  ],
  [
    'secret-encrypted',
    'a plaintext Secret',
    (f) => {
      delete f.objects.secret.sops;
      f.objects.secret.data = { password: 'c2VjcmV0' };
    },
  ],
  [
    'secret-encrypted',
    'an encrypted Secret with one plaintext value',
    (f) => (f.objects.secret.stringData = { token: 'plain' }),
  ],
  [
    'secret-recipient',
    'a Secret encrypted for the wrong cluster',
    (f) => (f.objects.secret.sops.age[0].recipient = onprem.flux.ageRecipient),
  ],
  [
    'secret-recipient',
    'a Secret encrypted for both clusters',
    (f) => f.objects.secret.sops.age.push({ recipient: onprem.flux.ageRecipient, enc: 'x' }),
  ],
  [
    'secret-file-present',
    'a kustomization listing a missing Secret file',
    (f) => f.objects.kustomization.resources.push('secret-api-token.sops.yaml'),
  ],
  [
    'sops-config',
    'a .sops.yaml rule encrypting aws files to the onprem key',
    (f) => (f.sopsConfig.creation_rules[0]!.age = onprem.flux.ageRecipient),
  ],
  [
    'sops-config',
    'a .sops.yaml without encrypted_regex',
    (f) => delete f.sopsConfig.creation_rules[1]!.encrypted_regex,
  ],
  [
    'flux-decryption',
    'a Flux Kustomization applying Secrets without decryption',
    (f) => delete f.objects.fluxApps.spec.decryption,
  ],
  ['helm-chart-pinned', 'a chart version range', (f) => (f.objects.helmRelease.spec.chart.spec.version = '>=3.0.0')],
  [
    'helm-chart-pinned',
    'a chartRef to an OCIRepository that follows a floating tag',
    (f) => {
      delete f.objects.helmRelease.spec.chart;
      f.objects.helmRelease.spec.chartRef = { kind: 'OCIRepository', name: 'valkey' };
      f.objects.oci = {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        metadata: { name: 'valkey', namespace: 'shop' },
        spec: { ref: { tag: 'latest' } },
      };
      f.files.oci = `${SHOP}/ocirepository-valkey.yaml`;
    },
  ],
  ['helm-remediation', 'a HelmRelease without upgrade remediation', (f) => delete f.objects.helmRelease.spec.upgrade],
  ['flux-commit-status', 'a cluster without a commit-status Provider', (f) => delete f.objects.onpremCommitStatus],
  [
    'flux-commit-status',
    'a commit-status Provider for another repository',
    (f) => (f.objects.awsCommitStatus.spec.address = 'https://github.com/acme/other'),
  ],
  [
    'flux-commit-status',
    'a commit-status Alert that watches one Kustomization only',
    (f) => (f.objects.awsCommitStatusAlert.spec.eventSources = [{ kind: 'Kustomization', name: 'apps' }]),
  ],
  ['flux-failure-alert', 'a cluster without a failure Alert', (f) => delete f.objects.awsFailureAlert],
  [
    'flux-failure-alert',
    'a failure Alert whose Provider is suspended',
    (f) => (f.objects.onpremAlertmanager.spec.suspend = true),
  ],
];

describe('policy rules', () => {
  it('pass the compliant fixture', () => {
    const report = runPolicy(input(fixture()), []);
    expect(report.violations).toEqual([]);
  });

  it.each(negatives)('%s fails on %s', (rule, _what, breakIt) => {
    const f = fixture();
    breakIt(f);
    expect(ruleIds(f)).toEqual([rule]);
  });

  it('cover every rule with at least one negative fixture', async () => {
    const { rules } = await import('./rules');
    const { edgeRules } = await import('./edge-rules');
    // The edge rules have their own fixture and negatives (edge-rules.test.ts).
    const ids = Object.keys(rules).filter((id) => !(id in edgeRules));
    expect(new Set(negatives.map(([rule]) => rule))).toEqual(new Set(ids));
  });

  it('demand no probes from Jobs and no PodDisruptionBudget from a single replica', () => {
    const f = fixture();
    f.objects.deployment.spec.replicas = 1;
    delete f.objects.pdb;
    const { livenessProbe, readinessProbe, ...withoutProbes } = f.container;
    f.objects.job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'report', namespace: 'shop' },
      spec: { template: { spec: { ...f.podSpec, containers: [withoutProbes] } } },
    };
    f.files.job = `${SHOP}/job-report.yaml`;
    expect(ruleIds(f)).toEqual([]);
  });

  it('accept a digest-pinned image and a Secret under a Kustomization path that decrypts', () => {
    const f = fixture();
    f.container.image = `registry.example/shop/web@sha256:${'a'.repeat(64)}`;
    expect(ruleIds(f)).toEqual([]);
  });
});

describe('policy gate', () => {
  const hostPath = (f: Fixture) => (f.podSpec.volumes = [{ name: 'varlog', hostPath: { path: '/var/log' } }]);

  it('reports one line per violation with rule, cluster, file, object, field and fix', () => {
    const f = fixture();
    f.container.image = 'registry.example/shop/web:latest';
    const text = formatReport(runPolicy(input(f), []));
    expect(text).toContain(
      `image-pinned  aws  ${SHOP}/deployment-web.yaml  Deployment/shop/web  spec.template.spec.containers[0].image: container "web" uses "registry.example/shop/web:latest", which is not pinned to a version tag or digest. Fix: pin an exact version tag`,
    );
    expect(text).toMatch(/^image-pinned +1 +0 +a floating tag/m);
    expect(text).toContain('policy: FAILED with 1 violation(s)');
  });

  it('exempts exactly the allow-listed object on the listed cluster and prints the reason', () => {
    const f = fixture();
    hostPath(f);
    const exemption: Exemption = {
      rule: 'no-host-path',
      object: 'Deployment/shop/web',
      clusters: ['aws'],
      reason: 'reads node logs',
    };
    const report = runPolicy(input(f), [exemption]);
    expect(report.violations).toEqual([]);
    expect(formatReport(report)).toContain(
      'Deployment/shop/web  spec.template.spec.volumes[0].hostPath: volume "varlog" mounts a host path. Reason: reads node logs',
    );
    expect(ruleIds(f, [{ ...exemption, rule: 'no-host-network' }])).toEqual(['allow-list-stale', 'no-host-path']);
    expect(ruleIds(f, [{ ...exemption, object: 'Deployment/shop/api' }])).toEqual(['allow-list-stale', 'no-host-path']);
  });

  it('fails on an allow-list entry that matches nothing on one of its clusters', () => {
    const f = fixture();
    hostPath(f);
    const report = runPolicy(input(f), [
      { rule: 'no-host-path', object: 'Deployment/shop/web', clusters: ['aws', 'onprem'], reason: 'reads node logs' },
    ]);
    expect(report.violations).toMatchObject([
      { rule: 'allow-list-stale', clusters: ['onprem'], field: 'exemptions[0]' },
    ]);
  });

  it('checks the shared flux-system install once for every cluster', () => {
    const f = fixture();
    f.objects.fluxNamespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } };
    f.files.fluxNamespace = 'flux-system/namespace.yaml';
    const report = runPolicy(input(f), []);
    expect(report.violations).toMatchObject([
      { rule: 'namespace-psa-labels', clusters: ['aws', 'onprem'], file: 'flux-system/namespace.yaml' },
    ]);
  });

  it('fails on unparseable manifests and on folders of clusters the model lacks', () => {
    const f = fixture();
    f.files.namespace = 'clusters/gcp/apps/shop/namespace-shop.yaml';
    const broken = input(f);
    broken.parseErrors.push({ file: `${SHOP}/broken.yaml`, index: 0, message: 'Map keys must be unique' });
    const rules = runPolicy(broken, []).violations.map((v) => v.rule);
    expect(rules).toContain('manifest-parse');
    expect(rules).toContain('unknown-cluster');
  });
});
