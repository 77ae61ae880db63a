// The steps that stand a cluster up; each one is safe to run again, so `up` resumes where it stopped.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { question } from 'zx';
import type { Cluster } from '../../generators/model';
import { parseManifests } from '../../generators/manifests';
import { repoRoot } from '../../generators/repo';
import { ageRecipients } from '../../generators/secrets/sops';
import { versions } from '../../generators/versions';
import type { Inventory, Node } from './inventory';
import { CCM_NAME, CCM_NAMESPACE } from './cloud-controller-manager';
import { CALICO_OPERATOR_URL, genRequest, type GenReport } from './machine-config';
import { installImage } from './schematic';
import { shortPath } from './paths';
import type { Runner } from './runner';

export interface Context {
  cluster: Cluster;
  /** Where the machine configs, talosconfig and kubeconfig go (gitignored). */
  outDir: string;
  /** The SOPS-encrypted Talos secrets bundle in Git. */
  secretsFile: string;
  /** The cluster's age private key: decrypts the Talos secrets, and becomes Flux's `sops-age` Secret. */
  ageKey?: string;
  /** Deploy key and known_hosts for the repository, when Flux pulls it over SSH. */
  gitKey?: string;
  knownHosts?: string;
  /** The checkout `flux` installs from (flux-system/ and the cluster's gotk-sync.yaml): this repository by default. */
  root?: string;
  yes: boolean;
  runner: Runner;
  log: (line: string) => void;
}

export const RETRIES = {
  kubeconfig: 5,
  readyz: 30,
  cloudControllerManager: 20,
  calico: 20,
  apply: 5,
  health: 3,
  version: 3,
};

const talosconfig = (ctx: Context) => join(ctx.outDir, 'talosconfig');
const kubeconfig = (ctx: Context) => join(ctx.outDir, 'kubeconfig');
const controlPlanes = (nodes: Node[]) => nodes.filter((n) => n.role === 'controlplane');
/** talosctl against one node, through that node: endpoints are node IPs, never the load balancer or the VIP. */
const onNode = (ctx: Context, ip: string) => ['--talosconfig', talosconfig(ctx), '--nodes', ip, '--endpoints', ip];

async function confirm(ctx: Context, action: string): Promise<void> {
  if (ctx.yes || ctx.runner.dryRun) return;
  if (!process.stdin.isTTY) throw new Error(`not confirmed: ${action}. Pass --yes to run without asking.`);
  const answer = await question(`${action}. Continue? [y/N] `);
  if (answer.trim().toLowerCase() !== 'y') throw new Error(`stopped before: ${action}`);
}

function requireFiles(ctx: Context, files: string[], hint: string): void {
  if (ctx.runner.dryRun) return;
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`${missing.map(shortPath).join(', ')} missing: ${hint}`);
}

/** `talosctl gen secrets`, encrypted by sops to the cluster's age recipient; done once per cluster, never overwritten. */
export async function genSecrets(ctx: Context): Promise<void> {
  const target = shortPath(ctx.secretsFile);
  if (existsSync(ctx.secretsFile)) {
    throw new Error(
      `${target} already exists: the secrets of a cluster are generated once. Remove it only to rebuild the cluster from scratch.`,
    );
  }
  const bundle = await ctx.runner.run({
    tool: 'talos-config',
    args: ['secrets', '--talos-version', versions.talos],
    check: 'the Go toolchain can build bootstrap/talos/machinery',
  });
  const encrypted = await ctx.runner.run({
    tool: 'sops',
    args: [
      '--config',
      join(repoRoot, '.sops.yaml'),
      'encrypt',
      '--filename-override',
      target,
      '--input-type',
      'yaml',
      '--output-type',
      'yaml',
    ],
    input: bundle,
    check: `.sops.yaml has a creation rule for ${target} with cluster "${ctx.cluster.name}"'s age recipient`,
  });
  if (ctx.runner.dryRun) return;
  const recipients = ageRecipients(parseManifests(target, encrypted).docs[0]?.object.sops);
  if (recipients.join() !== ctx.cluster.flux.ageRecipient) {
    throw new Error(
      `sops encrypted ${target} for ${recipients.join(', ') || 'nobody'}, not only ${ctx.cluster.flux.ageRecipient}: fix its rule in .sops.yaml`,
    );
  }
  writeFileSync(ctx.secretsFile, encrypted);
  ctx.log(`wrote ${target}: commit it`);
}

/** Machine configs from the secrets and the patches, without docs and examples, validated by the Talos machinery. */
export async function genConfig(ctx: Context, inventory: Inventory): Promise<void> {
  if (!existsSync(ctx.secretsFile)) {
    throw new Error(
      `${shortPath(ctx.secretsFile)} is missing: create the cluster's secrets once with \`npm run talos -- secrets --cluster ${ctx.cluster.name}\``,
    );
  }
  const bundle = await ctx.runner.run({
    tool: 'sops',
    args: ['decrypt', '--input-type', 'yaml', '--output-type', 'yaml', ctx.secretsFile],
    env: ctx.ageKey ? { SOPS_AGE_KEY_FILE: ctx.ageKey } : {},
    check: `--age-key is the private key of ${ctx.cluster.flux.ageRecipient} (cluster "${ctx.cluster.name}")`,
  });
  const report = await ctx.runner.run({
    tool: 'talos-config',
    args: ['gen'],
    input: genRequest(ctx.cluster, inventory.endpoint, bundle, ctx.outDir),
    check: `the patch file named in the error (bootstrap/talos/patches/) and the talos section of cluster "${ctx.cluster.name}" in generators/estate/clusters.ts`,
  });
  if (ctx.runner.dryRun) return;
  for (const [role, generated] of Object.entries(JSON.parse(report) as GenReport)) {
    ctx.log(
      `${role}: ${shortPath(generated.path)}, ${generated.bytes} bytes, valid${generated.warnings?.length ? `; warnings: ${generated.warnings.join('; ')}` : ''}`,
    );
  }
  if (ctx.cluster.provider === 'aws') {
    ctx.log(
      `OIDC documents of ${ctx.cluster.serviceAccountIssuer}: ${shortPath(join(ctx.outDir, 'oidc'))}/ (the next \`pulumi up\` in bootstrap/aws publishes them)`,
    );
  }
}

/** Points talosconfig at the control planes, then applies configs in maintenance mode to the nodes that have none yet. */
export async function install(ctx: Context, { nodes, nodesDeclared }: Inventory): Promise<void> {
  if (!nodesDeclared) {
    throw new Error(
      'the stack has not launched the nodes yet: give it the machine configs (see "Standing up a cluster" in README.md: ' +
        '`pulumi config set --secret talosControlPlaneConfig < ...`) and run `pulumi up` in bootstrap/aws again, then export its outputs',
    );
  }
  requireFiles(
    ctx,
    ['controlplane.yaml', 'worker.yaml', 'talosconfig'].map((f) => join(ctx.outDir, f)),
    `run \`npm run talos -- gen-config --cluster ${ctx.cluster.name}\` first`,
  );
  const cpIps = controlPlanes(nodes).map((n) => n.ip);
  const check = `${shortPath(talosconfig(ctx))} is writable`;
  await ctx.runner.run({
    tool: 'talosctl',
    args: ['--talosconfig', talosconfig(ctx), 'config', 'endpoint', ...cpIps],
    check,
  });
  await ctx.runner.run({
    tool: 'talosctl',
    args: ['--talosconfig', talosconfig(ctx), 'config', 'node', cpIps[0]!],
    check,
  });
  const fresh: Node[] = [];
  for (const node of nodes) {
    if (await ctx.runner.probe({ tool: 'talosctl', args: [...onNode(ctx, node.ip), 'version'] }))
      ctx.log(`${node.name} (${node.ip}) is configured: skipping it`);
    else fresh.push(node);
  }
  if (!fresh.length) return;
  await confirm(
    ctx,
    `apply ${ctx.cluster.name} machine configs to ${fresh.map((n) => `${n.name} (${n.ip})`).join(', ')}, which installs Talos on their disks`,
  );
  for (const node of fresh) {
    const perNodeDisk = node.installDisk
      ? ['--config-patch', JSON.stringify({ machine: { install: { disk: node.installDisk } } })]
      : [];
    await ctx.runner.run({
      tool: 'talosctl',
      args: [
        'apply-config',
        '--insecure',
        '--nodes',
        node.ip,
        '--file',
        join(ctx.outDir, `${node.role}.yaml`),
        ...perNodeDisk,
      ],
      check: `${node.name} (${node.ip}) is booted from the Talos ${versions.talos} image in maintenance mode and reachable on 50000/tcp; a node configured by other secrets must be reset first`,
    });
  }
}

/**
 * Bootstraps etcd exactly once, then waits for the API, on AWS for the cloud controller manager, and for Calico (Talos
 * installs them at bootstrap), and checks health.
 */
export async function bootstrap(ctx: Context, { nodes, endpoint }: Inventory): Promise<void> {
  requireFiles(ctx, [talosconfig(ctx)], `run \`npm run talos -- install --cluster ${ctx.cluster.name}\` first`);
  const first = controlPlanes(nodes)[0]!;
  let member: Node | undefined;
  for (const cp of controlPlanes(nodes)) {
    if (await ctx.runner.probe({ tool: 'talosctl', args: [...onNode(ctx, cp.ip), 'etcd', 'members'] })) {
      member = cp;
      break;
    }
  }
  if (member) {
    ctx.log(`etcd already has members (asked ${member.name}, ${member.ip}): not bootstrapping again`);
  } else {
    await confirm(ctx, `bootstrap etcd of ${ctx.cluster.name} on ${first.name} (${first.ip})`);
    await ctx.runner.run({
      tool: 'talosctl',
      args: [...onNode(ctx, first.ip), 'bootstrap'],
      check: `${first.name} finished installing (\`talosctl ${onNode(ctx, first.ip).join(' ')} dmesg\`) and etcd waits for bootstrap (\`... service etcd\`); never bootstrap a second node`,
    });
  }
  await ctx.runner.run({
    tool: 'talosctl',
    args: [...onNode(ctx, first.ip), 'kubeconfig', kubeconfig(ctx), '--force', '--merge=false'],
    attempts: RETRIES.kubeconfig,
    check: `${first.ip} answers on 50000/tcp with this talosconfig`,
  });
  await ctx.runner.run({
    tool: 'kubectl',
    args: ['--kubeconfig', kubeconfig(ctx), 'get', '--raw=/readyz'],
    attempts: RETRIES.readyz,
    check: `${endpoint} is reachable from here (${ctx.cluster.provider === 'aws' ? 'NLB listener and security groups' : 'the VIP is held by a control plane'}) and kube-apiserver runs (\`talosctl ${onNode(ctx, first.ip).join(' ')} service kube-apiserver\`)`,
  });
  if (ctx.cluster.provider === 'aws') {
    // Nodes stay tainted uninitialized, so Calico's controllers cannot schedule, until this controller runs. Retried:
    // the DaemonSet appears only once Talos has applied its inline manifest.
    await ctx.runner.run({
      tool: 'kubectl',
      args: [
        '--kubeconfig',
        kubeconfig(ctx),
        '--namespace',
        CCM_NAMESPACE,
        'rollout',
        'status',
        `daemonset/${CCM_NAME}`,
        '--timeout=5m',
      ],
      attempts: RETRIES.cloudControllerManager,
      check:
        `\`kubectl -n ${CCM_NAMESPACE} describe daemonset ${CCM_NAME}\` and its pods' logs: the image pullable, the control planes' ` +
        'instance role (bootstrap/aws iam.ts) allowed, IMDSv2 answering on the host network; `kubectl get nodes -o wide` (providerID set?)',
    });
  }
  // Retried: the TigeraStatus type and object appear only once Talos has applied the operator and the operator runs.
  await ctx.runner.run({
    tool: 'kubectl',
    args: ['--kubeconfig', kubeconfig(ctx), 'wait', '--for=condition=Available', 'tigerastatus/calico', '--timeout=5m'],
    attempts: RETRIES.calico,
    check:
      `\`kubectl get tigerastatus\` and \`kubectl -n calico-system get pods\`: the control planes fetched ${CALICO_OPERATOR_URL} ` +
      `(\`talosctl ${onNode(ctx, first.ip).join(' ')} get manifests\`), images pullable, VXLAN 4789/udp and Typha 5473/tcp open between nodes`,
  });
  await ctx.runner.run({
    tool: 'talosctl',
    args: [...onNode(ctx, first.ip), 'health', '--wait-timeout', '10m'],
    attempts: RETRIES.health,
    check: `the failing check printed above; \`kubectl get nodes,pods -A\` (CNI pods, nodes Ready) and \`talosctl ${onNode(ctx, first.ip).join(' ')} dmesg\``,
  });
}

/** The Talos version in the Server part of `talosctl version` (talos v1.12.6 cmd/talosctl/cmd/talos/version.go). */
function serverTag(output: string): string | undefined {
  return /^Server:$[\s\S]*?^\s*Tag:\s*(\S+)$/m.exec(output)?.[1];
}

interface ListedNode {
  metadata?: { name?: string };
  status?: { addresses?: { type: string; address: string }[] };
}

/** The workers: the inventory's on metal; on AWS, the Auto Scaling Group's, as the API lists them. */
async function workers(ctx: Context, nodes: Node[]): Promise<Node[]> {
  if (ctx.cluster.provider !== 'aws') return nodes.filter((n) => n.role === 'worker');
  const selector = '!node-role.kubernetes.io/control-plane';
  const listed = await ctx.runner.run({
    tool: 'kubectl',
    args: ['--kubeconfig', kubeconfig(ctx), 'get', 'nodes', '--selector', selector, '--output', 'json'],
    attempts: RETRIES.apply,
    check: `the API server answers (\`kubectl --kubeconfig ${shortPath(kubeconfig(ctx))} get --raw=/readyz\`)`,
  });
  if (ctx.runner.dryRun) {
    ctx.log('[dry-run] the workers that kubectl lists follow the control planes, one at a time, the same way');
    return [];
  }
  let items: ListedNode[] | undefined;
  try {
    items = (JSON.parse(listed) as { items?: ListedNode[] }).items;
  } catch {
    items = undefined;
  }
  if (!Array.isArray(items)) throw new Error(`\`kubectl get nodes --output json\` printed no node list: ${listed}`);
  return items.map((item, i) => {
    const name = item.metadata?.name ?? `items[${i}]`;
    const ip = item.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (!ip) throw new Error(`node ${name} has no InternalIP in \`kubectl get nodes\`: its Talos API is out of reach`);
    return { name, ip, role: 'worker' };
  });
}

/**
 * Talos, then Kubernetes, to the pinned versions (generators/versions.ts and the model), one node at a time: the
 * control planes first, then the workers, each only while the cluster is healthy, etcd included (`talosctl health`,
 * siderolabs/talos v1.12.6 pkg/cluster/check/default.go). A node that already runs the target Talos is skipped;
 * `upgrade-k8s` skips the components already at the target itself (pkg/cluster/kubernetes/talos_managed.go).
 */
export async function upgrade(ctx: Context, { nodes }: Inventory): Promise<void> {
  const hint = `run \`npm run talos -- bootstrap --cluster ${ctx.cluster.name}\` first`;
  requireFiles(ctx, [talosconfig(ctx), kubeconfig(ctx)], hint);
  const first = controlPlanes(nodes)[0]!;
  const target = `v${versions.talos}`;
  const healthy = () =>
    ctx.runner.run({
      tool: 'talosctl',
      args: [...onNode(ctx, first.ip), 'health', '--wait-timeout', '10m'],
      attempts: RETRIES.health,
      check:
        'the failing check printed above (etcd members, nodes Ready, control-plane pods): nothing more is upgraded ' +
        `until it passes; \`talosctl ${onNode(ctx, first.ip).join(' ')} etcd status\` and \`kubectl get nodes\``,
    });
  // Never take a node down while another one is: etcd keeps its quorum only with one member missing at a time.
  await healthy();
  const behind: Node[] = [];
  for (const node of [...controlPlanes(nodes), ...(await workers(ctx, nodes))]) {
    const reported = await ctx.runner.run({
      tool: 'talosctl',
      args: [...onNode(ctx, node.ip), 'version'],
      attempts: RETRIES.version,
      check: `${node.name} (${node.ip}) answers on 50000/tcp with this talosconfig`,
    });
    const current = serverTag(reported);
    if (!ctx.runner.dryRun && !current) {
      throw new Error(`\`talosctl version\` of ${node.name} (${node.ip}) names no server Tag:\n${reported}`);
    }
    if (current === target) ctx.log(`${node.name} (${node.ip}) runs Talos ${target}: skipping it`);
    else behind.push(node);
  }
  const kubernetes = ctx.cluster.kubernetesVersion;
  const names = behind.map((n) => `${n.name} (${n.ip})`).join(', ');
  const onNodes = behind.length ? ` on ${names}, one at a time (each reboots),` : '';
  await confirm(ctx, `upgrade ${ctx.cluster.name} to Talos ${target}${onNodes} then to Kubernetes ${kubernetes}`);
  const image = installImage(ctx.cluster);
  for (const node of behind) {
    await ctx.runner.run({
      tool: 'talosctl',
      // --wait tracks the node until it is back and has rebooted (cmd/talosctl/cmd/talos/upgrade.go, track.go).
      args: [...onNode(ctx, node.ip), 'upgrade', '--image', image, '--wait', '--timeout', '30m'],
      check:
        `\`talosctl ${onNode(ctx, node.ip).join(' ')} dmesg\` and \`... service\`: ${image} pullable; ` +
        `talosctl refuses while etcd is unhealthy; rerun \`upgrade\`: nodes at ${target} are skipped`,
    });
    await healthy();
  }
  await ctx.runner.run({
    tool: 'talosctl',
    // Without docs and examples, as gen-config writes the configs (upgrade-k8s adds both by default).
    args: [...onNode(ctx, first.ip), 'upgrade-k8s', '--to', kubernetes, '--with-docs=false', '--with-examples=false'],
    check:
      'the step printed above; Kubernetes moves one minor version per upgrade (generators/versions.ts), and ' +
      `Talos ${target} must support ${kubernetes}; rerun \`upgrade\`: components already at ${kubernetes} are skipped`,
  });
  await healthy();
}

function secretManifest(name: string, data: Record<string, string>): string {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'flux-system' },
    type: 'Opaque',
    data: encoded,
  });
}

/** Installs Flux, hands it the cluster's age key and Git credentials, and points it at clusters/<name>. */
export async function flux(ctx: Context): Promise<void> {
  requireFiles(ctx, [kubeconfig(ctx)], `run \`npm run talos -- bootstrap --cluster ${ctx.cluster.name}\` first`);
  const kube = ['--kubeconfig', kubeconfig(ctx)];
  await ctx.runner.run({
    tool: 'kubectl',
    args: [...kube, 'apply', '--server-side', '--force-conflicts', '-k', join(ctx.root ?? repoRoot, 'flux-system')],
    attempts: RETRIES.apply,
    check: 'the API server answers (`kubectl get --raw=/readyz`) and flux-system/ builds (`npm run validate`)',
  });
  await ctx.runner.run({
    tool: 'kubectl',
    args: [
      ...kube,
      '--namespace',
      'flux-system',
      'wait',
      '--for=condition=Available',
      'deployment',
      '--all',
      '--timeout=5m',
    ],
    check:
      '`kubectl -n flux-system get pods` and `kubectl -n flux-system describe deployment`: images pullable, nodes schedulable',
  });
  await ctx.runner.run({
    tool: 'kubectl',
    args: [...kube, 'apply', '--server-side', '-f', '-'],
    input: secretManifest('sops-age', { 'age.agekey': readFileSync(ctx.ageKey!, 'utf8') }),
    attempts: RETRIES.apply,
    check: 'the flux-system namespace exists (`kubectl get ns flux-system`)',
  });
  if (ctx.gitKey) {
    await ctx.runner.run({
      tool: 'kubectl',
      args: [...kube, 'apply', '--server-side', '-f', '-'],
      input: secretManifest('flux-system', {
        identity: readFileSync(ctx.gitKey, 'utf8'),
        known_hosts: readFileSync(ctx.knownHosts!, 'utf8'),
      }),
      attempts: RETRIES.apply,
      check: 'the flux-system namespace exists (`kubectl get ns flux-system`)',
    });
  }
  const sync = join(ctx.root ?? repoRoot, ctx.cluster.flux.path, 'flux-system', 'gotk-sync.yaml');
  await ctx.runner.run({
    tool: 'kubectl',
    args: [...kube, 'apply', '--server-side', '-f', sync],
    attempts: RETRIES.apply,
    check: `the Flux CRDs are established (\`kubectl get crd | grep fluxcd\`) and ${shortPath(sync)} is rendered (\`npm run render\`)`,
  });
  const objects = parseManifests(shortPath(sync), readFileSync(sync, 'utf8')).docs.map(({ object }) => {
    const group = object.apiVersion!.split('/')[0];
    return `${object.kind!.toLowerCase()}.${group}/${object.metadata!.name}`;
  });
  await ctx.runner.run({
    tool: 'kubectl',
    args: [...kube, '--namespace', 'flux-system', 'wait', '--for=condition=Ready', ...objects, '--timeout=10m'],
    check: `\`kubectl -n flux-system get gitrepositories,kustomizations\`: the deploy key has read access to ${ctx.cluster.flux.path}'s repository, and the sops-age key decrypts its secrets`,
  });
}
