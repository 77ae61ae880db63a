// Finds the pod specs and containers inside workload objects, with the field path that reports point at.
import type { ManifestDoc } from '../manifests';

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: SecurityContext;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name?: string; hostPath?: unknown }[];
}

const POD_SPEC_PATH: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Workloads that run until stopped, as opposed to Jobs and one-off Pods. */
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export interface PodSpecAt {
  doc: ManifestDoc;
  /** Field path of the pod spec inside the object, e.g. `spec.template.spec`. */
  path: string;
  spec: PodSpec;
  longRunning: boolean;
}

export interface ContainerAt {
  pod: PodSpecAt;
  /** e.g. `spec.template.spec.containers[0]` */
  path: string;
  container: Container;
  list: 'containers' | 'initContainers' | 'ephemeralContainers';
}

export function podSpec(doc: ManifestDoc): PodSpecAt | undefined {
  const path = POD_SPEC_PATH[doc.object.kind ?? ''];
  if (!path) return undefined;
  let spec: unknown = doc.object;
  for (const key of path) spec = (spec as Record<string, unknown> | undefined)?.[key];
  if (!spec || typeof spec !== 'object') return undefined;
  return { doc, path: path.join('.'), spec: spec as PodSpec, longRunning: LONG_RUNNING.has(doc.object.kind!) };
}

export function podSpecs(docs: ManifestDoc[]): PodSpecAt[] {
  return docs.flatMap((doc) => podSpec(doc) ?? []);
}

export function containers(pods: PodSpecAt[]): ContainerAt[] {
  return pods.flatMap((pod) =>
    (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((list) =>
      (pod.spec[list] ?? []).map((container, i) => ({ pod, path: `${pod.path}.${list}[${i}]`, container, list })),
    ),
  );
}

/** `name` of the container for messages. */
export function named(c: ContainerAt): string {
  return `container "${c.container.name ?? '?'}"`;
}
