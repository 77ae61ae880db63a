// What the machine configs are made of: the patch files in Git, filled with the cluster model's values.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../../generators/model';
import { ecrHost } from '../../generators/images';
import { jwksUri } from '../../generators/irsa';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';
import { cloudControllerManager } from './cloud-controller-manager';
import { installImage } from './schematic';

export type Role = 'controlplane' | 'worker';
export const ROLES: Role[] = ['controlplane', 'worker'];

export const PATCH_DIR = 'bootstrap/talos/patches';
/** EC2's user-data limit; the configs are generated without docs and examples to stay under it. */
export const USER_DATA_LIMIT = 16 * 1024;

export interface PatchFile {
  /** Repo-relative path. */
  file: string;
  content: string;
}

/** The Tigera operator (its CRDs included) that Talos applies at bootstrap as the custom CNI's manifest. */
export const CALICO_OPERATOR_URL = `https://raw.githubusercontent.com/projectcalico/calico/v${versions.calico}/manifests/tigera-operator.yaml`;

/**
 * The operator's Installation, which Talos applies next to the operator. VXLAN without BGP: the only node-to-node
 * ports are VXLAN 4789/udp and Typha 5473/tcp. The iptables dataplane matches kube-proxy, which runs in Talos's default
 * iptables mode (Calico's nftables dataplane needs kube-proxy in nftables mode). No CSI driver: Talos's Calico guide
 * turns it off (`kubeletVolumePluginPath: None`). One-line JSON, like the cloud controller's documents: the indented
 * YAML of an inline manifest costs the aws control-plane config bytes it needs under the user-data limit.
 */
export function calicoInstallation(cluster: Cluster): string {
  return JSON.stringify({
    apiVersion: 'operator.tigera.io/v1',
    kind: 'Installation',
    metadata: { name: 'default' },
    spec: {
      kubeletVolumePluginPath: 'None',
      calicoNetwork: {
        bgp: 'Disabled',
        linuxDataplane: 'Iptables',
        ipPools: [
          {
            name: 'default-ipv4-ippool',
            cidr: cluster.network.podCidr,
            encapsulation: 'VXLAN',
            natOutgoing: 'Enabled',
            nodeSelector: 'all()',
          },
        ],
      },
    },
  });
}

/** The values a patch may use as `{{name}}`; each is written as JSON, which YAML reads as a flow value. */
export function patchValues(cluster: Cluster): Record<string, unknown> {
  return {
    nodeCidr: cluster.network.nodeCidr,
    podCidr: cluster.network.podCidr,
    serviceCidr: cluster.network.serviceCidr,
    calicoOperatorUrl: CALICO_OPERATOR_URL,
    calicoInstallation: calicoInstallation(cluster),
    install: cluster.talos.install,
    ...(cluster.provider === 'metal'
      ? { vipAddress: cluster.talos.vip.address, vipLink: cluster.talos.vip.link }
      : {
          serviceAccountIssuer: cluster.serviceAccountIssuer,
          serviceAccountJwksUri: jwksUri(cluster.serviceAccountIssuer),
          cloudControllerManager: cloudControllerManager(cluster),
          ecrHost: ecrHost(cluster),
        }),
  };
}

export function fillPatch(file: string, text: string, values: Record<string, unknown>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) {
      throw new Error(
        `${file}: {{${name}}} is not a value of the cluster model; known: ${Object.keys(values).join(', ')}`,
      );
    }
    return JSON.stringify(values[name]);
  });
}

/** The patches of one role, in the order they apply: common, the role, the provider, then provider.role if present. */
export function patchesFor(cluster: Cluster, role: Role): PatchFile[] {
  const values = patchValues(cluster);
  const names = ['common', role, cluster.provider, `${cluster.provider}.${role}`];
  return names
    .map((name) => `${PATCH_DIR}/${name}.yaml`)
    .filter((file, index) => index < 3 || existsSync(join(repoRoot, file)))
    .map((file) => ({ file, content: fillPatch(file, readFileSync(join(repoRoot, file), 'utf8'), values) }));
}

/** The request `talos-config gen` reads on stdin (bootstrap/talos/machinery/main.go). */
export function genRequest(cluster: Cluster, endpoint: string, secretsBundle: string, outDir: string): string {
  return JSON.stringify({
    clusterName: cluster.name,
    endpoint,
    kubernetesVersion: cluster.kubernetesVersion,
    talosVersion: versions.talos,
    installImage: installImage(cluster),
    mode: cluster.provider === 'aws' ? 'cloud' : 'metal',
    secrets: secretsBundle,
    patches: Object.fromEntries(ROLES.map((role) => [role, patchesFor(cluster, role)])),
    ...(cluster.provider === 'aws' ? { serviceAccountIssuer: cluster.serviceAccountIssuer } : {}),
    outDir,
  });
}

export interface GenReport {
  [role: string]: { path: string; bytes: number; warnings: string[] | null };
}
