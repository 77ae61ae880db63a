// `npm run grafana -- sync`, the real CLI, against a loopback stand-in for Amazon Managed Grafana: an HTTP server
// implementing only the Grafana HTTP API endpoints the sync uses, with in-memory folders, data sources and dashboards.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { FOLDER, managedDashboards } from '../grafana';
import { repoRoot } from '../repo';
import { ATHENA_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID } from '../telemetry';

const TOKEN = 'glsa_stand-in-token';

interface Request {
  method: string;
  path: string;
  auth: string | undefined;
  body: any;
}

/** The stand-in's state and the requests it saw; `fail` answers one method and path with a status. */
class GrafanaStandIn {
  folders = new Map<string, { uid: string; title: string }>();
  datasources = new Map<string, Record<string, unknown>>();
  dashboards = new Map<string, { dashboard: any; folderUid: string }>();
  requests: Request[] = [];
  fail?: { method: string; path: string; status: number; message: string };
  server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const url = new URL(req.url!, 'http://x');
      this.requests.push({
        method: req.method!,
        path: url.pathname + url.search,
        auth: req.headers.authorization,
        body,
      });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Unauthorized' });
      if (this.fail && this.fail.method === req.method && this.fail.path === url.pathname)
        return send(this.fail.status, { message: this.fail.message });
      const route = `${req.method} ${url.pathname}`;
      let m: RegExpExecArray | null;
      if ((m = /^GET \/api\/folders\/([^/]+)$/.exec(route))) {
        const folder = this.folders.get(m[1]!);
        return folder ? send(200, { id: 1, ...folder, version: 1 }) : send(404, { message: 'folder not found' });
      }
      if (route === 'POST /api/folders') {
        this.folders.set(body.uid, { uid: body.uid, title: body.title });
        return send(200, { id: 1, uid: body.uid, title: body.title });
      }
      if ((m = /^PUT \/api\/folders\/([^/]+)$/.exec(route))) {
        this.folders.set(m[1]!, { uid: m[1]!, title: body.title });
        return send(200, { uid: m[1], title: body.title });
      }
      if ((m = /^GET \/api\/datasources\/uid\/([^/]+)$/.exec(route))) {
        const ds = this.datasources.get(m[1]!);
        return ds ? send(200, ds) : send(404, { message: 'Data source not found' });
      }
      if (route === 'POST /api/datasources' || (m = /^PUT \/api\/datasources\/uid\/([^/]+)$/.exec(route))) {
        // Grafana adds its own fields to what it stores.
        this.datasources.set(body.uid, { id: 7, orgId: 1, basicAuth: false, readOnly: false, version: 2, ...body });
        return send(200, { message: 'Datasource added', id: 7, name: body.name });
      }
      if (route === 'GET /api/search') {
        const folder = url.searchParams.get('folderUIDs');
        const hits = [...this.dashboards.values()].filter((d) => d.folderUid === folder);
        return send(
          200,
          hits.map((d) => ({ uid: d.dashboard.uid, title: d.dashboard.title, type: 'dash-db', folderUid: folder })),
        );
      }
      if ((m = /^(GET|DELETE) \/api\/dashboards\/uid\/([^/]+)$/.exec(route))) {
        const stored = this.dashboards.get(m[2]!);
        if (!stored) return send(404, { message: 'Dashboard not found' });
        if (m[1] === 'DELETE') {
          this.dashboards.delete(m[2]!);
          return send(200, { title: stored.dashboard.title, message: 'deleted' });
        }
        return send(200, { dashboard: stored.dashboard, meta: { folderUid: stored.folderUid } });
      }
      if (route === 'POST /api/dashboards/db') {
        if (!body.overwrite && this.dashboards.has(body.dashboard.uid)) return send(412, { status: 'name-exists' });
        const version = (this.dashboards.get(body.dashboard.uid)?.dashboard.version ?? 0) + 1;
        this.dashboards.set(body.dashboard.uid, {
          dashboard: { ...body.dashboard, id: 12, version },
          folderUid: body.folderUid,
        });
        return send(200, { id: 12, uid: body.dashboard.uid, status: 'success', version });
      }
      send(404, { message: `stand-in has no ${route}` });
    });
  });
  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const grafana = new GrafanaStandIn();
const dir = mkdtempSync(join(tmpdir(), 'grafana-sync-'));
const outputsFile = join(dir, 'stack.json');
const outputs = () => ({
  cluster: 'aws',
  region: 'eu-central-1',
  apiEndpoint: 'https://nlb.example:6443',
  analysis: {
    grafanaUrl: grafana.url,
    grafanaWorkspaceId: 'g-0123456789',
    prometheusEndpoint: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1234/',
    athenaWorkgroup: 'estate-analysis',
    athenaDatabase: 'estate_telemetry',
  },
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { GRAFANA_TOKEN: _ignored, ...rest } = process.env;
  return { ...rest, ...extra };
}

function sync(args: string[], env: Record<string, string> = { GRAFANA_TOKEN: TOKEN }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      join(repoRoot, 'node_modules/.bin/tsx'),
      ['generators/cli/launch.ts', 'generators/cli/grafana.ts', ...args],
      { cwd: repoRoot, env: childEnv(env) },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const writes = () => grafana.requests.filter((r) => r.method !== 'GET');

beforeAll(async () => {
  await new Promise<void>((ready) => grafana.server.listen(0, '127.0.0.1', ready));
  writeFileSync(outputsFile, JSON.stringify(outputs()));
});
afterAll(() => {
  grafana.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run grafana -- sync, against a stand-in Grafana HTTP API on loopback', () => {
  const declared = managedDashboards(estate, catalogue, 'aws');
  beforeEach(() => {
    grafana.requests = [];
    grafana.fail = undefined;
  });

  it('--dry-run on an empty workspace lists everything it would create and sends nothing but GETs', async () => {
    const run = await sync(['sync', '--dry-run', '--outputs', outputsFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(grafana.requests.length).toBeGreaterThan(0);
    for (const uid of declared.map((d) => d.uid)) expect(run.stdout).toContain(`would create dashboard ${uid}:`);
    expect(run.stdout).toContain(`would create folder ${FOLDER.uid}`);
    expect(run.stdout).toContain(`would create data source ${ATHENA_DATASOURCE_UID}`);
    expect(run.stdout).toContain(`${2 + 1 + declared.length} to change, 0 unchanged`);
  });

  it('creates the folder, both data sources and every declared dashboard, with the token, then a rerun is a no-op', async () => {
    const run = await sync(['sync', '--outputs', outputsFile]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(grafana.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/folders',
      'POST /api/datasources',
      'POST /api/datasources',
      ...declared.map(() => 'POST /api/dashboards/db'),
    ]);
    const [folder, amp, athena, ...boards] = writes().map((r) => r.body);
    expect(folder).toEqual({ uid: FOLDER.uid, title: FOLDER.title });
    expect(amp).toMatchObject({
      uid: PROMETHEUS_DATASOURCE_UID,
      type: 'prometheus',
      url: 'https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-1234',
      jsonData: { sigV4Auth: true, sigV4AuthType: 'ec2_iam_role', sigV4Region: 'eu-central-1' },
    });
    expect(athena).toMatchObject({
      uid: ATHENA_DATASOURCE_UID,
      type: 'grafana-athena-datasource',
      jsonData: { authType: 'ec2_iam_role', database: 'estate_telemetry', workgroup: 'estate-analysis' },
    });
    expect(boards.map((b) => b.dashboard.uid).sort()).toEqual([
      'flux',
      'hybrid-overview',
      'log-export',
      'node-autoscaling',
      'node-lifecycle',
      'task-tracker',
    ]);
    for (const b of boards)
      expect(b).toMatchObject({ folderUid: FOLDER.uid, overwrite: true, dashboard: { id: null } });
    const athenaPanel = boards
      .find((b) => b.dashboard.uid === 'log-export')
      .dashboard.panels.find((p: any) => p.datasource.uid === ATHENA_DATASOURCE_UID);
    expect(athenaPanel.targets[0].rawSQL).toContain('FROM estate_telemetry.logs');

    grafana.requests = [];
    const again = await sync(['sync', '--outputs', outputsFile]);
    expect(again.code).toBe(0);
    expect(writes()).toEqual([]);
    expect(again.stdout).toContain('nothing to change');
  });

  it('updates what drifted and deletes a dashboard in its folder that Git does not declare', async () => {
    grafana.dashboards.get('flux')!.dashboard.title = 'Edited by hand';
    grafana.datasources.get(ATHENA_DATASOURCE_UID)!.jsonData = { workgroup: 'primary' };
    grafana.dashboards.set('old', { dashboard: { uid: 'old', title: 'Gone from Git', id: 3 }, folderUid: FOLDER.uid });
    grafana.dashboards.set('mine', { dashboard: { uid: 'mine', title: 'Elsewhere', id: 4 }, folderUid: 'other' });

    const dry = await sync(['sync', '--dry-run', '--outputs', outputsFile]);
    expect(writes()).toEqual([]);
    expect(dry.stdout).toContain('would update dashboard flux: Flux');
    expect(dry.stdout).toContain(`would update data source ${ATHENA_DATASOURCE_UID}`);
    expect(dry.stdout).toContain('would delete dashboard old: Gone from Git');
    expect(dry.stdout).toContain('unchanged dashboard task-tracker');

    const run = await sync(['sync', '--outputs', outputsFile]);
    expect(run.code).toBe(0);
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/datasources/uid/${ATHENA_DATASOURCE_UID}`,
      'POST /api/dashboards/db',
      'DELETE /api/dashboards/uid/old',
    ]);
    expect(grafana.dashboards.get('flux')!.dashboard.title).toBe('Flux');
    expect(grafana.dashboards.has('mine')).toBe(true);
  });

  it('names the object and the HTTP status of a failing call, without a stack', async () => {
    grafana.dashboards.get('task-tracker')!.dashboard.title = 'drifted';
    grafana.fail = { method: 'POST', path: '/api/dashboards/db', status: 403, message: 'Access denied' };
    const run = await sync(['sync', '--outputs', outputsFile]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('dashboard task-tracker: POST /api/dashboards/db: HTTP 403: Access denied');
  });

  it('names the status when the token is refused', async () => {
    const run = await sync(['sync', '--dry-run', '--outputs', outputsFile], { GRAFANA_TOKEN: 'wrong' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`folder ${FOLDER.uid}: GET /api/folders/${FOLDER.uid}: HTTP 401: Unauthorized`);
  });

  it('refuses bad outputs, naming the file and every field, and sends nothing', async () => {
    const bad = join(dir, 'bad.json');
    const o = outputs() as any;
    o.cluster = 'mars';
    o.analysis.grafanaUrl = 'grafana.example';
    delete o.analysis.athenaWorkgroup;
    writeFileSync(bad, JSON.stringify(o));
    const run = await sync(['sync', '--outputs', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bad.json is not usable (nothing was sent):');
    expect(run.stderr).toContain('  - cluster: "mars" is no cluster of the model');
    expect(run.stderr).toContain('  - analysis.athenaWorkgroup: null must be a non-empty string');
    expect(run.stderr).toContain('  - analysis.grafanaUrl: "grafana.example" is not an https:// URL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(bad, '{"cluster": ');
    expect((await sync(['sync', '--outputs', bad])).stderr).toContain('bad.json: not valid JSON');
    expect((await sync(['sync', '--outputs', join(dir, 'none.json')])).stderr).toContain(
      'none.json is missing: export the stack outputs',
    );
    expect(grafana.requests).toEqual([]);
  });

  it('refuses to run without a token or a command', async () => {
    const noToken = await sync(['sync', '--outputs', outputsFile], {});
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('GRAFANA_TOKEN is not set (nothing was sent)');
    expect((await sync(['--outputs', outputsFile])).stderr).toContain('usage: GRAFANA_TOKEN=');
    expect(grafana.requests).toEqual([]);
  });
});
