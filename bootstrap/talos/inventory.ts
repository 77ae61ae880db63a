// Which nodes a cluster has: the Pulumi stack outputs on AWS, a typed inventory file on-prem. Checked before anything
// runs.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { contains, parseCidr } from '../../generators/cidr';
import type { Cluster, MetalCluster } from '../../generators/model';
import { MODEL_FILE } from '../../generators/model-check';
import { leaves, unknownKeys } from '../../generators/shape';
import type { AwsBootstrapOutputs } from '../aws/outputs';
import { ROLES, type Role } from './machine-config';
import { shortPath } from './paths';

export interface Node {
  name: string;
  ip: string;
  role: Role;
  /** On-prem only: this node's install disk when it differs from the model's `talos.install.disk`. */
  installDisk?: string;
}

/** What the steps know about a cluster's machines. */
export interface Inventory {
  /** The Kubernetes API endpoint: the NLB on AWS, the VIP on-prem. */
  endpoint: string;
  nodes: Node[];
  /** False on AWS until the stack has launched the nodes with their machine configs as user-data. */
  nodesDeclared: boolean;
}

/** The on-prem inventory file (bootstrap/talos/inventory/<cluster>.yaml). */
export interface InventoryFile {
  cluster: string;
  /** The addresses the site's DHCP server hands out: neither nodes nor the VIP may sit in it. */
  dhcpRange?: { start: string; end: string };
  nodes: Node[];
}

/** What the scripts read of bootstrap/aws's outputs. Workers are not listed: an Auto Scaling Group runs them with their user-data. */
type AwsStackOutputs = Pick<AwsBootstrapOutputs, 'apiEndpoint' | 'controlPlaneIps' | 'nodesDeclared'>;

export class InventoryError extends Error {
  override name = 'InventoryError';
}

const NODE_KEYS = ['name', 'ip', 'role', 'installDisk'];
/** Every key of the inventory file: a misspelt `dhcpRange` would silently skip the DHCP check. */
const INVENTORY_SHAPE = { cluster: true, dhcpRange: leaves('start', 'end'), nodes: [leaves(...NODE_KEYS)] } as const;

function ipNumber(ip: string): number | undefined {
  return parseCidr(`${ip}/32`)?.first;
}

/** Reads and checks the cluster's machines; every problem is reported at once, naming the file and the field. */
export function loadInventory(cluster: Cluster, path: string): Inventory {
  const file = shortPath(path);
  if (!existsSync(path)) {
    throw new InventoryError(
      cluster.provider === 'aws'
        ? `${file} is missing: export the stack outputs in bootstrap/aws with \`pulumi stack output --json > ${path}\``
        : `${file} is missing: list the on-prem nodes there (see bootstrap/talos/inventory/onprem.yaml)`,
    );
  }
  let data: unknown;
  try {
    data = parse(readFileSync(path, 'utf8'), { uniqueKeys: true });
  } catch (error) {
    throw new InventoryError(
      `${file}: not valid ${cluster.provider === 'aws' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const problems: string[] = [];
  const inventory = cluster.provider === 'aws' ? awsInventory(data, problems) : metalInventory(cluster, data, problems);
  checkNodes(cluster, inventory.nodes, problems);
  if (problems.length)
    throw new InventoryError(`${file} is not usable (nothing was run):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return inventory;
}

function awsInventory(data: unknown, problems: string[]): Inventory {
  const outputs = (data ?? {}) as Partial<AwsStackOutputs>;
  const endpoint = String(outputs.apiEndpoint ?? '');
  if (!/^https:\/\/[\w.-]+:6443$/.test(endpoint))
    problems.push(`apiEndpoint: ${JSON.stringify(outputs.apiEndpoint ?? null)} is not https://<load balancer>:6443`);
  if (typeof outputs.nodesDeclared !== 'boolean') problems.push('nodesDeclared: must be true or false');
  if (!Array.isArray(outputs.controlPlaneIps) || outputs.controlPlaneIps.length === 0)
    problems.push('controlPlaneIps: must list the control-plane addresses');
  const ips = Array.isArray(outputs.controlPlaneIps) ? outputs.controlPlaneIps : [];
  return {
    endpoint,
    nodes: ips.map((ip, i) => ({ name: `controlplane-${i + 1}`, ip: String(ip), role: 'controlplane' })),
    nodesDeclared: outputs.nodesDeclared === true,
  };
}

function metalInventory(cluster: MetalCluster, data: unknown, problems: string[]): Inventory {
  const inventory = (data ?? {}) as Partial<InventoryFile>;
  if (data !== null && (typeof data !== 'object' || Array.isArray(data)))
    problems.push('the file must hold a mapping of cluster, nodes, dhcpRange');
  unknownKeys(data, INVENTORY_SHAPE, '', (field, message) => problems.push(`${field}: ${message}`));
  if (inventory.cluster !== cluster.name)
    problems.push(`cluster: ${JSON.stringify(inventory.cluster ?? null)} should be "${cluster.name}"`);
  if (!Array.isArray(inventory.nodes) || inventory.nodes.length === 0) problems.push('nodes: must list the nodes');
  const nodes = (Array.isArray(inventory.nodes) ? inventory.nodes : []) as Node[];
  nodes.forEach((node, i) => {
    if (typeof node?.name !== 'string' || node.name === '') problems.push(`nodes[${i}].name: is missing`);
    if (node?.installDisk !== undefined) {
      if (typeof node.installDisk !== 'string' || !/^\/dev\/\S+$/.test(node.installDisk)) {
        problems.push(
          `nodes[${i}].installDisk: ${JSON.stringify(node.installDisk)} is not a disk; use a device path such as /dev/nvme0n1`,
        );
      } else if (!('disk' in cluster.talos.install)) {
        problems.push(
          `nodes[${i}].installDisk: the model picks disks with talos.install.diskSelector (${MODEL_FILE}); drop installDisk or change the model to a disk`,
        );
      }
    }
  });
  const vip = cluster.talos.vip.address;
  const nodeCidr = parseCidr(cluster.network.nodeCidr);
  if (nodeCidr && !contains(nodeCidr, vip))
    problems.push(`talos.vip.address ${vip} (${MODEL_FILE}) is outside the node subnet ${cluster.network.nodeCidr}`);
  if (new URL(cluster.talos.endpoint).hostname !== vip)
    problems.push(`talos.endpoint ${cluster.talos.endpoint} (${MODEL_FILE}) does not point at the VIP ${vip}`);
  const ipOf = new Map(nodes.map((n, i) => [n?.ip, i]));
  if (ipOf.has(vip))
    problems.push(`nodes[${ipOf.get(vip)}].ip: ${vip} is the VIP; a node cannot hold it as its own address`);
  if (inventory.dhcpRange) {
    const start = ipNumber(inventory.dhcpRange.start);
    const end = ipNumber(inventory.dhcpRange.end);
    if (start === undefined || end === undefined || start > end) {
      problems.push(
        `dhcpRange: ${JSON.stringify(inventory.dhcpRange)} is not a range of two IPv4 addresses, start first`,
      );
    } else {
      const inRange = (ip: string) => {
        const n = ipNumber(ip);
        return n !== undefined && n >= start && n <= end;
      };
      if (inRange(vip))
        problems.push(
          `talos.vip.address ${vip} is inside dhcpRange ${inventory.dhcpRange.start}-${inventory.dhcpRange.end}: the DHCP server could hand it out`,
        );
      nodes.forEach((n, i) => {
        if (inRange(n?.ip))
          problems.push(
            `nodes[${i}].ip: ${n.ip} is inside dhcpRange ${inventory.dhcpRange!.start}-${inventory.dhcpRange!.end}`,
          );
      });
    }
  }
  return { endpoint: cluster.talos.endpoint, nodes, nodesDeclared: true };
}

function checkNodes(cluster: Cluster, nodes: Node[], problems: string[]): void {
  const field = (i: number) => (cluster.provider === 'aws' ? `controlPlaneIps[${i}]` : `nodes[${i}]`);
  const nodeCidr = parseCidr(cluster.network.nodeCidr);
  const seenIp = new Map<string, number>();
  const seenName = new Map<string, number>();
  nodes.forEach((node, i) => {
    const at = cluster.provider === 'aws' ? field(i) : `${field(i)}.ip`;
    if (ipNumber(node?.ip) === undefined)
      problems.push(`${at}: ${JSON.stringify(node?.ip ?? null)} is not an IPv4 address`);
    else if (nodeCidr && !contains(nodeCidr, node.ip))
      problems.push(`${at}: ${node.ip} is outside the node subnet ${cluster.network.nodeCidr} (${MODEL_FILE})`);
    if (seenIp.has(node?.ip)) problems.push(`${at}: ${node.ip} is also the address of ${field(seenIp.get(node.ip)!)}`);
    seenIp.set(node?.ip, i);
    if (seenName.has(node?.name))
      problems.push(`${field(i)}.name: ${node.name} is also the name of ${field(seenName.get(node.name)!)}`);
    seenName.set(node?.name, i);
    if (!ROLES.includes(node?.role))
      problems.push(`${field(i)}.role: ${JSON.stringify(node?.role ?? null)} is not one of ${ROLES.join(', ')}`);
  });
  const controlPlanes = nodes.filter((n) => n?.role === 'controlplane').length;
  if (controlPlanes % 2 === 0) {
    problems.push(`${controlPlanes} control planes: etcd needs an odd number (1, 3 or 5) to keep quorum`);
  }
}
