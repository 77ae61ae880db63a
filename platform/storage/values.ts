// What the cluster model sets for storage on one cluster, and the checks on it.
import type { Cluster } from '../../generators/model';
import type { Problem } from '../../generators/component';
import { leaves } from '../../generators/shape';

export interface StorageValues {
  /** What happens to a volume when its claim is deleted. */
  reclaimPolicy: 'Delete' | 'Retain';
  /** metal clusters: the node folder local-path keeps volumes in; Talos mounts it for kubelet (bootstrap/talos/patches/metal.yaml). */
  volumeDirectory?: string;
}

export const STORAGE_KEYS = leaves('reclaimPolicy', 'volumeDirectory');

const DIRECTORY = /^(\/[A-Za-z0-9._-]+)+$/;

export function validateStorage(values: StorageValues, cluster: Cluster): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });
  if (values.reclaimPolicy !== 'Delete' && values.reclaimPolicy !== 'Retain') {
    fail('reclaimPolicy', `${JSON.stringify(values.reclaimPolicy)} is not Delete or Retain`);
  }
  if (cluster.provider === 'metal') {
    if (typeof values.volumeDirectory !== 'string' || !DIRECTORY.test(values.volumeDirectory)) {
      fail(
        'volumeDirectory',
        `${JSON.stringify(values.volumeDirectory)} is not an absolute folder path like /var/local-path-provisioner`,
      );
    }
  } else if (values.volumeDirectory !== undefined) {
    fail(
      'volumeDirectory',
      `only local-path keeps volumes in a node folder; remove it on a ${cluster.provider} cluster`,
    );
  }
  return problems;
}
