// Where an object may break a policy rule: each component declares its exemptions with their reasons
// (`Component.exemptions`); an exemption applies on the clusters that run the component. `npm run policy` prints every
// one in use, and fails on one that no longer matches anything.
import type { Catalogue } from '../component';
import type { Estate } from '../model';
import { installed } from '../registries';
import type { RuleId } from './rules';

export interface AllowEntry {
  rule: RuleId;
  /** `Kind/namespace/name` as the report prints it. */
  object: string;
  /** The clusters where the object is exempt; each must still have the violation, or the entry is stale. */
  clusters: string[];
  reason: string;
  /** The component that declares it. */
  component?: string;
}

export function allowListOf(estate: Estate, catalogue: Catalogue): AllowEntry[] {
  const entries = new Map<string, AllowEntry>();
  for (const cluster of estate.clusters) {
    for (const { component } of installed(cluster, catalogue)) {
      for (const { appliesTo, ...e } of component.exemptions ?? []) {
        if (appliesTo && !appliesTo(cluster)) continue;
        const key = `${component.name}\u0000${e.rule}\u0000${e.object}`;
        const entry = entries.get(key) ?? { ...e, clusters: [], component: component.name };
        entry.clusters.push(cluster.name);
        entries.set(key, entry);
      }
    }
  }
  return [...entries.values()];
}
