// The on-prem federation gateway run for real: Debian's nginx (installed by the test setup) with the nginx.conf of the
// rendered ConfigMap and the command of the rendered Deployment, in front of a real Prometheus (the clusters' release),
// probed with certificates from the federation issuer.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { PROMETHEUS } from './tools';
import { issueFederationCertificates, type FederationCertificates, type KeyPair } from './federation-certs';
import { NAMESPACE } from './api';
import { GATEWAY_NAME, GATEWAY_TLS_SECRET, PROMETHEUS_NAME, TLS_KEYS, sourceEndpoint } from './federation';
import { monitoringOf } from './values';
import { freePort } from '../../generators/ports';
import { eventually, renderedDocs, renderedObject, start, stop, type Process } from './prometheus.testkit';

const SOURCE = 'onprem';
const CENTRAL = 'aws';
/** A cluster the gateway does not admit, holding a certificate from the federation CA all the same. */
const STRANGER = 'intruder';
// Built while the file loads, which has no time limit, rather than in a hook that has one.
const prometheus = buildGoTool(PROMETHEUS);

interface Container {
  command: string[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  emptyDir?: object;
}

let dir: string;
let hostname: string;
let certs: FederationCertificates;
/** A client certificate with the admitted CN, from a CA the gateway does not trust. */
let foreignClient: KeyPair;
let renderedUpstream: string | undefined;
let prometheusAddress: string;
let gatewayPort: number;
let healthPort: number;
const processes: Process[] = [];

/** Replaces every match of `pattern` (global) in the rendered config, failing when the config no longer has one. */
function redirect(config: string, pattern: RegExp, to: (match: string, ...groups: string[]) => string): string {
  if (!pattern.test(config))
    throw new Error(`the rendered ${GATEWAY_NAME} nginx.conf no longer matches ${String(pattern)}`);
  pattern.lastIndex = 0;
  return config.replace(pattern, to);
}

function gateway(method: string, path: string, client: KeyPair | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gatewayPort,
        method,
        path,
        agent: false,
        servername: hostname,
        ca: readFileSync(certs.ca),
        ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'monitoring-federation-gateway-'));
  // nginx started as root runs its workers as nobody, and they write into the temp folders below.
  chmodSync(dir, 0o755);
  const docs = renderedDocs();
  hostname = sourceEndpoint(monitoringOf(estate, SOURCE)!.cluster)!.hostname;
  const certDir = join(dir, 'certs');
  const foreignDir = join(dir, 'foreign-certs');
  mkdirSync(certDir, { mode: 0o700 });
  mkdirSync(foreignDir, { mode: 0o700 });
  certs = issueFederationCertificates(certDir, hostname, [CENTRAL, STRANGER], 1);
  foreignClient = issueFederationCertificates(foreignDir, hostname, [CENTRAL], 1).clients[CENTRAL]!;

  // The upstream: a real Prometheus scraping itself, so /federate?match[]=up has a series to return.
  const prometheusPort = await freePort();
  prometheusAddress = `127.0.0.1:${prometheusPort}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s' },
      scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [prometheusAddress] }] }],
    }),
  );
  processes.push(
    start(prometheus, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=${prometheusAddress}`,
    ]),
  );

  // The pod's volumes become folders: the ConfigMap's keys and the Secret's keys as files, the emptyDir empty.
  const configMap = renderedObject(docs, SOURCE, 'ConfigMap', GATEWAY_NAME).object as unknown as {
    data: Record<string, string>;
  };
  const podSpec = (
    renderedObject(docs, SOURCE, 'Deployment', GATEWAY_NAME).object as unknown as {
      spec: { template: { spec: { containers: Container[]; volumes: Volume[] } } };
    }
  ).spec.template.spec;
  const container = podSpec.containers[0]!;
  const secretFiles = { [TLS_KEYS.ca]: certs.ca, [TLS_KEYS.cert]: certs.server.cert, [TLS_KEYS.key]: certs.server.key };
  const folders = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    const volume = podSpec.volumes.find((v) => v.name === mount.name)!;
    const folder = join(dir, 'volumes', mount.name);
    mkdirSync(folder, { recursive: true, mode: volume.secret ? 0o700 : 0o755 });
    if (volume.configMap?.name === GATEWAY_NAME)
      for (const [key, text] of Object.entries(configMap.data)) writeFileSync(join(folder, key), text);
    else if (volume.secret?.secretName === GATEWAY_TLS_SECRET)
      for (const [key, file] of Object.entries(secretFiles)) copyFileSync(file, join(folder, key));
    else if (!volume.emptyDir)
      throw new Error(`volume ${mount.name} of Deployment ${GATEWAY_NAME} has no local stand-in`);
    folders.set(mount.mountPath, folder);
  }
  const mountPaths = new RegExp(`(?<![^\\s"'])(${[...folders.keys()].join('|')})/`, 'g');
  const onHost = (text: string) => text.replace(mountPaths, (_, mountPath: string) => `${folders.get(mountPath)}/`);

  // Redirected, and nothing else, in the rendered nginx.conf and the Deployment's command:
  // - paths under the pod's mounts to the folders above: `-c` (ConfigMap mount), ssl_certificate, ssl_certificate_key,
  //   ssl_client_certificate (Secret mount), pid and the five *_temp_path (the /tmp emptyDir);
  // - each `listen <containerPort>` to `listen 127.0.0.1:<free port>` (its `ssl` flag stays);
  // - the proxied upstream (`set $prometheus`, Prometheus replica 0 in the cluster) to the local Prometheus.
  // error_log /dev/stderr and access_log /dev/stdout stay: they reach the file nginx.log, which is its stdout and
  // stderr.
  const loopbackPorts = new Map<number, number>();
  for (const { containerPort } of container.ports) loopbackPorts.set(containerPort, await freePort());
  const portNamed = (name: string) => loopbackPorts.get(container.ports.find((p) => p.name === name)!.containerPort)!;
  [gatewayPort, healthPort] = [portNamed('federate'), portNamed('health')];
  const configFile = onHost(container.command[container.command.indexOf('-c') + 1]!);
  let config = onHost(readFileSync(configFile, 'utf8'));
  config = redirect(config, /listen (\d+)\b/g, (_, port) => {
    const loopback = loopbackPorts.get(Number(port));
    if (!loopback) throw new Error(`nginx.conf listens on ${port}, which Deployment ${GATEWAY_NAME} does not declare`);
    return `listen 127.0.0.1:${loopback}`;
  });
  config = redirect(config, /set \$prometheus http:\/\/([^;/]+);/g, (_, upstream) => {
    renderedUpstream = upstream;
    return `set $prometheus http://${prometheusAddress};`;
  });
  writeFileSync(configFile, config);
  processes.push(start(container.command[0]!, container.command.slice(1).map(onHost), {}, join(dir, 'nginx.log')));

  try {
    await eventually('up on the upstream Prometheus', async () =>
      (await (await fetch(`http://${prometheusAddress}/federate?match[]=up`)).text()).includes('up{')
        ? true
        : undefined,
    );
    await eventually('the gateway health port', async () =>
      (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).ok ? true : undefined,
    );
  } catch (error) {
    throw new Error(`${String(error)}\n${processes.map((p) => p.log().slice(-2000)).join('\n---\n')}`);
  }
});

afterAll(async () => {
  await stop(processes);
  rmSync(dir, { recursive: true, force: true });
});

describe('the federation gateway (rendered nginx.conf, real nginx and Prometheus)', () => {
  it('proxies to replica 0 of the Prometheus StatefulSet only', () => {
    expect(renderedUpstream).toBe(
      `prometheus-${PROMETHEUS_NAME}-0.prometheus-operated.${NAMESPACE}.svc.cluster.local:9090`,
    );
  });

  it('answers GET /federate to the aws client certificate with Prometheus federation output', async () => {
    const { status, body } = await gateway('GET', '/federate?match[]=up', certs.clients[CENTRAL]);
    expect(status).toBe(200);
    expect(body).toMatch(/^# TYPE up untyped$/m);
    expect(body).toMatch(new RegExp(`^up\\{instance="${prometheusAddress}",job="prometheus"\\} 1 \\d+$`, 'm'));
  });

  it('answers 404 on every other path, which Prometheus itself would serve', async () => {
    for (const path of ['/api/v1/query?query=up', '/metrics', '/federate/', '/']) {
      expect((await fetch(`http://${prometheusAddress}${path}`)).status, `Prometheus ${path}`).not.toBe(404);
      expect((await gateway('GET', path, certs.clients[CENTRAL])).status, `gateway ${path}`).toBe(404);
    }
  });

  it('refuses methods other than GET with 403', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      expect((await gateway(method, '/federate?match[]=up', certs.clients[CENTRAL])).status, method).toBe(403);
    }
  });

  it('refuses a certificate from the federation CA with another CN with 403', async () => {
    const { status, body } = await gateway('GET', '/federate?match[]=up', certs.clients[STRANGER]);
    expect(status).toBe(403);
    expect(body).not.toContain('up{');
  });

  it('refuses a request without a client certificate with 400', async () => {
    const { status, body } = await gateway('GET', '/federate?match[]=up', undefined);
    expect(status).toBe(400);
    expect(body).toContain('No required SSL certificate was sent');
  });

  it('refuses a certificate with the aws CN from another CA with 400', async () => {
    const { status, body } = await gateway('GET', '/federate?match[]=up', foreignClient);
    expect(status).toBe(400);
    expect(body).toContain('The SSL certificate error');
  });

  it('answers the probes on the health port without TLS', async () => {
    const response = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
    expect((await fetch(`http://127.0.0.1:${healthPort}/federate?match[]=up`)).status).toBe(404);
  });
});
