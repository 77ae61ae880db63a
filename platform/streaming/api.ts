// The streaming component's contract: its name and namespace, the stream job's image and metrics port, whether a
// cluster runs it, its topics and the Kafka users of its producer and consumers (the brokers are platform/kafka's,
// whose model must declare them). cdk8s-free.
import type { ClusterContext } from '../../generators/component';
import type { ContainerImage } from '../../generators/images';
import { versions } from '../../generators/versions';

/** The name the cluster model and the catalogue use. */
export const NAME = 'streaming';
export const NAMESPACE = 'streaming';
/** The stream job's Deployment, Service and metrics job. */
export const JOB = 'task-stream';
/** The job's `METRICS_PORT` default (platform/streaming/job Settings.java). */
export const METRICS_PORT = 9404;

export const IMAGE: ContainerImage = {
  name: JOB,
  repository: versions.taskStream.image,
  tag: versions.taskStream.tag,
  context: 'platform/streaming/job',
  builder: 'maven',
  mainClass: 'com.acme.streaming.Main',
};

/** Whether the context's cluster (or `cluster`) runs streaming: its apps then publish task events to Kafka. */
export function runsStreaming(ctx: ClusterContext, cluster?: string): boolean {
  return ctx.installed(cluster).some((i) => i.component.name === NAME);
}

export const TOPICS = { events: 'task-events', aggregates: 'task-aggregates' } as const;

/** The Kafka users of the stream's producer and consumers, each with the namespace its credentials Secret is in. */
export const KAFKA_USERS = {
  /** Writes `task-events`. */
  taskTracker: { name: 'task-tracker', namespace: 'task-tracker' },
  /**
   * Reads `task-events`, writes `task-aggregates`; its application.id is the prefix of its transactional ids and
   * internal topics, and its consumer group.
   */
  taskStream: { name: 'task-stream', namespace: 'streaming', applicationId: 'task-stream' },
  /** Reads `task-aggregates` in the group of the same name. */
  logExport: { name: 'log-export', namespace: 'log-export', group: 'log-export' },
} as const;
