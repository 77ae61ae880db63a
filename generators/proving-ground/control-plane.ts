// A Kubernetes control plane on loopback, from the pinned modules: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, and kwok's fake nodes, on which pods become Running. Every key is throw-away (pki/main.go).
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { buildGoTool } from '../go-tools';
import { goModuleDir } from '../go-modules';
import { CONTROL_PLANE_LABEL } from '../placement';
import { versions } from '../versions';
import { freePort } from '../ports';
import { exited, PORT_TAKEN, type Running, start, tail, waitFor } from './processes';
import { PROVING_GROUND_TOOLS, type ProvingGroundTool } from './tools';

export interface ControlPlane {
  /** kubeconfig of a cluster-admin (system:masters). */
  kubeconfig: string;
  server: string;
  pki: string;
  processes: Running[];
  /** Milliseconds from starting kube-apiserver to its /readyz answering ok. */
  apiServerReadyMs: number;
  /** kubectl as cluster-admin; asynchronous, so the loopback Git server in this process keeps answering. */
  kubectl(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export const tool = (name: ProvingGroundTool): string => buildGoTool(PROVING_GROUND_TOOLS[name]);

const SERVICE_RANGE = '10.96.0.0/12';
/**
 * Fake nodes as a Talos cluster has them: a worker and a control plane per zone. Control planes carry the role label
 * and the NoSchedule taint Talos gives them, so what runs there by design (generators/placement.ts) is proven to fit.
 */
const FAKE_NODES = ['a', 'b', 'c'].flatMap((zone) => [
  { zone, controlPlane: false },
  { zone, controlPlane: true },
]);

/** A kubeconfig for `server`, with a client certificate of the PKI or a bearer token. */
export function writeKubeconfig(path: string, server: string, ca: string, user: Record<string, string>): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'proving-ground', cluster: { server, 'certificate-authority': ca } }],
    users: [{ name: 'user', user }],
    contexts: [{ name: 'proving-ground', context: { cluster: 'proving-ground', user: 'user' } }],
    'current-context': 'proving-ground',
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

// Talos's default PodSecurity configuration for new clusters: pkg/machinery/config/generate/init.go in
// github.com/siderolabs/talos/pkg/machinery v1.12.6 (there as v1alpha1; v1 has the same fields).
const TALOS_POD_SECURITY = {
  apiVersion: 'apiserver.config.k8s.io/v1',
  kind: 'AdmissionConfiguration',
  plugins: [
    {
      name: 'PodSecurity',
      configuration: {
        apiVersion: 'pod-security.admission.config.k8s.io/v1',
        kind: 'PodSecurityConfiguration',
        defaults: {
          enforce: 'baseline',
          'enforce-version': 'latest',
          audit: 'restricted',
          'audit-version': 'latest',
          warn: 'restricted',
          'warn-version': 'latest',
        },
        exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
      },
    },
  ],
};

// kwok's own stage files from its module (kustomize/stage/): nodes become Ready and keep a heartbeat, pods Running.
const KWOK_STAGES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat/node-heartbeat.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

function fakeNode({ zone, controlPlane }: { zone: string; controlPlane: boolean }): object {
  const name = controlPlane ? `kwok-control-plane-${zone}` : `kwok-${zone}`;
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'topology.kubernetes.io/zone': `zone-${zone}`,
        type: 'kwok',
        ...(controlPlane ? { [CONTROL_PLANE_LABEL]: '' } : {}),
      },
    },
    spec: controlPlane ? { taints: [{ key: CONTROL_PLANE_LABEL, effect: 'NoSchedule' }] } : {},
    status: { allocatable: resources, capacity: resources },
  };
}

/** Runs kubectl and returns its stdout; a failure carries kubectl's stderr. */
export async function runKubectl(kubectl: string, args: string[], input?: string): Promise<string> {
  const run = promisify(execFile)(kubectl, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (input !== undefined) run.child.stdin?.end(input);
  try {
    return (await run).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `kubectl ${args.filter((a) => !a.includes('kubeconfig')).join(' ')}: ${stderr?.trim() || String(error)}`,
    );
  }
}

/** A port from `freePort` is bound by no process of the run, but a server outside it may bind one first: start again. */
export async function startControlPlane(dir: string, log: (line: string) => void): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    const attemptDir = attempt === 1 ? dir : join(dir, `attempt-${attempt}`);
    try {
      return await startOnce(attemptDir, log);
    } catch (error) {
      const logs = join(attemptDir, 'logs');
      const taken = readdirSync(logs).some((f) => readFileSync(join(logs, f), 'utf8').includes(PORT_TAKEN));
      if (!taken || attempt === 3) throw error;
      log(`a port was taken before its server bound it (attempt ${attempt}); starting again on new ports`);
    }
  }
}

async function startOnce(dir: string, log: (line: string) => void): Promise<ControlPlane> {
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  for (const d of [pki, logs]) mkdirSync(d, { recursive: true });
  execFileSync(tool('pki'), [pki]);
  const processes: Running[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    processes.push(
      start(
        'etcd',
        tool('etcd'),
        [
          '--name=proving-ground',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=proving-ground=${peerUrl}`,
          // A throw-away store: durability buys nothing here and fsync dominates on a busy disk.
          '--unsafe-no-fsync',
        ],
        logs,
      ),
    );
    const admission = join(dir, 'admission.yaml');
    writeFileSync(admission, stringify(TALOS_POD_SECURITY));
    const server = `https://127.0.0.1:${apiPort}`;
    const started = Date.now();
    processes.push(
      start(
        'kube-apiserver',
        tool('kube-apiserver'),
        [
          `--etcd-servers=${etcdUrl}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
          `--client-ca-file=${join(pki, 'ca.crt')}`,
          `--kubelet-client-certificate=${join(pki, 'apiserver-kubelet-client.crt')}`,
          `--kubelet-client-key=${join(pki, 'apiserver-kubelet-client.key')}`,
          '--service-account-issuer=https://kubernetes.default.svc',
          `--service-account-key-file=${join(pki, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
          `--service-cluster-ip-range=${SERVICE_RANGE}`,
          '--authorization-mode=Node,RBAC',
          '--enable-admission-plugins=NodeRestriction',
          `--admission-control-config-file=${admission}`,
          '--allow-privileged=true',
          // The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints validation refuses; nothing in the
          // proving ground reaches the API server through that Service.
          '--endpoint-reconciler-type=none',
          '--profiling=false',
        ],
        logs,
      ),
    );
    const admin = writeKubeconfig(join(dir, 'kubeconfig'), server, join(pki, 'ca.crt'), {
      'client-certificate': join(pki, 'admin.crt'),
      'client-key': join(pki, 'admin.key'),
    });
    const kubectlPath = tool('kubectl');
    const kubectl = (args: string[], input?: string) =>
      runKubectl(kubectlPath, ['--kubeconfig', admin, ...args], input);
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await kubectl(['get', '--raw=/readyz'])).trim() === 'ok',
      120_000,
      `see ${processes[1]!.log}`,
      () => {
        const gone = processes.find(exited);
        return gone && `${gone.name} exited (${gone.log}):\n${tail(gone.log)}\n`;
      },
    );
    const apiServerReadyMs = Date.now() - started;
    log(`kube-apiserver ready after ${(apiServerReadyMs / 1000).toFixed(1)}s`);
    // A control-plane component's own identity, serving on loopback, alone (no leader election).
    const component = async (file: string) => {
      const kubeconfig = writeKubeconfig(join(dir, `${file}.kubeconfig`), server, join(pki, 'ca.crt'), {
        'client-certificate': join(pki, `${file}.crt`),
        'client-key': join(pki, `${file}.key`),
      });
      return ['kubeconfig', 'authentication-kubeconfig', 'authorization-kubeconfig']
        .map((flag) => `--${flag}=${kubeconfig}`)
        .concat(['--bind-address=127.0.0.1', `--secure-port=${await freePort()}`, '--leader-elect=false']);
    };
    const controllerManager = [
      ...(await component('controller-manager')),
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${join(pki, 'sa.key')}`,
      `--root-ca-file=${join(pki, 'ca.crt')}`,
      `--cluster-signing-cert-file=${join(pki, 'ca.crt')}`,
      `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
      `--service-cluster-ip-range=${SERVICE_RANGE}`,
    ];
    processes.push(
      start('kube-controller-manager', tool('kube-controller-manager'), controllerManager, logs),
      start('kube-scheduler', tool('kube-scheduler'), await component('scheduler'), logs),
    );
    const stages = join(goModuleDir('sigs.k8s.io/kwok', versions.proving.kwok), 'kustomize', 'stage');
    processes.push(
      start(
        'kwok',
        tool('kwok'),
        [
          `--kubeconfig=${admin}`,
          '--manage-all-nodes=true',
          '--cidr=10.244.0.0/16',
          '--node-ip=127.0.0.1',
          `--config=${KWOK_STAGES.map((s) => join(stages, s)).join(',')}`,
        ],
        logs,
      ),
    );
    await kubectl(['apply', '-f', '-'], FAKE_NODES.map((n) => JSON.stringify(fakeNode(n))).join('\n'));
    await waitFor(
      'fake nodes Ready',
      async () => {
        const ready = await kubectl([
          'get',
          'nodes',
          '-o',
          'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
        ]);
        return ready.split(' ').filter((s) => s === 'True').length === FAKE_NODES.length;
      },
      60_000,
      `see ${join(logs, 'kwok.log')}`,
    );
    return { kubeconfig: admin, server, pki, processes, apiServerReadyMs, kubectl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
