// Alertmanager's configuration as it reaches Alertmanager: the chart's default merged with the rendered values the way
// Helm merges them, checked by amtool and run by a real Alertmanager that notifies webhooks on loopback.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { estate } from '../../generators/estate/clusters';
import { buildGoTool } from '../../generators/go-tools';
import { freePort } from '../../generators/ports';
import { ALERTMANAGER, AMTOOL } from './tools';
import { repoRoot } from '../../generators/repo';
import type { ManifestDoc } from '../../generators/manifests';
import { RECEIVER_KEYS, RECEIVERS, RECEIVERS_DIR, RECEIVERS_SECRET } from './alertmanager';
import { ALERTMANAGER_POD_LABELS } from './api';
import { eventually, renderedDocs, renderedObject, run, start, stop, type Process } from './prometheus.testkit';

type Values = Record<string, unknown>;

/**
 * The keys of kube-prometheus-stack 82.15.1's default `alertmanager.config` (prometheus-community/helm-charts,
 * charts/kube-prometheus-stack/values.yaml at tag kube-prometheus-stack-82.15.1): a root route and a Watchdog route,
 * both to receiver "null", the only receiver; four inhibit rules (here by their matchers); one template glob.
 */
const CHART_DEFAULT_CONFIG: Values = {
  global: { resolve_timeout: '5m' },
  inhibit_rules: [
    {
      source_matchers: ['severity = critical'],
      target_matchers: ['severity =~ warning|info'],
      equal: ['namespace', 'alertname'],
    },
    {
      source_matchers: ['severity = warning'],
      target_matchers: ['severity = info'],
      equal: ['namespace', 'alertname'],
    },
    { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
    { target_matchers: ['alertname = InfoInhibitor'] },
  ],
  route: {
    group_by: ['namespace'],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '12h',
    receiver: 'null',
    routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
  },
  receivers: [{ name: 'null' }],
  templates: ['/etc/alertmanager/config/*.tmpl'],
};

const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of user values over chart defaults: maps merge key by key, anything else (lists too) is replaced. */
function helmMerge(defaults: Values, values: Values): Values {
  const merged: Values = { ...defaults };
  for (const [key, value] of Object.entries(values)) {
    if (value === null) delete merged[key];
    else merged[key] = isMap(value) && isMap(defaults[key]) ? helmMerge(defaults[key], value) : value;
  }
  return merged;
}

interface Route {
  receiver?: string;
  routes?: Route[];
}

/** Receivers that routes name (a route without one inherits its parent's) but `receivers` lacks. */
function undefinedReceivers(config: Values): string[] {
  const defined = new Set(((config.receivers ?? []) as { name: string }[]).map((r) => r.name));
  const named: string[] = [];
  const walk = (route: Route) => {
    if (route.receiver !== undefined) named.push(route.receiver);
    (route.routes ?? []).forEach(walk);
  };
  walk((config.route ?? {}) as Route);
  return [...new Set(named)].filter((name) => !defined.has(name));
}

const CLUSTERS = ['aws', 'onprem'];
let docs: ManifestDoc[];
let dir: string;
const amtool = buildGoTool(AMTOOL);

const releaseValues = (cluster: string) =>
  (
    renderedObject(docs, cluster, 'HelmRelease', 'kube-prometheus-stack').object as {
      spec: { values: { alertmanager: Values } };
    }
  ).spec.values.alertmanager as { config: Values; alertmanagerSpec: { secrets?: string[] } };
/** What Alertmanager in `cluster` loads: the chart's default config under the rendered values. */
const finalConfig = (cluster: string) => helmMerge(CHART_DEFAULT_CONFIG, releaseValues(cluster).config);

async function checkConfig(name: string, config: Values) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return run(amtool, ['check-config', file]);
}

beforeAll(() => {
  docs = renderedDocs();
  dir = mkdtempSync(join(tmpdir(), 'monitoring-alertmanager-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Alertmanager's config is invalid, so no alert reaches anyone (issue 23)", () => {
  it.each(CLUSTERS)('%s: every receiver a route names exists once Helm merges the chart default', (cluster) => {
    expect(undefinedReceivers(finalConfig(cluster))).toEqual([]);
  });

  it.each(CLUSTERS)('%s: amtool check-config accepts the config Alertmanager loads', async (cluster) => {
    const result = await checkConfig(cluster, finalConfig(cluster));
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code, result.output).toBe(0);
  });

  it.each(CLUSTERS)(
    '%s: no key of the chart default survives the merge (the values own the whole config)',
    (cluster) => {
      expect(finalConfig(cluster)).toEqual(releaseValues(cluster).config);
    },
  );
});

describe('Alertmanager config checks can fail', () => {
  it("undefinedReceivers names a route's receiver that receivers lacks, in nested routes too", () => {
    const config = {
      route: { receiver: 'a', routes: [{ routes: [{ receiver: 'gone' }] }, { receiver: 'a' }] },
      receivers: [{ name: 'a' }],
    };
    expect(undefinedReceivers(config)).toEqual(['gone']);
    // The values before the fix: the chart's Watchdog route kept receiver "null", which the replaced list dropped.
    const before = { route: { receiver: 'placeholder' }, receivers: [{ name: 'placeholder' }] };
    expect(undefinedReceivers(helmMerge(CHART_DEFAULT_CONFIG, before))).toEqual(['null']);
  });

  it('amtool check-config rejects a route to a missing receiver', async () => {
    const config = structuredClone(finalConfig('onprem')) as { route: { routes: Route[] } };
    config.route.routes.push({ receiver: 'missing' });
    const result = await checkConfig('broken', config);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('undefined receiver "missing" used in route');
  });
});

describe('receivers', () => {
  it.each(CLUSTERS)(
    '%s: URLs come from the SOPS Secret the operator mounts, with every key a receiver reads',
    (cluster) => {
      expect(releaseValues(cluster).alertmanagerSpec.secrets).toEqual([RECEIVERS_SECRET]);
      const files = JSON.stringify(finalConfig(cluster)).match(/"url_file":"[^"]+"/g) ?? [];
      const keys = files.map((f) => {
        const path = f.slice('"url_file":"'.length, -1);
        expect(path.startsWith(`${RECEIVERS_DIR}/`), path).toBe(true);
        return path.slice(RECEIVERS_DIR.length + 1);
      });
      expect(keys.sort()).toEqual(Object.values(RECEIVER_KEYS).sort());
      expect(JSON.stringify(finalConfig(cluster))).not.toMatch(/"url":/);
      const secret = parse(
        readFileSync(
          join(repoRoot, `clusters/${cluster}/platform-controllers/monitoring/secret-${RECEIVERS_SECRET}.sops.yaml`),
          'utf8',
        ),
      );
      expect(Object.keys(secret.data).sort()).toEqual(keys.sort());
      for (const value of Object.values(secret.data)) expect(value).toMatch(/^ENC\[AES256_GCM,/);
    },
  );
});

describe('notifications leave the cluster', () => {
  it.each(CLUSTERS)('%s: Alertmanager pods may reach HTTPS outside the cluster networks, and no more', (cluster) => {
    const { podCidr, serviceCidr } = estate.clusters.find((c) => c.name === cluster)!.network;
    const policy = renderedObject(docs, cluster, 'NetworkPolicy', 'allow-alertmanager-notifications').object as {
      spec: Values;
    };
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: ALERTMANAGER_POD_LABELS },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [podCidr, serviceCidr] } }],
          ports: [{ protocol: 'TCP', port: 443 }],
        },
      ],
    });
  });
});

describe('a real Alertmanager with the final config (webhooks on loopback)', () => {
  const received: { path: string; alertnames: string[] }[] = [];
  let server: Server;
  let webhook: string;
  const processes: Process[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const alerts = (JSON.parse(body) as { alerts: { labels: { alertname: string } }[] }).alerts;
        received.push({ path: req.url ?? '', alertnames: alerts.map((a) => a.labels.alertname) });
        res.end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    webhook = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await stop(processes);
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(CLUSTERS)(
    '%s: pages on-call with a critical alert, feeds Watchdog to the switch, drops InfoInhibitor',
    async (cluster) => {
      // The Secret's files hold the webhooks' URLs; only the pace changes (group_wait) so the test takes seconds.
      const secrets = join(dir, `${cluster}-secrets`);
      mkdirSync(secrets);
      writeFileSync(join(secrets, RECEIVER_KEYS.onCall), `${webhook}/${cluster}/on-call`);
      writeFileSync(join(secrets, RECEIVER_KEYS.deadMansSwitch), `${webhook}/${cluster}/dead-mans-switch`);
      const config = JSON.parse(JSON.stringify(finalConfig(cluster)).replaceAll(RECEIVERS_DIR, secrets)) as {
        route: Values;
      };
      config.route.group_wait = '1s';
      writeFileSync(join(dir, `${cluster}-run.yaml`), stringify(config));
      const port = await freePort();
      const alertmanager = start(buildGoTool(ALERTMANAGER), [
        `--config.file=${join(dir, `${cluster}-run.yaml`)}`,
        `--storage.path=${join(dir, `${cluster}-data`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // No gossip: it would listen on every interface.
        '--cluster.listen-address=',
      ]);
      processes.push(alertmanager);
      const url = `http://127.0.0.1:${port}`;
      await eventually('Alertmanager ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined)).catch(
        (e) => {
          throw new Error(`${String(e)}\n${alertmanager.log().slice(-2000)}`);
        },
      );
      const alert = (alertname: string, severity: string) => ({
        labels: { alertname, severity, cluster, namespace: 'task-tracker' },
      });
      const posted = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          alert('Watchdog', 'none'),
          alert('TaskTrackerDown', 'critical'),
          alert('InfoInhibitor', 'none'),
        ]),
      });
      expect(posted.status).toBe(200);
      const at = (receiver: string) =>
        received.filter((r) => r.path === `/${cluster}/${receiver}`).flatMap((r) => r.alertnames);
      await eventually(
        `notifications of ${cluster}`,
        async () => (at(RECEIVERS.onCall).length && at(RECEIVERS.deadMansSwitch).length ? true : undefined),
        20_000,
      );
      expect(at(RECEIVERS.onCall)).toEqual(['TaskTrackerDown']);
      expect(at(RECEIVERS.deadMansSwitch)).toEqual(['Watchdog']);
      expect(received.flatMap((r) => r.alertnames)).not.toContain('InfoInhibitor');
    },
  );
});
