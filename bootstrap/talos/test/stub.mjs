// Stand-in for talosctl and kubectl in the tests: records its argv and answers from a simulated cluster state.
//   node stub.mjs <talosctl|kubectl> args...   with STUB_STATE = path of the state JSON:
//   { log, configured: [ip], etcdBootstrapped, readyzFailures, failures: { "<tool> <subcommand>": n } }
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const [tool, ...args] = process.argv.slice(2);
const statePath = process.env.STUB_STATE;
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const SUBCOMMANDS = {
  talosctl: ['config', 'version', 'apply-config', 'etcd', 'bootstrap', 'kubeconfig', 'health'],
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
switch (key) {
  case 'talosctl version':
    exit(configured ? 0 : 1, configured ? 'Tag: v1.12.6' : 'rpc error: x509: certificate signed by unknown authority');
    break;
  case 'talosctl apply-config':
    if (configured) exit(1, 'rpc error: tls: certificate required');
    state.configured.push(node);
    exit(0);
    break;
  case 'talosctl etcd':
    exit(state.etcdBootstrapped && configured ? 0 : 1, state.etcdBootstrapped && configured ? 'ID  HOSTNAME  PEER URLS' : 'rpc error: etcd is not running');
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
    if (state.readyzFailures > 0) {
      state.readyzFailures--;
      exit(1, 'The connection to the server was refused - did you specify the right host or port?');
    }
    exit(0, 'ok');
    break;
  default:
    exit(0);
}
