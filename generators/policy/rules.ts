// The policy rules every rendered object must pass. Each rule sees one cluster at a time: its own documents plus the
// shared flux-system/ install that every cluster applies.
import { dirname, posix } from 'node:path';
import type { Cluster, Estate } from '../model';
import { FLUX_NAMESPACE, repositoryWebUrl, SOPS_AGE_SECRET } from '../flux';
import { objectRef, type KubeObject, type ManifestDoc } from '../manifests';
import { SOPS_SUFFIX } from '../layout';
import { ageRecipients, isEncryptedValue, SOPS_CONFIG, sopsConfigProblems } from '../secrets/sops';
import { edgeRules } from './edge-rules';
import { containers, named, podSpecs, type ContainerAt, type SecurityContext } from './pods';

export interface ClusterView {
  estate: Estate;
  cluster: Cluster;
  docs: ManifestDoc[];
  /** Every file under the checked folders, repo-relative. */
  files: Set<string>;
  /** Text of .sops.yaml; undefined when the file is missing. */
  sopsConfig: string | undefined;
}

export interface Finding {
  file: string;
  /** `Kind/namespace/name` (see objectRef), or the file name for findings about a whole file. */
  object: string;
  field: string;
  message: string;
}

export interface Rule {
  rationale: string;
  hint: string;
  check(view: ClusterView): Finding[];
}

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';
const PSA_LEVELS = ['privileged', 'baseline', 'restricted'];
const FLOATING_TAGS = new Set(['latest', 'stable', 'main', 'master', 'edge', 'nightly', 'dev']);
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function at(doc: ManifestDoc, field: string, message: string): Finding {
  return { file: doc.file, object: objectRef(doc.object), field, message };
}

function inContainer(c: ContainerAt, field: string, message: string): Finding {
  return at(c.pod.doc, `${c.path}.${field}`, `${named(c)} ${message}`);
}

function ofKind(view: ClusterView, kind: string, apiGroup?: string): ManifestDoc[] {
  return view.docs.filter(
    (d) => d.object.kind === kind && (!apiGroup || (d.object.apiVersion ?? '').startsWith(`${apiGroup}/`)),
  );
}

function namespaceOf(o: KubeObject): string {
  return o.metadata?.namespace ?? 'default';
}

function spec(o: KubeObject): Record<string, any> {
  return (o.spec ?? {}) as Record<string, any>;
}

function hasData(o: KubeObject): boolean {
  return (['data', 'stringData'] as const).some((key) => Object.keys((o[key] ?? {}) as object).length > 0);
}

function allContainers(view: ClusterView): ContainerAt[] {
  return containers(podSpecs(view.docs));
}

/** Container security settings: the container's own securityContext wins over the pod's for the fields both have. */
function effective<K extends keyof SecurityContext>(c: ContainerAt, key: K): SecurityContext[K] {
  return c.container.securityContext?.[key] ?? c.pod.spec.securityContext?.[key];
}

function imageTag(image: string): { tag?: string; digest?: string } {
  const [name = '', digest] = image.split('@');
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return { tag: colon >= 0 ? last.slice(colon + 1) : undefined, digest };
}

function isPinned(image: string): boolean {
  const { tag, digest } = imageTag(image);
  return digest ? DIGEST.test(digest) : tag !== undefined && !FLOATING_TAGS.has(tag);
}

/** Namespaces where pods run: those of workload objects and the target namespaces of HelmReleases. */
function workloadNamespaces(view: ClusterView): Map<string, ManifestDoc> {
  const found = new Map<string, ManifestDoc>();
  for (const pod of podSpecs(view.docs))
    if (!found.has(namespaceOf(pod.doc.object))) found.set(namespaceOf(pod.doc.object), pod.doc);
  for (const hr of ofKind(view, 'HelmRelease', 'helm.toolkit.fluxcd.io')) {
    const ns = spec(hr.object).targetNamespace ?? namespaceOf(hr.object);
    if (!found.has(ns)) found.set(ns, hr);
  }
  return found;
}

function workloadNamespaceDocs(view: ClusterView): ManifestDoc[] {
  const namespaces = workloadNamespaces(view);
  return ofKind(view, 'Namespace').filter((d) => namespaces.has(d.object.metadata?.name ?? ''));
}

function networkPolicies(view: ClusterView, namespace: string): Record<string, any>[] {
  return ofKind(view, 'NetworkPolicy', 'networking.k8s.io')
    .filter((d) => namespaceOf(d.object) === namespace)
    .map((d) => spec(d.object));
}

function selectsAll(selector: Record<string, unknown> | undefined): boolean {
  return (
    !selector ||
    Object.values(selector).every(
      (v) => v === undefined || (typeof v === 'object' && v !== null && Object.keys(v).length === 0),
    )
  );
}

function denies(policy: Record<string, any>, direction: 'Ingress' | 'Egress'): boolean {
  const rules = policy[direction.toLowerCase()] as unknown[] | undefined;
  return selectsAll(policy.podSelector) && (policy.policyTypes ?? []).includes(direction) && !rules?.length;
}

/** True when `selector.matchLabels` is non-empty and every label is on the pods. */
function matches(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
): boolean {
  const wanted = Object.entries(selector?.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels[k] === v);
}

/** notification-controller Provider types that post commit statuses (notification-controller v1.9.3,
 * docs/spec/v1beta3/providers.md "Git commit status updates"). */
const COMMIT_STATUS_TYPES = new Set(['github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops']);

/**
 * The Alerts of the cluster that send every Flux Kustomization's events to a Provider `wanted` accepts: none means the
 * rule fails, and the finding points at the cluster's root kustomization.yaml.
 */
function alertsFor(view: ClusterView, wanted: (provider: KubeObject) => boolean, what: string): Finding[] {
  const notification = 'notification.toolkit.fluxcd.io';
  const providers = ofKind(view, 'Provider', notification).filter((d) => !spec(d.object).suspend && wanted(d.object));
  const covered = ofKind(view, 'Alert', notification).some((d) => {
    const s = spec(d.object);
    const provider = providers.some(
      (p) => p.object.metadata?.name === s.providerRef?.name && namespaceOf(p.object) === namespaceOf(d.object),
    );
    const everyKustomization = ((s.eventSources ?? []) as Record<string, string>[]).some(
      (e) => e.kind === 'Kustomization' && e.name === '*' && (e.namespace ?? namespaceOf(d.object)) === FLUX_NAMESPACE,
    );
    return provider && everyKustomization && !s.suspend;
  });
  if (covered) return [];
  const file = `${view.cluster.flux.path}/kustomization.yaml`;
  const message = `cluster "${view.cluster.name}" has no Alert sending the events of every Kustomization in ${FLUX_NAMESPACE} (eventSources kind Kustomization, name "*") to ${what}`;
  return [{ file, object: `Alert/${FLUX_NAMESPACE}/*`, field: 'spec.providerRef', message }];
}

function securityRule(rationale: string, hint: string, check: (c: ContainerAt) => Finding | undefined): Rule {
  return { rationale, hint, check: (view) => allContainers(view).flatMap((c) => check(c) ?? []) };
}

function hostRule(key: 'hostNetwork' | 'hostPID' | 'hostIPC', rationale: string): Rule {
  return {
    rationale,
    hint: `remove ${key}, or allow-list the object in generators/policy/allow-list.ts with the reason it needs it`,
    check: (view) =>
      podSpecs(view.docs).flatMap((pod) =>
        pod.spec[key] ? [at(pod.doc, `${pod.path}.${key}`, `${key} is true`)] : [],
      ),
  };
}

export const rules = {
  'image-pinned': {
    rationale: 'a floating tag makes what runs depend on when a node pulled it, not on Git',
    hint: 'pin an exact version tag (or a digest) in generators/versions.ts and reference it from there',
    check: (view) =>
      allContainers(view).flatMap((c) => {
        const image = c.container.image;
        if (!image) return [inContainer(c, 'image', 'has no image')];
        return isPinned(image)
          ? []
          : [inContainer(c, 'image', `uses ${JSON.stringify(image)}, which is not pinned to a version tag or digest`)];
      }),
  },
  'image-pull-policy': {
    rationale: 'a pinned tag never changes, so pulling it again only adds registry load and a failure point',
    hint: 'set imagePullPolicy: IfNotPresent (cdk8s-plus defaults to Always)',
    check: (view) =>
      allContainers(view).flatMap((c) =>
        c.container.image && isPinned(c.container.image) && c.container.imagePullPolicy !== 'IfNotPresent'
          ? [
              inContainer(
                c,
                'imagePullPolicy',
                `is ${JSON.stringify(c.container.imagePullPolicy ?? null)} for pinned image ${c.container.image}`,
              ),
            ]
          : [],
      ),
  },
  resources: {
    rationale: 'without requests the scheduler overcommits nodes; without a memory limit one leak can take a node down',
    hint: 'set resources.requests.cpu, resources.requests.memory and resources.limits.memory',
    check: (view) =>
      allContainers(view)
        .filter((c) => c.list !== 'ephemeralContainers')
        .flatMap((c) =>
          (
            [
              ['requests', 'cpu'],
              ['requests', 'memory'],
              ['limits', 'memory'],
            ] as const
          )
            .filter(([kind, resource]) => c.container.resources?.[kind]?.[resource] === undefined)
            .map(([kind, resource]) => inContainer(c, `resources.${kind}.${resource}`, `has no ${kind}.${resource}`)),
        ),
  },
  probes: {
    rationale: 'without probes Kubernetes neither restarts a hung process nor keeps traffic away from an unready one',
    hint: 'add a livenessProbe and a readinessProbe (an HTTP health endpoint or a TCP check)',
    check: (view) =>
      allContainers(view)
        .filter(
          (c) =>
            c.pod.longRunning &&
            (c.list === 'containers' || (c.list === 'initContainers' && c.container.restartPolicy === 'Always')),
        )
        .flatMap((c) =>
          (['livenessProbe', 'readinessProbe'] as const)
            .filter((p) => !c.container[p])
            .map((p) => inContainer(c, p, `has no ${p}`)),
        ),
  },
  'run-as-non-root': {
    rationale: 'a process running as root turns any container escape into root on the node',
    hint: 'set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser, using an image with a non-root user',
    check: (view) =>
      allContainers(view).flatMap((c) => {
        if (effective(c, 'runAsUser') === 0)
          return [inContainer(c, 'securityContext.runAsUser', 'runs as user 0 (root)')];
        return effective(c, 'runAsNonRoot') === true
          ? []
          : [inContainer(c, 'securityContext.runAsNonRoot', 'does not set runAsNonRoot: true')];
      }),
  },
  'no-privileged': securityRule(
    'a privileged container has every capability and the host devices: it is root on the node',
    'remove securityContext.privileged; grant only what the process needs',
    (c) =>
      c.container.securityContext?.privileged
        ? inContainer(c, 'securityContext.privileged', 'is privileged')
        : undefined,
  ),
  'no-privilege-escalation': securityRule(
    'setuid binaries and file capabilities must not give a process more rights than it started with',
    'set securityContext.allowPrivilegeEscalation: false on the container',
    (c) =>
      c.container.securityContext?.allowPrivilegeEscalation === false
        ? undefined
        : inContainer(c, 'securityContext.allowPrivilegeEscalation', 'does not set allowPrivilegeEscalation: false'),
  ),
  'read-only-root-filesystem': securityRule(
    'a writable root filesystem lets an intruder change binaries and hides state that should be in volumes',
    'set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write',
    (c) =>
      c.container.securityContext?.readOnlyRootFilesystem === true
        ? undefined
        : inContainer(c, 'securityContext.readOnlyRootFilesystem', 'does not set readOnlyRootFilesystem: true'),
  ),
  'drop-all-capabilities': securityRule(
    'the default capability set (NET_RAW, CHOWN, …) is more than services need',
    'set securityContext.capabilities.drop: [ALL]; add back NET_BIND_SERVICE only if the process binds a port below 1024',
    (c) => {
      const caps = c.container.securityContext?.capabilities;
      if (!caps?.drop?.includes('ALL'))
        return inContainer(c, 'securityContext.capabilities.drop', 'does not drop ALL capabilities');
      const extra = (caps.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
      return extra.length ? inContainer(c, 'securityContext.capabilities.add', `adds ${extra.join(', ')}`) : undefined;
    },
  ),
  'seccomp-runtime-default': securityRule(
    'the runtime default seccomp profile blocks the syscalls most kernel exploits use',
    'set securityContext.seccompProfile.type: RuntimeDefault on the pod (or the container)',
    (c) => {
      const type = effective(c, 'seccompProfile')?.type;
      return type === 'RuntimeDefault'
        ? undefined
        : inContainer(c, 'securityContext.seccompProfile.type', `has seccomp profile ${JSON.stringify(type ?? null)}`);
    },
  ),
  'no-host-network': hostRule(
    'hostNetwork',
    'a pod on the host network bypasses NetworkPolicies and can bind node ports',
  ),
  'no-host-pid': hostRule(
    'hostPID',
    'sharing the host PID namespace lets a pod see and signal every process on the node',
  ),
  'no-host-ipc': hostRule(
    'hostIPC',
    'sharing the host IPC namespace exposes shared memory of every process on the node',
  ),
  'no-host-path': {
    rationale: 'a hostPath volume reaches the node filesystem past every container boundary',
    hint: 'use a PVC, emptyDir, ConfigMap or projected volume; a node agent that must read host files goes on the allow-list with its reason',
    check: (view) =>
      podSpecs(view.docs).flatMap((pod) =>
        (pod.spec.volumes ?? []).flatMap((v, i) =>
          v.hostPath
            ? [at(pod.doc, `${pod.path}.volumes[${i}].hostPath`, `volume "${v.name ?? '?'}" mounts a host path`)]
            : [],
        ),
      ),
  },
  'workload-namespace-declared': {
    rationale: 'the namespace rules (Pod Security labels, default-deny) can only hold for namespaces declared in Git',
    hint: "declare the Namespace in the component's platform-controllers chart (with PSA labels and NetworkPolicies)",
    check: (view) => {
      const declared = new Set(ofKind(view, 'Namespace').map((d) => d.object.metadata?.name));
      return [...workloadNamespaces(view)]
        .filter(([ns]) => !declared.has(ns))
        .map(([ns, doc]) =>
          at(
            doc,
            doc.object.kind === 'HelmRelease' ? 'spec.targetNamespace' : 'metadata.namespace',
            `runs pods in namespace "${ns}", which no rendered Namespace declares`,
          ),
        );
    },
  },
  'namespace-psa-labels': {
    rationale: 'Pod Security Admission enforces nothing on a namespace without an enforce label',
    hint: `set the label ${PSA_ENFORCE}: restricted (and warn/audit) on the Namespace`,
    check: (view) =>
      ofKind(view, 'Namespace')
        .filter((d) => !PSA_LEVELS.includes(d.object.metadata?.labels?.[PSA_ENFORCE] ?? ''))
        .map((d) =>
          at(
            d,
            `metadata.labels["${PSA_ENFORCE}"]`,
            `is ${JSON.stringify(d.object.metadata?.labels?.[PSA_ENFORCE] ?? null)}; use one of ${PSA_LEVELS.join(', ')}`,
          ),
        ),
  },
  'namespace-psa-restricted': {
    rationale: 'the restricted level is the only one that rejects root, privileged and host-access pods at admission',
    hint: `set ${PSA_ENFORCE}: restricted; a namespace whose pods truly need more goes on the allow-list with its reason`,
    check: (view) =>
      ofKind(view, 'Namespace')
        .filter((d) => {
          const level = d.object.metadata?.labels?.[PSA_ENFORCE] ?? '';
          return PSA_LEVELS.includes(level) && level !== 'restricted';
        })
        .map((d) =>
          at(
            d,
            `metadata.labels["${PSA_ENFORCE}"]`,
            `enforces ${d.object.metadata?.labels?.[PSA_ENFORCE]}, not restricted`,
          ),
        ),
  },
  'namespace-default-deny': {
    rationale: 'without a default-deny policy every pod accepts traffic from, and sends traffic to, anywhere',
    hint: 'add a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] and no rules in the namespace',
    check: (view) =>
      workloadNamespaceDocs(view).flatMap((d) => {
        const policies = networkPolicies(view, d.object.metadata!.name!);
        const open = (['Ingress', 'Egress'] as const).filter((dir) => !policies.some((p) => denies(p, dir)));
        return open.length
          ? [at(d, 'metadata.name', `runs pods but has no default-deny NetworkPolicy for ${open.join(' and ')}`)]
          : [];
      }),
  },
  'namespace-explicit-allows': {
    rationale:
      'behind a default-deny, each flow a workload needs (DNS, its clients, its backends) must be allowed by name',
    hint: 'add NetworkPolicies that allow exactly the ingress and egress the workloads need (DNS egress included)',
    check: (view) =>
      workloadNamespaceDocs(view).flatMap((d) =>
        networkPolicies(view, d.object.metadata!.name!).some((p) => (p.ingress ?? []).length || (p.egress ?? []).length)
          ? []
          : [at(d, 'metadata.name', 'runs pods but has no NetworkPolicy that allows any traffic')],
      ),
  },
  'pod-disruption-budget': {
    rationale: 'a node drain may evict every replica at once unless a PodDisruptionBudget holds some back',
    hint: 'add a PodDisruptionBudget (maxUnavailable: 1) whose selector.matchLabels match the pod labels',
    check: (view) =>
      [...ofKind(view, 'Deployment'), ...ofKind(view, 'StatefulSet')].flatMap((d) => {
        const { kind, metadata } = d.object;
        const ns = namespaceOf(d.object);
        const scaled = ofKind(view, 'HorizontalPodAutoscaler').some(
          (h) =>
            namespaceOf(h.object) === ns &&
            spec(h.object).scaleTargetRef?.kind === kind &&
            spec(h.object).scaleTargetRef?.name === metadata?.name,
        );
        const replicas = spec(d.object).replicas ?? 1;
        if (replicas <= 1 && !scaled) return [];
        const labels = spec(d.object).template?.metadata?.labels ?? {};
        const covered = ofKind(view, 'PodDisruptionBudget').some(
          (p) => namespaceOf(p.object) === ns && matches(spec(p.object).selector, labels),
        );
        return covered
          ? []
          : [
              at(
                d,
                'spec.template.metadata.labels',
                `${scaled ? 'is scaled by an HPA' : `has ${replicas} replicas`} but no PodDisruptionBudget selects its pods`,
              ),
            ];
      }),
  },
  'secret-encrypted': {
    rationale: 'a Secret in Git in plaintext is readable by everyone with access to the repository, forever',
    hint: 'delete the file and create it with `npm run secret -- <cluster> <namespace> <name> KEY=value…` (SOPS + age)',
    check: (view) =>
      // A chart's Secret without data holds nothing from Git: its controller fills it in the cluster.
      ofKind(view, 'Secret')
        .filter((d) => !d.chart || hasData(d.object))
        .flatMap((d) => {
          const sops = d.object.sops as { mac?: unknown } | undefined;
          if (!sops || !isEncryptedValue(sops.mac)) return [at(d, 'sops', 'is a plaintext Secret (no SOPS metadata)')];
          return (['data', 'stringData'] as const).flatMap((key) =>
            Object.entries((d.object[key] ?? {}) as Record<string, unknown>)
              .filter(([, value]) => !isEncryptedValue(value))
              .map(([k]) => at(d, `${key}.${k}`, 'holds a plaintext value')),
          );
        }),
  },
  'secret-recipient': {
    rationale: "each cluster's secrets must be readable by that cluster's key only",
    hint: 'create the file again with `npm run secret` so that .sops.yaml picks the recipient of the cluster folder it lies in',
    check: (view) =>
      ofKind(view, 'Secret')
        .filter((d) => d.object.sops)
        .flatMap((d) => {
          const recipients = ageRecipients(d.object.sops);
          if (recipients.length === 1 && recipients[0] === view.cluster.flux.ageRecipient) return [];
          const owners = recipients.map(
            (r) => view.estate.clusters.find((c) => c.flux.ageRecipient === r)?.name ?? `unknown key ${r}`,
          );
          return [
            at(
              d,
              'sops.age',
              `is encrypted for ${owners.join(', ') || 'no age recipient'}, but cluster "${view.cluster.name}" applies it and only its key (${view.cluster.flux.ageRecipient}) may decrypt it`,
            ),
          ];
        }),
  },
  'secret-file-present': {
    rationale: 'a declared Secret whose encrypted file is missing breaks the Flux Kustomization that lists it',
    hint: 'run the `npm run secret` command shown, with the namespace the component passed to ctx.secret',
    check: (view) =>
      ofKind(view, 'Kustomization', 'kustomize.config.k8s.io').flatMap((d) =>
        ((d.object.resources ?? []) as string[]).flatMap((resource, i) =>
          resource.endsWith(SOPS_SUFFIX) && !view.files.has(posix.join(dirname(d.file), resource))
            ? [
                at(
                  d,
                  `resources[${i}]`,
                  `lists ${resource}, which does not exist (npm run secret -- ${d.cluster ?? '<cluster>'} <namespace> ${resource.replace(/^secret-/, '').slice(0, -SOPS_SUFFIX.length)} KEY=value…)`,
                ),
              ]
            : [],
        ),
      ),
  },
  'sops-config': {
    rationale: `${SOPS_CONFIG} decides which key encrypts a new secret; it must follow the cluster model`,
    hint: `make ${SOPS_CONFIG} hold, first for clusters/<name>/, the rule {path_regex: ^clusters/<name>/.*, encrypted_regex: ^(data|stringData)$, age: flux.ageRecipient}`,
    check: (view) =>
      sopsConfigProblems(view.sopsConfig, view.cluster).map((message) => ({
        file: SOPS_CONFIG,
        object: SOPS_CONFIG,
        field: 'creation_rules',
        message,
      })),
  },
  'flux-decryption': {
    rationale: 'Flux applies SOPS files as they are unless the Kustomization decrypts them',
    hint: `set spec.decryption {provider: sops, secretRef: {name: ${SOPS_AGE_SECRET}}} (fluxKustomization in generators/flux.ts does)`,
    check: (view) =>
      ofKind(view, 'Kustomization', 'kustomize.toolkit.fluxcd.io').flatMap((d) => {
        const path = String(spec(d.object).path ?? '')
          .replace(/^\.\//, '')
          .replace(/\/$/, '');
        // Helm, not this Kustomization, applies what a chart renders.
        const secret = ofKind(view, 'Secret').find((s) => !s.chart && s.file.startsWith(path ? `${path}/` : ''));
        const decryption = spec(d.object).decryption;
        if (!secret || (decryption?.provider === 'sops' && decryption?.secretRef?.name === SOPS_AGE_SECRET)) return [];
        return [
          at(d, 'spec.decryption', `applies Secret ${secret.file} but does not decrypt SOPS with ${SOPS_AGE_SECRET}`),
        ];
      }),
  },
  'helm-chart-pinned': {
    rationale: 'a chart version range upgrades the release whenever the repository publishes a new chart',
    hint: 'set spec.chart.spec.version to an exact version from generators/versions.ts (helmRelease() in generators/flux.ts)',
    check: (view) =>
      ofKind(view, 'HelmRelease', 'helm.toolkit.fluxcd.io').flatMap((d) => {
        const chartRef = spec(d.object).chartRef as { kind?: string; name?: string; namespace?: string } | undefined;
        if (!chartRef) {
          const version = spec(d.object).chart?.spec?.version;
          return EXACT_VERSION.test(String(version ?? ''))
            ? []
            : [at(d, 'spec.chart.spec.version', `is ${JSON.stringify(version ?? null)}, not an exact version`)];
        }
        const source = view.docs.find(
          (s) =>
            s.object.kind === chartRef.kind &&
            s.object.metadata?.name === chartRef.name &&
            namespaceOf(s.object) === (chartRef.namespace ?? namespaceOf(d.object)),
        );
        const ref = source && spec(source.object).ref;
        const pinned =
          source &&
          (chartRef.kind === 'HelmChart'
            ? EXACT_VERSION.test(String(spec(source.object).version ?? ''))
            : DIGEST.test(ref?.digest ?? '') || EXACT_VERSION.test(ref?.tag ?? ''));
        return pinned
          ? []
          : [
              at(
                d,
                'spec.chartRef',
                `points to ${chartRef.kind}/${chartRef.name}, which is not rendered or not pinned to an exact version or digest`,
              ),
            ];
      }),
  },
  'helm-remediation': {
    rationale: 'a failed install or upgrade must be retried and rolled back by Flux, not left half-applied',
    hint: 'set spec.install.remediation.retries and spec.upgrade.remediation.retries (helmRelease() in generators/flux.ts does)',
    check: (view) =>
      ofKind(view, 'HelmRelease', 'helm.toolkit.fluxcd.io').flatMap((d) =>
        (['install', 'upgrade'] as const)
          .filter((phase) => !spec(d.object)[phase]?.remediation?.retries)
          .map((phase) => at(d, `spec.${phase}.remediation.retries`, 'is not set')),
      ),
  },
  'flux-commit-status': {
    rationale: 'a merged commit must show whether each cluster applied it, not leave people guessing',
    hint: 'run the flux-feedback component on the cluster (a Provider of type github for the repository and its Alert)',
    check: (view) =>
      alertsFor(
        view,
        (p) => COMMIT_STATUS_TYPES.has(spec(p).type) && spec(p).address === repositoryWebUrl(view.estate.repository),
        `a commit-status Provider for ${repositoryWebUrl(view.estate.repository)}`,
      ),
  },
  'flux-failure-alert': {
    rationale: 'a failed reconciliation must page someone, not wait until somebody looks',
    hint: 'run the flux-feedback component on the cluster (a Provider of type alertmanager and its Alert)',
    check: (view) => alertsFor(view, (p) => spec(p).type === 'alertmanager', 'an alertmanager Provider'),
  },
  ...edgeRules,
} satisfies Record<string, Rule>;

export type RuleId = keyof typeof rules;
