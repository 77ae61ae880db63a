// The one place where an object may break a policy rule: per rule, per object, per cluster, each with its reason.
// `npm run policy` prints every entry in use, and fails on an entry that no longer matches anything.
import type { RuleId } from './rules';

export interface Exemption {
  rule: RuleId;
  /** `Kind/namespace/name` as the report prints it. */
  object: string;
  /** The clusters where the object is exempt; each must still have the violation, or the entry is stale. */
  clusters: string[];
  reason: string;
}

export const allowList: Exemption[] = [
  {
    rule: 'namespace-psa-restricted',
    object: 'Namespace/monitoring',
    clusters: ['aws', 'onprem'],
    reason: 'kube-prometheus-stack runs node-exporter with hostNetwork, hostPID and hostPath to read node metrics; warn/audit stay restricted',
  },
  {
    rule: 'namespace-psa-restricted',
    object: 'Namespace/log-export',
    clusters: ['aws', 'onprem'],
    reason: 'the log agent DaemonSet mounts hostPath /var/log/pods read-only to tail container logs and /var/lib/otelcol-log-export for its position DB and on-disk sending queue, which must outlive pod restarts; warn/audit stay restricted',
  },
  {
    rule: 'namespace-psa-restricted',
    object: 'Namespace/load-balancing',
    clusters: ['onprem'],
    reason: 'the MetalLB speaker answers ARP on the host network with NET_RAW; warn/audit stay restricted',
  },
  {
    rule: 'namespace-psa-restricted',
    object: 'Namespace/storage',
    clusters: ['aws', 'onprem'],
    reason: 'the EBS CSI node plugin runs privileged on the host network and mounts kubelet host paths to attach volumes; local-path helper pods create volume folders in a host path; warn/audit stay restricted',
  },
];
