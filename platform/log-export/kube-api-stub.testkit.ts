// A loopback stand-in for the Kubernetes API, just enough for the k8sobjects receiver: discovery, lists, and one
// watch stream of events. It plays the source cluster; everything from the receiver to S3 is the real collector.
import { createServer, type Server } from 'node:http';
import { LOOPBACK } from './harness';

const resource = (name: string, kind: string, namespaced: boolean) => ({
  name,
  kind,
  namespaced,
  singularName: kind.toLowerCase(),
  verbs: ['get', 'list', 'watch'],
});
const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});

const managedFields = [{ manager: 'kubelet', operation: 'Update', fieldsV1: { 'f:status': {} } }];

export const NODE = {
  metadata: {
    name: 'worker-1',
    uid: 'node-uid-1',
    resourceVersion: '5',
    managedFields,
    annotations: { 'talos.dev/owned': 'true' },
  },
  spec: { podCIDR: '10.20.1.0/24', taints: [{ key: 'example', effect: 'NoSchedule' }] },
  status: {
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
    allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady' },
      { type: 'MemoryPressure', status: 'False' },
    ],
    images: [{ names: ['ghcr.io/acme/task-tracker:1.0.0'], sizeBytes: 12345678 }],
    nodeInfo: { kubeletVersion: 'v1.35.4', osImage: 'Talos (v1.12.6)' },
  },
};

export const DEPLOYMENT = {
  metadata: {
    name: 'task-tracker',
    namespace: 'task-tracker',
    uid: 'deploy-uid-1',
    resourceVersion: '6',
    managedFields,
  },
  spec: {
    replicas: 3,
    strategy: { type: 'RollingUpdate' },
    template: { spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/task-tracker:1.0.0' }] } },
  },
  status: { replicas: 3, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 3 },
};

export const POD = {
  metadata: {
    name: 'task-tracker-5f7c9-abcde',
    namespace: 'task-tracker',
    uid: 'pod-uid-1',
    resourceVersion: '7',
    managedFields,
  },
  spec: {
    nodeName: 'worker-1',
    containers: [{ name: 'app', image: 'ghcr.io/acme/task-tracker:1.0.0', env: [{ name: 'X', value: 'y' }] }],
  },
  status: {
    phase: 'Running',
    podIP: '10.20.1.7',
    containerStatuses: [{ name: 'app', ready: false, restartCount: 4 }],
    conditions: [{ type: 'Ready', status: 'False' }],
  },
};

export const EVENTS = ['BackOff', 'FailedScheduling'].map((reason, i) => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: {
    name: `task-tracker.${i}`,
    namespace: 'task-tracker',
    uid: `event-uid-${i}`,
    resourceVersion: String(11 + i),
  },
  type: 'Warning',
  reason,
  note: `${reason} for pod task-tracker-5f7c9-abcde`,
  regarding: { kind: 'Pod', namespace: 'task-tracker', name: 'task-tracker-5f7c9-abcde' },
}));

const list = (apiVersion: string, kind: string, items: object[]) => ({
  apiVersion,
  kind: `${kind}List`,
  metadata: { resourceVersion: '10' },
  items,
});

const routes: Record<string, object> = {
  '/api': {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: LOOPBACK }],
  },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps'), group('events.k8s.io')] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resource('nodes', 'Node', false), resource('pods', 'Pod', true)],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    groupVersion: 'apps/v1',
    resources: [
      resource('deployments', 'Deployment', true),
      resource('statefulsets', 'StatefulSet', true),
      resource('daemonsets', 'DaemonSet', true),
    ],
  },
  '/apis/events.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'events.k8s.io/v1',
    resources: [resource('events', 'Event', true)],
  },
  '/api/v1/nodes': list('v1', 'Node', [NODE]),
  '/api/v1/pods': list('v1', 'Pod', [POD]),
  '/apis/apps/v1/deployments': list('apps/v1', 'Deployment', [DEPLOYMENT]),
  '/apis/apps/v1/statefulsets': list('apps/v1', 'StatefulSet', []),
  '/apis/apps/v1/daemonsets': list('apps/v1', 'DaemonSet', []),
  '/apis/events.k8s.io/v1/events': list('events.k8s.io/v1', 'Event', []),
};

/** Serves the routes above; a watch on events streams EVENTS once and stays open. Returns the requests it saw. */
export async function startKubeApiStub(port: number): Promise<{ server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/apis/events.k8s.io/v1/events' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      for (const event of EVENTS) res.write(`${JSON.stringify({ type: 'ADDED', object: event })}\n`);
      return;
    }
    const body = routes[url.pathname];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
  return { server, requests };
}
