// What the cluster model sets for streaming on the cluster that runs it (on-prem in this estate), and the checks on it.
import type { Problem } from '../../generators/component';
import type { Cluster } from '../../generators/model';
import { RESOURCE_KEYS, resourceProblems, type Shape } from '../../generators/shape';
import { kafkaDeclarationProblems } from '../kafka/api';
import { KAFKA_USERS, TOPICS } from './api';

export interface StreamingValues {
  /** How long after a minute ends its late events still count (the job's WINDOW_GRACE_SECONDS). */
  windowGraceSeconds: number;
  /** The stream-job alert fires when the newest aggregated minute is older than this while events keep coming. */
  staleAfterMinutes: number;
  requests: { cpu: string; memory: string };
  memoryLimit: string;
}

export const STREAMING_KEYS: Shape = { windowGraceSeconds: true, staleAfterMinutes: true, ...RESOURCE_KEYS };

const whole = (v: unknown, min: number, max: number) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

export function validateStreaming(values: StreamingValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  // Same bounds as the job's own check (platform/streaming/job Settings.java), so a bad value fails here, not in a pod.
  if (!whole(values.windowGraceSeconds, 0, 3600))
    fail(
      'windowGraceSeconds',
      `must be a whole number of seconds from 0 to 3600, got ${JSON.stringify(values.windowGraceSeconds)}`,
    );
  // A minute's window closes after 1 minute + grace: an alert sooner than that would fire on every quiet spell.
  if (!whole(values.staleAfterMinutes, 2, 120))
    fail(
      'staleAfterMinutes',
      `must be a whole number of minutes from 2 to 120, got ${JSON.stringify(values.staleAfterMinutes)}`,
    );
  resourceProblems(values, '', fail);
  if (!cluster.platform.monitoring)
    fail(
      '',
      'needs platform.monitoring on the same cluster: its Prometheus scrapes the aggregates and federation carries them',
    );
  // The producer, the job and the exporter authenticate as these users; a missing one would only show as a pod that
  // cannot connect.
  for (const message of kafkaDeclarationProblems(cluster, {
    topics: Object.values(TOPICS),
    users: Object.values(KAFKA_USERS),
  }))
    fail('', message);
  return problems;
}
