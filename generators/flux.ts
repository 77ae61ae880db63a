// Typed builders for the Flux objects the generators render (the CRDs are validated against their pinned schemas).
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export const FLUX_NAMESPACE = 'flux-system';
/** The Secret holding the cluster's age private key; the bootstrap creates it, Git never holds it. */
export const SOPS_AGE_SECRET = 'sops-age';

const SOURCE_API = 'source.toolkit.fluxcd.io/v1';

/** The repository's web address (`ssh://git@host/owner/repo.git` → `https://host/owner/repo`), which a commit-status
 * Provider posts to. */
export function repositoryWebUrl(repository: { url: string }): string {
  const match = /^(?:ssh:\/\/git@|https:\/\/)([^/:]+)[/:](.+?)(?:\.git)?$/.exec(repository.url);
  if (!match) throw new Error(`estate.repository.url: cannot derive a web address from "${repository.url}"`);
  return `https://${match[1]}/${match[2]}`;
}

const KUSTOMIZE_API = 'kustomize.toolkit.fluxcd.io/v1';
const HELM_API = 'helm.toolkit.fluxcd.io/v2';

export interface GitRepositoryProps {
  url: string;
  branch: string;
  interval: string;
}

export function gitRepository(scope: Construct, name: string, props: GitRepositoryProps): ApiObject {
  return new ApiObject(scope, `gitrepository-${name}`, {
    apiVersion: SOURCE_API,
    kind: 'GitRepository',
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: props.interval,
      url: props.url,
      ref: { branch: props.branch },
      secretRef: { name: FLUX_NAMESPACE },
    },
  });
}

export interface KustomizationProps {
  path: string;
  sourceName: string;
  dependsOn?: string[];
  interval: string;
  retryInterval: string;
  timeout: string;
  wait: boolean;
}

/** A Flux Kustomization that prunes, waits and decrypts SOPS secrets with the cluster's age key. */
export function fluxKustomization(scope: Construct, name: string, props: KustomizationProps): ApiObject {
  return new ApiObject(scope, `kustomization-${name}`, {
    apiVersion: KUSTOMIZE_API,
    kind: 'Kustomization',
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: {
      ...(props.dependsOn?.length ? { dependsOn: props.dependsOn.map((n) => ({ name: n })) } : {}),
      interval: props.interval,
      retryInterval: props.retryInterval,
      timeout: props.timeout,
      path: `./${props.path}`,
      prune: true,
      wait: props.wait,
      sourceRef: { kind: 'GitRepository', name: props.sourceName },
      decryption: { provider: 'sops', secretRef: { name: SOPS_AGE_SECRET } },
    },
  });
}

export interface HelmRepositoryProps {
  namespace: string;
  url: string;
  /** A chart published as an OCI artifact (`oci://host/path`). @default a classic index.yaml repository */
  type?: 'oci';
}

export function helmRepository(scope: Construct, name: string, props: HelmRepositoryProps): ApiObject {
  return new ApiObject(scope, `helmrepository-${name}`, {
    apiVersion: SOURCE_API,
    kind: 'HelmRepository',
    metadata: { name, namespace: props.namespace },
    spec: { ...(props.type ? { type: props.type } : {}), interval: '12h', url: props.url },
  });
}

/** A chart published only in a Git repository: the source is pinned to one tag. */
export interface ChartGitRepositoryProps {
  namespace: string;
  url: string;
  tag: string;
}

export function chartGitRepository(scope: Construct, name: string, props: ChartGitRepositoryProps): ApiObject {
  return new ApiObject(scope, `gitrepository-${name}`, {
    apiVersion: SOURCE_API,
    kind: 'GitRepository',
    metadata: { name, namespace: props.namespace },
    spec: { interval: '12h', url: props.url, ref: { tag: props.tag } },
  });
}

export interface HelmReleaseProps {
  namespace: string;
  /** The chart name in a HelmRepository, or its folder (`./path`) in a GitRepository. */
  chart: string;
  /** An exact chart version from the versions module (a GitRepository source is pinned by its tag). */
  version: string;
  repository: string;
  repositoryKind?: 'HelmRepository' | 'GitRepository';
  values: Record<string, unknown>;
  timeout?: string;
}

/** A HelmRelease with a pinned chart, CRDs managed on install and upgrade, and remediation by rollback. */
export function helmRelease(scope: Construct, name: string, props: HelmReleaseProps): ApiObject {
  return new ApiObject(scope, `helmrelease-${name}`, {
    apiVersion: HELM_API,
    kind: 'HelmRelease',
    metadata: { name, namespace: props.namespace },
    spec: {
      interval: '30m',
      timeout: props.timeout ?? '10m',
      chart: {
        spec: {
          chart: props.chart,
          version: props.version,
          sourceRef: {
            kind: props.repositoryKind ?? 'HelmRepository',
            name: props.repository,
            namespace: props.namespace,
          },
          interval: '12h',
        },
      },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true } },
      driftDetection: { mode: 'enabled' },
      values: props.values,
    },
  });
}
