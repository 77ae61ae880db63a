// `npm run grafana -- sync`: provisions Amazon Managed Grafana from Git through Grafana's HTTP API: one folder, the
// Amazon Managed Service for Prometheus and Athena data sources, and every dashboard the components of the aws cluster
// declare (Component.dashboards), the same definitions the in-cluster Grafana loads.
//
// Endpoints and payloads: Grafana's HTTP API reference (grafana/grafana docs/sources/developers/http_api/: folder.md,
// data_source.md, dashboard.md, folder_dashboard_search.md), the legacy /api endpoints that AMG's Grafana 10.4 and
// 12.4 both serve: GET/POST /api/folders, PUT /api/folders/:uid; GET/PUT /api/datasources/uid/:uid, POST
// /api/datasources; GET /api/search?type=dash-db&folderUIDs=…; GET/DELETE /api/dashboards/uid/:uid; POST
// /api/dashboards/db with `overwrite`. Authorization: `Bearer <service-account token>`.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Catalogue } from './component';
import type { Estate } from './model';
import { clusterContext, dashboardsOf } from './registries';
import { ATHENA_DATASOURCE_TYPE, ATHENA_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID, type Dashboard } from './telemetry';

/** What the sync reads of bootstrap/aws's stack outputs (`pulumi stack output --json`). */
export interface AnalysisOutputs {
  region: string;
  cluster: string;
  analysis: {
    grafanaUrl: string;
    grafanaWorkspaceId: string;
    prometheusEndpoint: string;
    athenaWorkgroup: string;
    athenaDatabase: string;
  };
}

export class GrafanaSyncError extends Error {
  override name = 'GrafanaSyncError';
}

const ANALYSIS_KEYS = [
  'grafanaUrl',
  'grafanaWorkspaceId',
  'prometheusEndpoint',
  'athenaWorkgroup',
  'athenaDatabase',
] as const;

/** The token travels with every call: https only, or plain http to a loopback stand-in. */
const SECURE_URL = /^(https:\/\/[^/\s]+|http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$))/;

/** Reads and checks the outputs file; every problem is reported at once, naming the file and the field. */
export function loadAnalysisOutputs(path: string, estate: Estate): AnalysisOutputs {
  const file = relative(process.cwd(), path) || path;
  if (!existsSync(path)) {
    throw new GrafanaSyncError(
      `${file} is missing: export the stack outputs in bootstrap/aws with \`pulumi stack output --json > ${file}\``,
    );
  }
  let data: any;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new GrafanaSyncError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const text = (value: unknown, field: string) => {
    if (typeof value !== 'string' || value.trim() === '')
      problems.push(`${field}: ${JSON.stringify(value ?? null)} must be a non-empty string`);
  };
  if (!data || typeof data !== 'object' || Array.isArray(data)) problems.push('the file must hold the stack outputs');
  else {
    text(data.region, 'region');
    text(data.cluster, 'cluster');
    if (typeof data.cluster === 'string' && !estate.clusters.some((c) => c.name === data.cluster))
      problems.push(`cluster: "${data.cluster}" is no cluster of the model (generators/estate/clusters.ts)`);
    const analysis = data.analysis;
    if (!analysis || typeof analysis !== 'object') problems.push('analysis: is missing (the analysis stack outputs)');
    else {
      for (const key of ANALYSIS_KEYS) text(analysis[key], `analysis.${key}`);
      for (const key of ['grafanaUrl', 'prometheusEndpoint'] as const)
        if (typeof analysis[key] === 'string' && !SECURE_URL.test(analysis[key]))
          problems.push(`analysis.${key}: "${analysis[key]}" is not an https:// URL`);
    }
  }
  if (problems.length)
    throw new GrafanaSyncError(
      `${file} is not usable (nothing was sent):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  return data as AnalysisOutputs;
}

/** The folder the sync owns: a dashboard in it that Git no longer declares is deleted. */
export const FOLDER = { uid: 'estate', title: 'Estate (from Git: npm run grafana -- sync)' } as const;

export interface DataSource {
  uid: string;
  name: string;
  type: string;
  access: 'proxy';
  url: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

/**
 * Both data sources authenticate as the workspace's IAM role: auth type `ec2_iam_role`, which Grafana's AWS
 * authentication docs name "Workspace IAM role" and enable by default only in Amazon Managed Grafana.
 */
export function dataSources(outputs: AnalysisOutputs): DataSource[] {
  const { region, analysis } = outputs;
  return [
    {
      uid: PROMETHEUS_DATASOURCE_UID,
      name: 'Amazon Managed Service for Prometheus',
      type: 'prometheus',
      access: 'proxy',
      // The workspace's endpoint ends in `/`; the data source appends `api/v1/query…` to its URL.
      url: analysis.prometheusEndpoint.replace(/\/+$/, ''),
      isDefault: true,
      // Prometheus data source SigV4 settings (Grafana docs: datasources/prometheus, "AWS authentication").
      jsonData: { httpMethod: 'POST', sigV4Auth: true, sigV4AuthType: 'ec2_iam_role', sigV4Region: region },
    },
    {
      uid: ATHENA_DATASOURCE_UID,
      name: 'Athena (estate telemetry)',
      type: ATHENA_DATASOURCE_TYPE,
      access: 'proxy',
      url: '',
      isDefault: false,
      // grafana/athena-datasource src/types.ts AthenaDataSourceOptions: catalog, database, workgroup, and the AWS
      // auth fields (authType, defaultRegion); the workgroup's enforced settings give the results location.
      jsonData: {
        authType: 'ec2_iam_role',
        defaultRegion: region,
        catalog: 'AwsDataCatalog',
        database: analysis.athenaDatabase,
        workgroup: analysis.athenaWorkgroup,
      },
    },
  ];
}

/** The dashboards of every component the stack's cluster runs: that cluster's Prometheus remote-writes to AMP. */
export function managedDashboards(estate: Estate, catalogue: Catalogue, cluster: string): Dashboard[] {
  const model = estate.clusters.find((c) => c.name === cluster);
  if (!model) throw new GrafanaSyncError(`cluster "${cluster}" is not in the model`);
  const dashboards = dashboardsOf(clusterContext(estate, model, catalogue));
  const seen = new Set<string>();
  for (const d of dashboards) {
    if (seen.has(d.uid)) throw new GrafanaSyncError(`two dashboards of cluster "${cluster}" have the uid "${d.uid}"`);
    seen.add(d.uid);
  }
  return dashboards;
}

type Verb = 'create' | 'update' | 'delete' | 'unchanged';
export interface Change {
  verb: Verb;
  kind: 'folder' | 'data source' | 'dashboard';
  uid: string;
  title: string;
}

/** A Grafana HTTP API client that names the object and the status of a failing call. */
class GrafanaApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async call(
    method: string,
    path: string,
    object: string,
    body?: unknown,
  ): Promise<{ status: number; json: any } | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new GrafanaSyncError(`${object}: ${method} ${path}: cannot reach ${this.base}: ${cause}`);
    }
    const text = await response.text();
    if (method === 'GET' && response.status === 404) return undefined;
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = JSON.parse(text).message ?? message;
      } catch {}
      throw new GrafanaSyncError(
        `${object}: ${method} ${path}: HTTP ${response.status}${message ? `: ${message}` : ''}`,
      );
    }
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** Grafana's bookkeeping on a stored dashboard, which Git's model does not carry. */
function storedModel(dashboard: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, version: _version, ...model } = dashboard;
  return model;
}

export interface SyncOptions {
  outputs: AnalysisOutputs;
  token: string;
  dashboards: Dashboard[];
  dryRun: boolean;
  /** Recorded in each dashboard version's message. */
  revision: string;
}

/** Brings the workspace to what Git declares; with `dryRun` it sends GETs only. Returns every object's change. */
export async function syncGrafana(options: SyncOptions): Promise<Change[]> {
  const api = new GrafanaApi(options.outputs.analysis.grafanaUrl.replace(/\/+$/, ''), options.token);
  const changes: Change[] = [];
  const write = async (change: Change, method: string, path: string, body?: unknown) => {
    changes.push(change);
    if (!options.dryRun && change.verb !== 'unchanged')
      await api.call(method, path, `${change.kind} ${change.uid}`, body);
  };

  const folderObject = `folder ${FOLDER.uid}`;
  const folder = await api.call('GET', `/api/folders/${FOLDER.uid}`, folderObject);
  const folderChange = { kind: 'folder', uid: FOLDER.uid, title: FOLDER.title } as const;
  if (!folder) await write({ ...folderChange, verb: 'create' }, 'POST', '/api/folders', FOLDER);
  else if (folder.json.title !== FOLDER.title)
    await write({ ...folderChange, verb: 'update' }, 'PUT', `/api/folders/${FOLDER.uid}`, {
      title: FOLDER.title,
      overwrite: true,
    });
  else changes.push({ ...folderChange, verb: 'unchanged' });

  for (const source of dataSources(options.outputs)) {
    const path = `/api/datasources/uid/${source.uid}`;
    const stored = await api.call('GET', path, `data source ${source.uid}`);
    const change = { kind: 'data source', uid: source.uid, title: source.name } as const;
    if (!stored) await write({ ...change, verb: 'create' }, 'POST', '/api/datasources', source);
    else {
      const current = Object.fromEntries(Object.keys(source).map((k) => [k, stored.json[k]]));
      await write({ ...change, verb: same(current, source) ? 'unchanged' : 'update' }, 'PUT', path, source);
    }
  }

  const search = await api.call('GET', `/api/search?type=dash-db&folderUIDs=${FOLDER.uid}`, folderObject);
  const inFolder = new Map<string, string>(
    ((search?.json ?? []) as { uid: string; title: string }[]).map((d) => [d.uid, d.title]),
  );
  for (const model of options.dashboards) {
    const stored = await api.call('GET', `/api/dashboards/uid/${model.uid}`, `dashboard ${model.uid}`);
    const current = stored && storedModel(stored.json.dashboard);
    const unchanged = stored && stored.json.meta?.folderUid === FOLDER.uid && same(current, model);
    const verb = !stored ? 'create' : unchanged ? 'unchanged' : 'update';
    await write({ verb, kind: 'dashboard', uid: model.uid, title: model.title }, 'POST', '/api/dashboards/db', {
      dashboard: { ...model, id: null },
      folderUid: FOLDER.uid,
      overwrite: true,
      message: `npm run grafana -- sync (${options.revision})`,
    });
  }
  const declared = new Set(options.dashboards.map((d) => d.uid));
  for (const [uid, title] of inFolder) {
    if (declared.has(uid)) continue;
    await write({ verb: 'delete', kind: 'dashboard', uid, title }, 'DELETE', `/api/dashboards/uid/${uid}`);
  }
  return changes;
}
