// What components declare about their metrics, and the building blocks of Grafana dashboards: Prometheus rule groups
// (record names follow level:metric:operations) and time-series panels over the clusters' Prometheus data source.

/**
 * The uid of the Prometheus data source: the monitoring stack's in each cluster, Amazon Managed Service for Prometheus
 * in Amazon Managed Grafana (`npm run grafana -- sync`), so one dashboard reads either.
 */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';
/** The uid of the Athena data source over the telemetry catalogue; only Amazon Managed Grafana has it. */
export const ATHENA_DATASOURCE_UID = 'athena';
/** The Athena plugin's type (grafana/athena-datasource, src/plugin.json `id`). */
export const ATHENA_DATASOURCE_TYPE = 'grafana-athena-datasource';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/**
 * Aggregate groups with every series labelled with its cluster. External labels add `cluster` only to what leaves a
 * Prometheus, so the label is also recorded: the central cluster's own aggregates then sit next to the federated ones.
 */
export function labelledAggregates(groups: readonly RuleGroup[], cluster: string): RuleGroup[] {
  return groups.map(({ name, rules }) => ({
    name,
    rules: rules.map((r) => ({ ...r, labels: { ...r.labels, cluster } }) as RecordingRule | AlertingRule),
  }));
}

/** The series names that recording rules produce. */
export function recordedSeries(groups: readonly RuleGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))))];
}

const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID };

export interface PanelSpec {
  title: string;
  unit: string;
  /** PromQL per legend. */
  targets: { expr: string; legend: string }[];
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A time-series panel; with `repeat` (a dashboard variable) it stands once per selected value, side by side. */
export function timeseriesPanel(
  spec: PanelSpec,
  id: number,
  gridPos: GridPos,
  repeat?: string,
): Record<string, unknown> {
  return {
    id,
    type: 'timeseries',
    title: repeat ? `${spec.title} · $${repeat}` : spec.title,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    ...(repeat ? { repeat, repeatDirection: 'h', maxPerRow: 4 } : {}),
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: PROMETHEUS_DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend,
    })),
  };
}

/** Every PromQL expression of these panels, for the promtool checks beside each dashboard. */
export const panelExpressions = (specs: readonly PanelSpec[]): string[] =>
  specs.flatMap((s) => s.targets.map((t) => t.expr));

/** Time-series panels in `columns` equal columns, row by row from `y`, with ids from `firstId`. */
export function panelGrid(
  specs: readonly PanelSpec[],
  {
    columns = 2,
    height = 8,
    y = 0,
    firstId = 1,
  }: { columns?: number; height?: number; y?: number; firstId?: number } = {},
): Record<string, unknown>[] {
  const w = 24 / columns;
  return specs.map((spec, i) =>
    timeseriesPanel(spec, firstId + i, { x: (i % columns) * w, y: y + Math.floor(i / columns) * height, w, h: height }),
  );
}

/** A dashboard variable over the values of a Prometheus label, several selectable and All selected at first. */
export function labelValuesVariable(
  name: string,
  label: string,
  query: string,
  refId: string,
): Record<string, unknown> {
  return {
    name,
    label,
    type: 'query',
    datasource: PROMETHEUS_DATASOURCE,
    query: { query, refId },
    definition: query,
    refresh: 2,
    multi: true,
    includeAll: true,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  };
}

/** A time-series panel over Athena: `sql` yields a `time` column, one numeric column and the label columns. */
export function athenaPanel(
  spec: { title: string; unit: string; sql: string },
  id: number,
  gridPos: GridPos,
): Record<string, unknown> {
  const datasource = { type: ATHENA_DATASOURCE_TYPE, uid: ATHENA_DATASOURCE_UID };
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    datasource,
    gridPos,
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    // The plugin's query model (grafana/athena-datasource src/types.ts AthenaQuery): format 0 is a time series, the
    // long rows turned wide by their string columns; connectionArgs left to the data source's defaults.
    targets: [{ refId: 'A', datasource, format: 0, rawSQL: spec.sql }],
  };
}

/** A Grafana dashboard's JSON model. */
export type Dashboard = Record<string, unknown> & { uid: string; title: string };

/** The uids of every data source a dashboard's panels, targets and variables name. */
export function datasourcesOf(value: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (v: unknown, key?: string): void => {
    if (Array.isArray(v)) v.forEach((item) => walk(item));
    else if (v && typeof v === 'object') {
      const uid = (v as { uid?: unknown }).uid;
      if (key === 'datasource' && typeof uid === 'string') found.add(uid);
      for (const [k, child] of Object.entries(v)) walk(child, k);
    }
  };
  walk(value);
  return found;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  tags: string[];
  refresh: string;
  /** How far back the time range starts, e.g. `now-3h`; it ends now. */
  from: string;
  /** @default none */
  variables?: Record<string, unknown>[];
  panels: Record<string, unknown>[];
}

/** A read-only dashboard in UTC. */
export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: spec.tags,
    timezone: 'utc',
    schemaVersion: 39,
    editable: false,
    refresh: spec.refresh,
    time: { from: spec.from, to: 'now' },
    templating: { list: spec.variables ?? [] },
    panels: spec.panels,
  };
}

/** An alerting rule with its severity and a one-line summary. */
export const alertRule = (name: string, expr: string, duration: string, severity: string, summary: string) => ({
  alert: name,
  expr,
  for: duration,
  labels: { severity },
  annotations: { summary },
});
