// What the proving ground asserts about a reconciled cluster, as pure functions of what the API server reports.

/** Dependencies that became Ready after the Kustomization that waits for them (`readyAt`: name → epoch ms). */
export function readyOrderProblems(
  readyAt: ReadonlyMap<string, number>,
  dependsOn: ReadonlyMap<string, readonly string[]>,
): string[] {
  const problems: string[] = [];
  for (const [name, deps] of dependsOn) {
    const at = readyAt.get(name);
    if (at === undefined) {
      problems.push(`${name} never became Ready`);
      continue;
    }
    for (const dep of deps) {
      const depAt = readyAt.get(dep);
      if (depAt === undefined || depAt > at) problems.push(`${name} became Ready before ${dep}, which it dependsOn`);
    }
  }
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where `live` lacks or contradicts a field of `rendered`, as `path: rendered ≠ live`. Fields the server adds
 * (defaults, status, metadata it owns) are not differences; list items are compared by position.
 */
export function specMismatches(rendered: unknown, live: unknown, path = ''): string[] {
  if (isObject(rendered)) {
    // An empty map (a CRD schema's `properties: {}`) is pruned by the server as it prunes a zero value.
    if (live === undefined && Object.keys(rendered).length === 0) return [];
    if (!isObject(live)) return [`${path || '.'}: ${JSON.stringify(rendered)} ≠ ${JSON.stringify(live)}`];
    return Object.entries(rendered).flatMap(([k, v]) => specMismatches(v, live[k], `${path}.${k}`));
  }
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live) || live.length !== rendered.length) {
      return [`${path}: ${rendered.length} items rendered, ${Array.isArray(live) ? live.length : 'none'} live`];
    }
    return rendered.flatMap((v, i) => specMismatches(v, live[i], `${path}[${i}]`));
  }
  // A zero value of a non-pointer `omitempty` field (`hostNetwork: false`, `minReadySeconds: 0`) is what absent
  // means to the API server, which drops it; pointer fields (`automountServiceAccountToken: false`) it keeps.
  if (live === undefined && (rendered === false || rendered === 0 || rendered === '')) return [];
  return rendered === live ? [] : [`${path}: ${JSON.stringify(rendered)} ≠ ${JSON.stringify(live)}`];
}

/** Secret data as the cluster holds it, decoded, against the values encrypted into the served copy. */
export function secretProblems(
  name: string,
  expected: Record<string, string>,
  liveData: Record<string, string> | undefined,
): string[] {
  const decoded = Object.fromEntries(
    Object.entries(liveData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
  return Object.entries(expected).flatMap(([k, v]) =>
    decoded[k] === v
      ? []
      : [`Secret ${name}: key ${k} holds ${JSON.stringify(decoded[k] ?? null)}, not the value encrypted into Git`],
  );
}

type Live = Record<string, any>;

/** The kinds of a chart's rendering whose pods kwok runs, and what makes each ready. */
export const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/** Why a live Deployment, DaemonSet or StatefulSet is not ready (`undefined` when it is). */
export function workloadNotReady(live: Live): string | undefined {
  const status = live.status ?? {};
  if (live.kind === 'Deployment') {
    const available = (status.conditions ?? []).find((c: Live) => c.type === 'Available');
    return available?.status === 'True' ? undefined : `is not Available (${available?.message ?? 'no condition'})`;
  }
  if (live.kind === 'DaemonSet') {
    const desired = status.desiredNumberScheduled ?? 0;
    if (!desired) return 'schedules no pod on any node';
    return status.numberReady === desired ? undefined : `has ${status.numberReady ?? 0} of ${desired} pods ready`;
  }
  if (live.kind === 'StatefulSet') {
    const replicas = live.spec?.replicas ?? 1;
    return status.readyReplicas === replicas ? undefined : `has ${status.readyReplicas ?? 0} of ${replicas} ready`;
  }
  return `is a ${live.kind}, not a workload`;
}
