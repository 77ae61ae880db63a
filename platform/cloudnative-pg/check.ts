// Repo check: each database that spans the sites (the same CloudNativePG Cluster namespace/name on several clusters)
// has exactly one primary member in the rendered output, and every member agrees on which one it is. Two primaries
// would both take writes and archive diverging timelines; none would leave the app not ready everywhere.
import { objectRef, type ManifestDoc } from '../../generators/manifests';
import type { CheckProblem, RepoCheck } from '../../generators/validate/checks';
import { CNPG_GROUP } from './api';

/** A member is primary when it follows no one: no replica stanza, replica disabled, or `primary` naming itself. */
function isPrimary(o: Record<string, any>): boolean {
  const replica = o.spec?.replica;
  if (!replica) return true;
  if (replica.primary !== undefined) return replica.primary === (replica.self ?? o.metadata?.name);
  return replica.enabled !== true;
}

export const primaryCheck: RepoCheck = {
  name: 'cloudnative-pg-one-primary',
  run(docs: ManifestDoc[]): CheckProblem[] {
    const members = new Map<string, ManifestDoc[]>();
    for (const doc of docs) {
      const o = doc.object;
      if (o.kind !== 'Cluster' || !String(o.apiVersion ?? '').startsWith(`${CNPG_GROUP}/`)) continue;
      const key = `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
      members.set(key, [...(members.get(key) ?? []), doc]);
    }
    const problems: CheckProblem[] = [];
    for (const group of members.values()) {
      const fail = (doc: ManifestDoc, path: string, message: string) =>
        problems.push({ file: doc.file, index: doc.index, object: objectRef(doc.object), path, message });
      const where = (d: ManifestDoc) => `${d.cluster ?? d.file}`;
      const primaries = group.filter((d) => isPrimary(d.object));
      if (primaries.length > 1)
        for (const doc of primaries)
          fail(
            doc,
            'spec.replica.primary',
            `is primary on ${primaries.map(where).join(' and ')}: exactly one site may be`,
          );
      if (primaries.length === 0)
        for (const doc of group)
          fail(doc, 'spec.replica.primary', `no site is primary (${group.map(where).join(', ')} all follow another)`);
      const named = new Set(group.map((d) => (d.object as any).spec?.replica?.primary));
      if (named.size > 1)
        for (const doc of group)
          fail(doc, 'spec.replica.primary', `the members disagree on the primary: ${[...named].sort().join(', ')}`);
    }
    return problems;
  },
};
