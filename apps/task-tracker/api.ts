// The task-tracker's contract: its name, namespace and ports, its image, and the binary its tests run. cdk8s-free.
import type { GoTool } from '../../generators/go-tools';
import type { ContainerImage } from '../../generators/images';
import { versions } from '../../generators/versions';

export const NAME = 'task-tracker';
export const NAMESPACE = 'task-tracker';
export const PORTS = { http: 8080, metrics: 9090 } as const;
/** The CloudNativePG Cluster that holds the tasks: the same name on every site (so its `-rw` Service is too). */
export const DATABASE = 'task-tracker-db';
/** The database owner's credentials, the same on every site (CloudNativePG's distributed topology requires it). */
export const DATABASE_OWNER_SECRET = `${DATABASE}-owner`;
/** A metal site's S3 access key for the WAL archive (the IAM user bootstrap/aws declares), SOPS-encrypted. */
export const DATABASE_S3_SECRET = `${DATABASE}-s3`;
/** The IRSA role of the database's pods on aws, and the IAM user of the same policy elsewhere. */
export const DATABASE_ROLE = DATABASE;
/** The SOPS Secret of the clients' keys (`<client>:<sha256 hex of the token>` lines) and its one key. */
export const API_KEYS_SECRET = 'task-tracker-api-keys';
export const API_KEYS_KEY = 'keys';

export const IMAGE: ContainerImage = {
  name: NAME,
  repository: versions.taskTracker.image,
  tag: versions.taskTracker.tag,
  context: 'apps/task-tracker',
  builder: 'go',
  binary: NAME,
};

/** The service built from this module, as the image holds it, for the end-to-end tests and benchmarks. */
export const TOOL: GoTool = {
  name: NAME,
  module: 'apps/task-tracker',
  pkg: './cmd/task-tracker',
  ldflags: `-X main.version=${versions.taskTracker.tag}`,
  localSource: true,
};
