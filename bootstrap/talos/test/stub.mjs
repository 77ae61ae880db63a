// Stand-in for talosctl and kubectl in the tests: records its argv and answers from a simulated cluster state.
//   node stub.mjs <talosctl|kubectl> args...   with STUB_STATE = path of the state JSON:
//   { log, configured: [ip], etcdBootstrapped, readyzFailures, failures: { "<tool> <subcommand>": n },
//     talos: { ip: "v1.x.y" }, workers: [{ name, ip }], kubernetes, breaks: [ip], unhealthy }
//   An upgrade of a node in `breaks` leaves the cluster unhealthy: health fails until a later state clears it.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const [tool, ...args] = process.argv.slice(2);
const statePath = process.env.STUB_STATE;
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const SUBCOMMANDS = {
  talosctl: [
    'config',
    'version',
    'apply-config',
    'etcd',
    'bootstrap',
    'kubeconfig',
    'health',
    'upgrade',
    'upgrade-k8s',
  ],
  kubectl: ['get', 'apply', 'wait', 'rollout'],
};
const subcommand = args.find((a) => SUBCOMMANDS[tool].includes(a));
const node = args[args.indexOf('--nodes') + 1];
const stdin = args.includes('-') ? readFileSync(0, 'utf8') : undefined;
appendFileSync(state.log, `${JSON.stringify({ tool, args, ...(stdin === undefined ? {} : { stdin }) })}\n`);

function exit(code, message) {
  writeFileSync(statePath, JSON.stringify(state));
  if (message) (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

const key = `${tool} ${subcommand}`;
if (state.failures?.[key] > 0) {
  state.failures[key]--;
  exit(1, `stub: ${subcommand} failed`);
}
const configured = state.configured.includes(node);
const option = (name) => args[args.indexOf(name) + 1];
switch (key) {
  case 'talosctl version':
    if (!configured) exit(1, 'rpc error: x509: certificate signed by unknown authority');
    exit(0, `Client:\n\tTag: v0.0.0-stub\nServer:\n\tNODE: ${node}\n\tTag: ${state.talos?.[node] ?? 'v0.0.0'}`);
    break;
  case 'talosctl upgrade':
    if (!configured) exit(1, 'rpc error: tls: certificate required');
    state.talos = { ...state.talos, [node]: option('--image').split(':').pop() };
    if (state.breaks?.includes(node)) state.unhealthy = true;
    exit(0);
    break;
  case 'talosctl upgrade-k8s':
    state.kubernetes = option('--to');
    exit(0);
    break;
  case 'talosctl health':
    exit(state.unhealthy ? 1 : 0, state.unhealthy ? 'waiting for etcd to be healthy: 1 error occurred' : undefined);
    break;
  case 'talosctl apply-config':
    if (configured) exit(1, 'rpc error: tls: certificate required');
    state.configured.push(node);
    exit(0);
    break;
  case 'talosctl etcd':
    exit(
      state.etcdBootstrapped && configured ? 0 : 1,
      state.etcdBootstrapped && configured ? 'ID  HOSTNAME  PEER URLS' : 'rpc error: etcd is not running',
    );
    break;
  case 'talosctl bootstrap':
    if (state.etcdBootstrapped) exit(1, 'rpc error: code = AlreadyExists desc = etcd data directory is not empty');
    state.etcdBootstrapped = true;
    exit(0);
    break;
  case 'talosctl kubeconfig':
    writeFileSync(args[args.indexOf('kubeconfig') + 1], 'apiVersion: v1\nkind: Config\n');
    exit(0);
    break;
  case 'kubectl get':
    if (args.includes('nodes')) {
      const address = (ip) => ({ addresses: [{ type: 'InternalIP', address: ip }] });
      const items = (state.workers ?? []).map((w) => ({ metadata: { name: w.name }, status: address(w.ip) }));
      exit(0, JSON.stringify({ items }));
    }
    if (state.readyzFailures > 0) {
      state.readyzFailures--;
      exit(1, 'The connection to the server was refused - did you specify the right host or port?');
    }
    exit(0, 'ok');
    break;
  default:
    exit(0);
}
