// The streaming component's contract: its name and namespace, the stream job's image and metrics port, whether a
// cluster runs it, and the Kafka cluster its clients use (kafka-client.ts). cdk8s-free.
import type { ClusterContext } from '../../generators/component';
import type { ContainerImage } from '../../generators/images';
import { versions } from '../../generators/versions';

export * from './kafka-client';

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
