// The Talos scripts end to end, against stub talosctl/kubectl on PATH that record their argv and simulate node states.
// sops and the Talos machinery are the real ones.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import type { MetalCluster } from '../../generators/model';
import { buildGoTool, goTool } from '../../generators/go-tools';
import { TALOS_CONFIG_TOOL } from './tools';
import { repoRoot } from '../../generators/repo';
import { ageRecipients, isEncryptedValue } from '../../generators/secrets/sops';
import { versions } from '../../generators/versions';
import { loadInventory } from './inventory';
import { describe as show } from './runner';
import { RETRIES } from './steps';
import { AWS_SCHEMATIC_ID } from './schematic';

const here = join(repoRoot, 'bootstrap/talos');
const AWS_IPS = ['10.10.1.10', '10.10.2.10', '10.10.3.10'];
const ONPREM = { cps: ['10.30.0.11', '10.30.0.12', '10.30.0.13'], workers: ['10.30.0.21', '10.30.0.22'] };

let work: string;
let fullPath: string;
let noKubectlPath: string;
const files = { ageKey: '', secrets: '', gitKey: '', knownHosts: '', awsOutputs: '' };
let recipient: string;

interface Call {
  tool: string;
  args: string[];
  stdin?: string;
}

interface State {
  configured: string[];
  etcdBootstrapped: boolean;
  readyzFailures: number;
  failures?: Record<string, number>;
  /** Talos version per node IP, as `talosctl version` reports it. */
  talos?: Record<string, string>;
  /** The nodes `kubectl get nodes` lists without the control-plane role. */
  workers?: { name: string; ip: string }[];
  kubernetes?: string;
  /** Nodes whose upgrade leaves the cluster unhealthy (health fails until `unhealthy` is cleared). */
  breaks?: string[];
  unhealthy?: boolean;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'talos-cli-'));
  // A throw-away age key and a real secrets bundle encrypted to it (the cluster keys are not on this machine).
  execFileSync(goTool('age-keygen'), ['-o', join(work, 'full.agekey')], { stdio: 'ignore' });
  const identity = readFileSync(join(work, 'full.agekey'), 'utf8');
  recipient = /# public key: (age1\w+)/.exec(identity)![1]!;
  files.ageKey = join(work, 'cluster.agekey');
  writeFileSync(files.ageKey, identity);
  const bundle = execFileSync(buildGoTool(TALOS_CONFIG_TOOL), ['secrets', '--talos-version', versions.talos], {
    encoding: 'utf8',
  });
  files.secrets = join(work, 'secrets.sops.yaml');
  writeFileSync(
    files.secrets,
    execFileSync(
      goTool('sops'),
      [
        'encrypt',
        '--age',
        recipient,
        '--input-type',
        'yaml',
        '--output-type',
        'yaml',
        '--filename-override',
        'secrets.yaml',
      ],
      { input: bundle, cwd: work },
    ),
  );
  files.gitKey = join(work, 'deploy-key');
  writeFileSync(files.gitKey, '-----BEGIN OPENSSH PRIVATE KEY-----\nstub\n-----END OPENSSH PRIVATE KEY-----\n');
  files.knownHosts = join(work, 'known_hosts');
  writeFileSync(files.knownHosts, 'github.com ssh-ed25519 AAAAstub\n');
  files.awsOutputs = join(work, 'stack-outputs.json');
  writeFileSync(
    files.awsOutputs,
    JSON.stringify({
      cluster: 'aws',
      apiEndpoint: 'https://aws-api-0a1b.elb.eu-central-1.amazonaws.com:6443',
      controlPlaneIps: AWS_IPS,
      nodesDeclared: true,
    }),
  );

  // PATH: the stubs, and bash for zx; nothing else, so a missing stub is a missing tool.
  const bin = (name: string) => {
    const dir = join(work, name);
    mkdirSync(dir);
    return dir;
  };
  const sys = bin('sys');
  symlinkSync(execFileSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim(), join(sys, 'bash'));
  const stubs = bin('stubs');
  const onlyTalosctl = bin('only-talosctl');
  for (const [dir, tools] of [
    [stubs, ['talosctl', 'kubectl']],
    [onlyTalosctl, ['talosctl']],
  ] as const) {
    for (const tool of tools) {
      writeFileSync(
        join(dir, tool),
        `#!/bin/sh\nexec "${process.execPath}" "${join(here, 'test/stub.mjs')}" ${tool} "$@"\n`,
      );
      chmodSync(join(dir, tool), 0o755);
    }
  }
  fullPath = `${stubs}:${sys}`;
  noKubectlPath = `${onlyTalosctl}:${sys}`;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

let runs = 0;

/** Runs `npm run talos -- <args>` with the stubs; returns its output and the stub calls, in order. */
function talos(args: string[], state: State, options: { path?: string; outDir?: string } = {}) {
  const dir = join(work, `run-${++runs}`);
  mkdirSync(dir);
  const log = join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  const stateFile = join(dir, 'state.json');
  writeFileSync(stateFile, JSON.stringify({ ...state, log }));
  const outDir = options.outDir ?? join(dir, 'out');
  const result = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/tsx/dist/cli.mjs'),
      join(repoRoot, 'generators/cli/talos.ts'),
      ...args,
      '--out',
      outDir,
      '--retry-delay',
      '0',
    ],
    { cwd: repoRoot, encoding: 'utf8', env: { PATH: options.path ?? fullPath, STUB_STATE: stateFile, HOME: work } },
  );
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);
  return { ...result, calls, outDir, state: JSON.parse(readFileSync(stateFile, 'utf8')) as State };
}

const upArgs = (cluster: string) => [
  'up',
  '--cluster',
  cluster,
  '--yes',
  '--secrets',
  files.secrets,
  '--age-key',
  files.ageKey,
  '--git-key',
  files.gitKey,
  '--known-hosts',
  files.knownHosts,
  ...(cluster === 'aws' ? ['--nodes', files.awsOutputs] : []),
];

function expectedFresh(cluster: 'aws' | 'onprem', outDir: string, readyzAttempts: number): string[] {
  const talosconfig = join(outDir, 'talosconfig');
  const kubeconfig = join(outDir, 'kubeconfig');
  const cps = cluster === 'aws' ? AWS_IPS : ONPREM.cps;
  const all = cluster === 'aws' ? AWS_IPS : [...ONPREM.cps, ...ONPREM.workers];
  const on = (ip: string) => `talosctl --talosconfig ${talosconfig} --nodes ${ip} --endpoints ${ip}`;
  const kubectl = `kubectl --kubeconfig ${kubeconfig}`;
  const applies =
    cluster === 'aws'
      ? [] // the control planes boot configured from their user-data
      : [
          ...ONPREM.cps.map(
            (ip) => `talosctl apply-config --insecure --nodes ${ip} --file ${join(outDir, 'controlplane.yaml')}`,
          ),
          `talosctl apply-config --insecure --nodes 10.30.0.21 --file ${join(outDir, 'worker.yaml')}`,
          `talosctl apply-config --insecure --nodes 10.30.0.22 --file ${join(outDir, 'worker.yaml')} --config-patch $'{"machine":{"install":{"disk":"/dev/nvme0n1"}}}'`,
        ];
  return [
    `talosctl --talosconfig ${talosconfig} config endpoint ${cps.join(' ')}`,
    `talosctl --talosconfig ${talosconfig} config node ${cps[0]}`,
    ...all.map((ip) => `${on(ip)} version`),
    ...applies,
    ...cps.map((ip) => `${on(ip)} etcd members`),
    `${on(cps[0]!)} bootstrap`,
    `${on(cps[0]!)} kubeconfig ${kubeconfig} --force --merge=false`,
    ...Array.from({ length: readyzAttempts }, () => `${kubectl} get --raw=/readyz`),
    ...(cluster === 'aws'
      ? [`${kubectl} --namespace kube-system rollout status daemonset/aws-cloud-controller-manager --timeout=5m`]
      : []),
    `${kubectl} wait --for=condition=Available tigerastatus/calico --timeout=5m`,
    `${on(cps[0]!)} health --wait-timeout 10m`,
    `${kubectl} apply --server-side --force-conflicts -k ${join(repoRoot, 'flux-system')}`,
    `${kubectl} --namespace flux-system wait --for=condition=Available deployment --all --timeout=5m`,
    `${kubectl} apply --server-side -f -`,
    `${kubectl} apply --server-side -f -`,
    `${kubectl} apply --server-side -f ${join(repoRoot, 'clusters', cluster, 'flux-system/gotk-sync.yaml')}`,
    `${kubectl} --namespace flux-system wait --for=condition=Ready gitrepository.source.toolkit.fluxcd.io/flux-system kustomization.kustomize.toolkit.fluxcd.io/flux-system --timeout=10m`,
  ];
}

const shown = (calls: Call[]) => calls.map(show);

describe('up on a fresh cluster', () => {
  it('aws: issues exactly the ordered commands, waiting for an API that is not ready yet', () => {
    const run = talos(upArgs('aws'), { configured: [...AWS_IPS], etcdBootstrapped: false, readyzFailures: 2 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(shown(run.calls)).toEqual(expectedFresh('aws', run.outDir, 3));
    expect(readFileSync(join(run.outDir, 'controlplane.yaml'), 'utf8')).toContain(
      'endpoint: https://aws-api-0a1b.elb.eu-central-1.amazonaws.com:6443',
    );
  });

  it('onprem: installs every node in maintenance mode, bootstraps once, hands the age key over stdin only', () => {
    const run = talos(upArgs('onprem'), { configured: [], etcdBootstrapped: false, readyzFailures: 0 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(shown(run.calls)).toEqual(expectedFresh('onprem', run.outDir, 1));
    expect(run.state).toMatchObject({ configured: [...ONPREM.cps, ...ONPREM.workers], etcdBootstrapped: true });
    const key = readFileSync(files.ageKey, 'utf8');
    const sopsAge = JSON.parse(run.calls.find((c) => c.stdin?.includes('"sops-age"'))!.stdin!);
    expect(Buffer.from(sopsAge.data['age.agekey'], 'base64').toString()).toBe(key);
    expect(run.stdout).not.toContain('AGE-SECRET-KEY');
    expect(run.calls.flatMap((c) => c.args).join(' ')).not.toContain('AGE-SECRET-KEY');
  });
});

describe('up again', () => {
  it.each(['aws', 'onprem'])('%s: no bootstrap and no insecure apply to configured nodes', (cluster) => {
    const first = talos(upArgs(cluster), {
      configured: cluster === 'aws' ? [...AWS_IPS] : [],
      etcdBootstrapped: false,
      readyzFailures: 0,
    });
    expect(first.status).toBe(0);
    const again = talos(upArgs(cluster), { ...first.state, readyzFailures: 1 }, { outDir: first.outDir });
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const commands = shown(again.calls);
    expect(commands.filter((c) => c.includes(' bootstrap'))).toEqual([]);
    expect(commands.filter((c) => c.includes('--insecure'))).toEqual([]);
    expect(commands.filter((c) => c.endsWith('etcd members'))).toHaveLength(1); // the first control plane answers
    expect(again.stdout).toContain('not bootstrapping again');
    expect(again.stdout).toMatch(/is configured: skipping it/);
  });

  it('resumes after a failed step: health failing for good stops up, the next up finishes without a second bootstrap', () => {
    const failed = talos(upArgs('onprem'), {
      configured: [],
      etcdBootstrapped: false,
      readyzFailures: 0,
      failures: { 'talosctl health': 99 },
    });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(
      'bootstrap failed; fix the cause, then run `npm run talos -- up --cluster onprem` again',
    );
    expect(shown(failed.calls).filter((c) => c.includes(' bootstrap'))).toHaveLength(1);
    const resumed = talos(upArgs('onprem'), { ...failed.state, failures: {} }, { outDir: failed.outDir });
    expect(resumed.status).toBe(0);
    expect(shown(resumed.calls).filter((c) => c.includes(' bootstrap') || c.includes('--insecure'))).toEqual([]);
  });
});

describe('--dry-run', () => {
  it.each(['aws', 'onprem'] as const)('%s: executes nothing and prints every command of a fresh up', (cluster) => {
    const run = talos([...upArgs(cluster), '--dry-run'], {
      configured: [],
      etcdBootstrapped: false,
      readyzFailures: 0,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
    expect(existsSync(run.outDir)).toBe(false);
    const printed = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('[dry-run] '))
      .map((l) => l.slice('[dry-run] '.length));
    const fresh = withApplies(cluster, expectedFresh(cluster, run.outDir, 1), run.outDir);
    expect(printed).toEqual([
      `sops decrypt --input-type yaml --output-type yaml ${files.secrets}`,
      'talos-config gen',
      ...fresh,
    ]);
  });
});

/** In dry-run every node looks fresh, so the AWS plan shows the maintenance-mode applies that user-data normally makes unneeded. */
function withApplies(cluster: 'aws' | 'onprem', fresh: string[], outDir: string): string[] {
  if (cluster === 'onprem') return fresh;
  const firstEtcd = fresh.findIndex((c) => c.endsWith('etcd members'));
  const applies = AWS_IPS.map(
    (ip) => `talosctl apply-config --insecure --nodes ${ip} --file ${join(outDir, 'controlplane.yaml')}`,
  );
  return [...fresh.slice(0, firstEtcd), ...applies, ...fresh.slice(firstEtcd)];
}

describe('fails before any command runs', () => {
  it('on a missing tool, with an install hint', () => {
    const run = talos(
      upArgs('aws'),
      { configured: [], etcdBootstrapped: false, readyzFailures: 0 },
      { path: noKubectlPath },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing tools on PATH (nothing was run):');
    expect(run.stderr).toContain(`kubectl ${versions.kubernetes}: https://kubernetes.io/docs/tasks/tools/#kubectl`);
    expect(run.stderr).not.toContain('talosctl');
    expect(run.calls).toEqual([]);
    expect(run.stdout).toBe('');
  });

  it('on an age key that does not open the cluster secrets', () => {
    const other = join(work, 'other.agekey');
    execFileSync(goTool('age-keygen'), ['-o', other], { stdio: 'ignore' });
    const otherRecipient = /# public key: (age1\w+)/.exec(readFileSync(other, 'utf8'))![1]!;
    const run = talos(
      upArgs('aws').map((a) => (a === files.ageKey ? other : a)),
      { configured: [], etcdBootstrapped: false, readyzFailures: 0 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `--age-key ${other} is the key of ${otherRecipient}, but cluster "aws" (${files.secrets}) is encrypted for ${recipient}`,
    );
    expect(run.calls).toEqual([]);
  });

  const node = (name: string, ip: string, role: string, extra = '') =>
    `  - { name: ${name}, ip: ${ip}, role: ${role}${extra} }`;
  const inventory = (nodes: string[], dhcp = '{ start: 10.30.0.100, end: 10.30.0.199 }') =>
    `cluster: onprem\ndhcpRange: ${dhcp}\nnodes:\n${nodes.join('\n')}\n`;
  const threeCps = [
    node('cp-1', '10.30.0.11', 'controlplane'),
    node('cp-2', '10.30.0.12', 'controlplane'),
    node('cp-3', '10.30.0.13', 'controlplane'),
  ];
  it.each([
    [
      'duplicate IPs',
      inventory([...threeCps, node('worker-1', '10.30.0.12', 'worker')]),
      'nodes[3].ip: 10.30.0.12 is also the address of nodes[1]',
    ],
    [
      'an even number of control planes',
      inventory(threeCps.slice(0, 2)),
      '2 control planes: etcd needs an odd number (1, 3 or 5) to keep quorum',
    ],
    [
      'a missing disk',
      inventory([...threeCps, node('worker-1', '10.30.0.21', 'worker', ', installDisk: ')]),
      'nodes[3].installDisk: null is not a disk; use a device path such as /dev/nvme0n1',
    ],
    [
      'the VIP inside the DHCP range',
      inventory(threeCps, '{ start: 10.30.0.2, end: 10.30.0.50 }'),
      'talos.vip.address 10.30.0.10 is inside dhcpRange 10.30.0.2-10.30.0.50',
    ],
    [
      'a node outside the node subnet',
      inventory([...threeCps, node('worker-1', '10.31.0.21', 'worker')]),
      'nodes[3].ip: 10.31.0.21 is outside the node subnet 10.30.0.0/24',
    ],
    [
      'a node on the VIP',
      inventory([...threeCps, node('worker-1', '10.30.0.10', 'worker')]),
      'nodes[3].ip: 10.30.0.10 is the VIP; a node cannot hold it as its own address',
    ],
    [
      'a node inside the DHCP range',
      inventory([...threeCps, node('worker-1', '10.30.0.150', 'worker')]),
      'nodes[3].ip: 10.30.0.150 is inside dhcpRange 10.30.0.100-10.30.0.199',
    ],
    [
      'a misspelt field',
      inventory([...threeCps, node('worker-1', '10.30.0.21', 'worker', ', instalDisk: /dev/sdb')]),
      'nodes[3].instalDisk: is not a known field; known: name, ip, role, installDisk',
    ],
    [
      'an unknown role',
      inventory([...threeCps, node('worker-1', '10.30.0.21', 'etcd')]),
      'nodes[3].role: "etcd" is not one of controlplane, worker',
    ],
  ])('on an inventory with %s', (_, text, message) => {
    const file = join(work, `inventory-${++runs}.yaml`);
    writeFileSync(file, text);
    const run = talos(['install', '--cluster', 'onprem', '--yes', '--nodes', file], {
      configured: [],
      etcdBootstrapped: false,
      readyzFailures: 0,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${file} is not usable (nothing was run):`);
    expect(run.stderr).toContain(message);
    expect(run.calls).toEqual([]);
  });

  it('on stack outputs without control planes or with a bad endpoint', () => {
    const file = join(work, 'bad-outputs.json');
    writeFileSync(
      file,
      JSON.stringify({ apiEndpoint: 'aws-api.elb.amazonaws.com', controlPlaneIps: [], nodesDeclared: true }),
    );
    const run = talos(['install', '--cluster', 'aws', '--yes', '--nodes', file], {
      configured: [],
      etcdBootstrapped: false,
      readyzFailures: 0,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('apiEndpoint: "aws-api.elb.amazonaws.com" is not https://<load balancer>:6443');
    expect(run.stderr).toContain('controlPlaneIps: must list the control-plane addresses');
    expect(run.calls).toEqual([]);
  });

  it('on stack outputs from before the nodes were launched', () => {
    const file = join(work, 'outputs-no-nodes.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiEndpoint: 'https://aws-api.elb.amazonaws.com:6443',
        controlPlaneIps: AWS_IPS,
        nodesDeclared: false,
      }),
    );
    const run = talos(
      ['install', '--cluster', 'aws', '--yes', '--nodes', file],
      { configured: [], etcdBootstrapped: false, readyzFailures: 0 },
      { outDir: prepared() },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the stack has not launched the nodes yet');
    expect(run.calls).toEqual([]);
  });

  it('without the Git deploy key that an ssh:// repository needs', () => {
    const run = talos(
      upArgs('onprem').filter((a, i, all) => a !== '--git-key' && all[i - 1] !== '--git-key'),
      { configured: [], etcdBootstrapped: false, readyzFailures: 0 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`--git-key : required for ${estate.repository.url}, and must exist`);
    expect(run.calls).toEqual([]);
  });

  it('on a VIP outside the node subnet (a model error, caught with the inventory)', () => {
    const onprem = estate.clusters.find((c) => c.name === 'onprem') as MetalCluster;
    const moved = {
      ...onprem,
      talos: {
        ...onprem.talos,
        vip: { ...onprem.talos.vip, address: '10.31.0.10' },
        endpoint: 'https://10.31.0.10:6443',
      },
    };
    expect(() => loadInventory(moved, join(here, 'inventory/onprem.yaml'))).toThrow(
      'talos.vip.address 10.31.0.10 (generators/estate/clusters.ts) is outside the node subnet 10.30.0.0/24',
    );
  });
});

describe('safety', () => {
  it('asks before installing nodes: without --yes and without a terminal it stops before any apply', () => {
    const args = upArgs('onprem').filter((a) => a !== '--yes');
    const run = talos(args, { configured: [], etcdBootstrapped: false, readyzFailures: 0 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not confirmed: apply onprem machine configs to cp-1 (10.30.0.11)');
    expect(run.stderr).toContain('Pass --yes to run without asking.');
    expect(shown(run.calls).filter((c) => c.includes('apply-config'))).toEqual([]);
  });

  it('stops retrying after the limit with what to check', () => {
    const run = talos(
      ['bootstrap', '--cluster', 'onprem', '--yes'],
      { configured: [...ONPREM.cps], etcdBootstrapped: true, readyzFailures: 0, failures: { 'talosctl health': 99 } },
      { outDir: prepared() },
    );
    expect(run.status).toBe(1);
    const health = `talosctl --talosconfig ${join(run.outDir, 'talosconfig')} --nodes 10.30.0.11 --endpoints 10.30.0.11 health --wait-timeout 10m`;
    expect(run.stderr).toContain(`\`${health}\` failed after ${RETRIES.health} attempts: exit 1: stub: health failed`);
    expect(run.stderr).toContain('check: the failing check printed above; `kubectl get nodes,pods -A`');
    expect(shown(run.calls).filter((c) => c === health)).toHaveLength(RETRIES.health);
  });

  it('does not check health before Calico is Available, and says what to check', () => {
    const run = talos(
      ['bootstrap', '--cluster', 'onprem', '--yes'],
      { configured: [...ONPREM.cps], etcdBootstrapped: true, readyzFailures: 0, failures: { 'kubectl wait': 99 } },
      { outDir: prepared() },
    );
    expect(run.status).toBe(1);
    const wait = `kubectl --kubeconfig ${join(run.outDir, 'kubeconfig')} wait --for=condition=Available tigerastatus/calico --timeout=5m`;
    expect(run.stderr).toContain(`\`${wait}\` failed after ${RETRIES.calico} attempts: exit 1: stub: wait failed`);
    expect(run.stderr).toContain('check: `kubectl get tigerastatus` and `kubectl -n calico-system get pods`');
    expect(shown(run.calls).filter((c) => c === wait)).toHaveLength(RETRIES.calico);
    expect(shown(run.calls).filter((c) => c.includes(' health '))).toEqual([]);
  });
});

describe('the AWS cloud controller manager wait', () => {
  it('retries until the controller runs, and waits for Calico only after it', () => {
    const run = talos(
      ['bootstrap', '--cluster', 'aws', '--yes', '--nodes', files.awsOutputs],
      { configured: [...AWS_IPS], etcdBootstrapped: true, readyzFailures: 0, failures: { 'kubectl rollout': 2 } },
      { outDir: prepared() },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const calls = shown(run.calls);
    const rollout = calls.flatMap((c, i) =>
      c.includes(' rollout status daemonset/aws-cloud-controller-manager ') ? [i] : [],
    );
    expect(rollout).toHaveLength(3);
    expect(calls.findIndex((c) => c.includes('tigerastatus/calico'))).toBeGreaterThan(rollout[2]!);
  });

  it('gives up at its limit with what to check, before Calico and health', () => {
    const run = talos(
      ['bootstrap', '--cluster', 'aws', '--yes', '--nodes', files.awsOutputs],
      { configured: [...AWS_IPS], etcdBootstrapped: true, readyzFailures: 0, failures: { 'kubectl rollout': 99 } },
      { outDir: prepared() },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `failed after ${RETRIES.cloudControllerManager} attempts: exit 1: stub: rollout failed`,
    );
    expect(run.stderr).toContain('check: `kubectl -n kube-system describe daemonset aws-cloud-controller-manager`');
    expect(shown(run.calls).filter((c) => c.includes('tigerastatus') || c.includes(' health '))).toEqual([]);
  });

  it('is not run on metal', () => {
    const run = talos(
      ['bootstrap', '--cluster', 'onprem', '--yes'],
      { configured: [...ONPREM.cps], etcdBootstrapped: true, readyzFailures: 0 },
      { outDir: prepared() },
    );
    expect(run.status).toBe(0);
    expect(shown(run.calls).filter((c) => c.includes('aws-cloud-controller-manager'))).toEqual([]);
  });
});

/** An out dir as gen-config and install leave it (and bootstrap, with its kubeconfig). */
function prepared(files = ['controlplane.yaml', 'worker.yaml', 'talosconfig']): string {
  const dir = join(work, `prepared-${++runs}`);
  mkdirSync(dir);
  for (const f of files) writeFileSync(join(dir, f), '');
  return dir;
}

describe('issue 23 defect 3: upgrade, one node at a time', () => {
  const TARGET = `v${versions.talos}`;
  const OLD = 'v1.12.5';
  const ONPREM_ALL = [...ONPREM.cps, ...ONPREM.workers];
  const AWS_WORKERS = [
    { name: 'ip-10-10-70-5', ip: '10.10.70.5' },
    { name: 'ip-10-10-130-6', ip: '10.10.130.6' },
  ];
  const at = (version: string, ips: string[]) => Object.fromEntries(ips.map((ip) => [ip, version]));
  const state = (talos: Record<string, string>, extra: Partial<State> = {}): State => ({
    configured: [...ONPREM_ALL, ...AWS_IPS, ...AWS_WORKERS.map((w) => w.ip)],
    etcdBootstrapped: true,
    readyzFailures: 0,
    talos,
    ...extra,
  });
  const bootstrapped = () => prepared(['controlplane.yaml', 'worker.yaml', 'talosconfig', 'kubeconfig']);
  const upgrade = (cluster: 'aws' | 'onprem', given: State, outDir: string, extra: string[] = ['--yes']) => {
    const nodes = cluster === 'aws' ? ['--nodes', files.awsOutputs] : [];
    return talos(['upgrade', '--cluster', cluster, ...nodes, ...extra], given, { outDir });
  };

  /** `behind`: the nodes upgraded, in order; `listWorkers`: AWS, where the API lists the workers. */
  function expectedUpgrade(outDir: string, cps: string[], workers: string[], behind: string[], listWorkers: boolean) {
    const on = (ip: string) => `talosctl --talosconfig ${join(outDir, 'talosconfig')} --nodes ${ip} --endpoints ${ip}`;
    const health = `${on(cps[0]!)} health --wait-timeout 10m`;
    // AWS nodes keep their ECR credential provider: the factory installer of the schematic that holds it.
    const image = listWorkers
      ? `factory.talos.dev/aws-installer/${AWS_SCHEMATIC_ID}:${TARGET}`
      : `ghcr.io/siderolabs/installer:${TARGET}`;
    const selector = "$'!node-role.kubernetes.io/control-plane'";
    const list = `kubectl --kubeconfig ${join(outDir, 'kubeconfig')} get nodes --selector ${selector} --output json`;
    return [
      health,
      ...(listWorkers ? [list] : []),
      ...[...cps, ...workers].map((ip) => `${on(ip)} version`),
      ...behind.flatMap((ip) => [`${on(ip)} upgrade --image ${image} --wait --timeout 30m`, health]),
      `${on(cps[0]!)} upgrade-k8s --to ${versions.kubernetes} --with-docs=false --with-examples=false`,
      health,
    ];
  }

  it('onprem: control planes, then workers, health between nodes; a node already at the target is skipped', () => {
    const run = upgrade('onprem', state({ ...at(OLD, ONPREM_ALL), [ONPREM.cps[0]!]: TARGET }), bootstrapped());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const behind = ONPREM_ALL.slice(1);
    expect(shown(run.calls)).toEqual(expectedUpgrade(run.outDir, ONPREM.cps, ONPREM.workers, behind, false));
    expect(run.stdout).toContain(`cp-1 (10.30.0.11) runs Talos ${TARGET}: skipping it`);
    expect(run.state).toMatchObject({ talos: at(TARGET, ONPREM_ALL), kubernetes: versions.kubernetes });
  });

  it('aws: finds the Auto Scaling Group workers through the API and upgrades them after the control planes', () => {
    const workerIps = AWS_WORKERS.map((w) => w.ip);
    const run = upgrade('aws', state(at(OLD, [...AWS_IPS, ...workerIps]), { workers: AWS_WORKERS }), bootstrapped());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(shown(run.calls)).toEqual(expectedUpgrade(run.outDir, AWS_IPS, workerIps, [...AWS_IPS, ...workerIps], true));
  });

  it('is idempotent: run again, it upgrades no node and only lets upgrade-k8s confirm the components', () => {
    const first = upgrade('onprem', state(at(OLD, ONPREM_ALL)), bootstrapped());
    expect(first.status).toBe(0);
    const again = upgrade('onprem', first.state, first.outDir);
    expect(again.status).toBe(0);
    expect(shown(again.calls)).toEqual(expectedUpgrade(again.outDir, ONPREM.cps, ONPREM.workers, [], false));
    expect(again.stdout.match(/: skipping it/g)).toHaveLength(ONPREM_ALL.length);
  });

  it('stops at the first node after which the cluster is not healthy, and resumes there', () => {
    const broken = upgrade('onprem', state(at(OLD, ONPREM_ALL), { breaks: [ONPREM.cps[1]!] }), bootstrapped());
    expect(broken.status).toBe(1);
    const failure = `failed after ${RETRIES.health} attempts: exit 1: waiting for etcd to be healthy`;
    expect(broken.stderr).toContain(`health --wait-timeout 10m\` ${failure}`);
    expect(broken.stderr).toContain('check: the failing check printed above');
    const upgraded = shown(broken.calls).filter((c) => c.includes(' upgrade --image '));
    expect(upgraded.map((c) => /--nodes (\S+)/.exec(c)![1])).toEqual(ONPREM.cps.slice(0, 2));
    const resumed = upgrade('onprem', { ...broken.state, unhealthy: false, breaks: [] }, broken.outDir);
    expect(resumed.status).toBe(0);
    const rest = shown(resumed.calls).filter((c) => c.includes(' upgrade --image '));
    expect(rest.map((c) => /--nodes (\S+)/.exec(c)![1])).toEqual([ONPREM.cps[2], ...ONPREM.workers]);
  });

  it('touches no node of an unhealthy cluster', () => {
    const run = upgrade('onprem', state(at(OLD, ONPREM_ALL), { unhealthy: true }), bootstrapped());
    expect(run.status).toBe(1);
    expect(shown(run.calls).filter((c) => !c.endsWith(' health --wait-timeout 10m'))).toEqual([]);
  });

  it('asks before the first upgrade: without --yes and without a terminal only read-only commands run', () => {
    const run = upgrade('onprem', state(at(OLD, ONPREM_ALL)), bootstrapped(), []);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`not confirmed: upgrade onprem to Talos ${TARGET} on cp-1 (10.30.0.11), cp-2`);
    expect(shown(run.calls).filter((c) => c.includes(' upgrade'))).toEqual([]);
  });

  it('--dry-run: executes nothing and prints the full plan, every node looking behind', () => {
    const outDir = join(work, `dry-${++runs}`);
    const run = upgrade('onprem', state(at(OLD, ONPREM_ALL)), outDir, ['--dry-run']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
    const printed = run.stdout.split('\n').flatMap((l) => (l.startsWith('[dry-run] ') ? [l.slice(10)] : []));
    expect(printed).toEqual(expectedUpgrade(outDir, ONPREM.cps, ONPREM.workers, ONPREM_ALL, false));
  });

  it('needs the talosconfig and kubeconfig of bootstrap', () => {
    const run = upgrade('onprem', state(at(OLD, ONPREM_ALL)), prepared());
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('kubeconfig missing: run `npm run talos -- bootstrap --cluster onprem` first');
    expect(run.calls).toEqual([]);
  });
});

describe('the Talos secrets in Git', () => {
  const leaves = (value: unknown): unknown[] =>
    value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value];

  it.each(estate.clusters.map((c) => [c.name, c] as const))(
    '%s: every value encrypted, to the cluster recipient only',
    (name, cluster) => {
      const { sops, ...bundle } = parse(readFileSync(join(here, `secrets/${name}.sops.yaml`), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(ageRecipients(sops)).toEqual([cluster.flux.ageRecipient]);
      const values = leaves(bundle);
      expect(values.length).toBeGreaterThan(10);
      expect(values.filter((v) => !isEncryptedValue(v))).toEqual([]);
    },
  );

  it('are never regenerated over the committed bundle', () => {
    const run = talos(['secrets', '--cluster', 'aws'], { configured: [], etcdBootstrapped: false, readyzFailures: 0 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'bootstrap/talos/secrets/aws.sops.yaml already exists: the secrets of a cluster are generated once.',
    );
    expect(run.stdout).toBe('');
  });
});
