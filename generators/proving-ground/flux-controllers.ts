// Flux's source-, kustomize- and notification-controller as local processes against the proving ground's API server,
// each with a token of the ServiceAccount flux-system/ gives it, so RBAC applies as in the cluster.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLUX_NAMESPACE } from '../flux';
import { type ControlPlane, tool, writeKubeconfig } from './control-plane';
import { freePort } from '../ports';
import { type Running, start, waitFor } from './processes';

const CRDS = ['gitrepositories.source.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io'];

async function serviceAccountKubeconfig(cp: ControlPlane, dir: string, name: string): Promise<string> {
  const token = (await cp.kubectl(['--namespace', FLUX_NAMESPACE, 'create', 'token', name, '--duration=24h'])).trim();
  return writeKubeconfig(join(dir, `${name}.kubeconfig`), cp.server, join(cp.pki, 'ca.crt'), { token });
}

/**
 * Waits until flux-system/ is applied (its CRDs established, its ServiceAccounts there), then starts the
 * controllers with the flags of flux-system/gotk-components.yaml, save leader election (one replica, no Lease)
 * and loopback addresses for storage, metrics and health.
 */
export async function startFluxControllers(
  cp: ControlPlane,
  dir: string,
  requeueDependency: string,
): Promise<Running[]> {
  const logs = join(dir, 'logs');
  const artifacts = join(dir, 'artifacts');
  for (const d of [logs, artifacts]) mkdirSync(d, { recursive: true });
  await waitFor(
    'the Flux CRDs and ServiceAccounts',
    async () => {
      await cp.kubectl(['wait', '--for=condition=Established', ...CRDS.map((c) => `crd/${c}`), '--timeout=1s']);
      await cp.kubectl([
        '--namespace',
        FLUX_NAMESPACE,
        'get',
        'serviceaccount',
        'source-controller',
        'kustomize-controller',
        'notification-controller',
      ]);
      return true;
    },
    300_000,
  );
  const storage = await freePort();
  const base = async () => [
    '--watch-all-namespaces',
    '--log-level=info',
    '--log-encoding=json',
    '--enable-leader-election=false',
    `--metrics-addr=127.0.0.1:${await freePort()}`,
    `--health-addr=127.0.0.1:${await freePort()}`,
  ];
  // Where source- and kustomize-controller send their events, as flux-system/gotk-components.yaml has them do.
  const events = await freePort();
  const common = async () => [
    ...(await base()),
    `--requeue-dependency=${requeueDependency}`,
    `--events-addr=http://127.0.0.1:${events}/`,
  ];
  const env = (kubeconfig: string) => ({ KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE });
  return [
    start(
      'source-controller',
      tool('source-controller'),
      [
        ...(await common()),
        `--storage-path=${artifacts}`,
        `--storage-addr=127.0.0.1:${storage}`,
        `--storage-adv-addr=127.0.0.1:${storage}`,
      ],
      logs,
      env(await serviceAccountKubeconfig(cp, dir, 'source-controller')),
    ),
    start(
      'kustomize-controller',
      tool('kustomize-controller'),
      await common(),
      logs,
      env(await serviceAccountKubeconfig(cp, dir, 'kustomize-controller')),
    ),
    // It makes the Providers, Alerts and Receivers Ready, which the Kustomizations holding them wait for, and posts the
    // commit statuses of the Kustomizations' events to the GitHub stand-in. Flags as in
    // main.go of github.com/fluxcd/notification-controller v1.9.3 (events-addr, receiverAddr).
    start(
      'notification-controller',
      tool('notification-controller'),
      [...(await base()), `--events-addr=127.0.0.1:${events}`, `--receiverAddr=127.0.0.1:${await freePort()}`],
      logs,
      env(await serviceAccountKubeconfig(cp, dir, 'notification-controller')),
    ),
  ];
}
