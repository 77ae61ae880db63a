// The log-export component's values in the cluster model, and their validation.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { QUEUE_CONSUMERS } from './collector-config';
import { leaves } from '../../generators/shape';

/**
 * How the collectors authenticate to S3.
 * - `web-identity` (aws): IRSA. The pods exchange a projected service-account token for bootstrap/aws's log-writer role
 *   of the cluster through STS; no keys and no IMDS (the nodes' IMDSv2 hop limit of 1 keeps pods on the pod network
 *   away from the instance role).
 * - `access-key` (on-prem): a write-only IAM user whose key sits in the SOPS-encrypted Secret `S3_WRITER_SECRET`.
 */
export type S3Identity = 'web-identity' | 'access-key';

export interface LogExportValues {
  s3Identity: S3Identity;
  /** Bound of each collector's on-disk sending queue, in requests of ≤ 100 records, those being written included. */
  queueRequests: number;
  /** How often nodes and workloads are snapshotted, as a Go duration such as `15m`. */
  statesInterval: string;
}

export const LOG_EXPORT_KEYS = leaves('s3Identity', 'queueRequests', 'statesInterval');

const DURATION = /^\d+(s|m|h)$/;

export function validateLogExport(values: LogExportValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const wanted = cluster.provider === 'aws' ? 'web-identity' : 'access-key';
  if (values.s3Identity !== wanted) {
    problems.push({
      field: 's3Identity',
      message: `${JSON.stringify(values.s3Identity)} does not fit provider ${cluster.provider}; use ${wanted}`,
    });
  }
  // Requests being written still count against the bound: below the consumer count, objects would only fill by age.
  const least = 2 * QUEUE_CONSUMERS;
  if (!Number.isInteger(values.queueRequests) || values.queueRequests < least) {
    const got = JSON.stringify(values.queueRequests);
    const message = `${got} must be an integer of at least ${least} (twice the queue consumers)`;
    problems.push({ field: 'queueRequests', message });
  }
  if (!DURATION.test(values.statesInterval ?? '')) {
    problems.push({
      field: 'statesInterval',
      message: `${JSON.stringify(values.statesInterval)} is not a duration like 15m`,
    });
  }
  return problems;
}
