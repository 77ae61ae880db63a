// The building blocks of the repo's Grafana dashboards: the dashboard, time-series panels over Prometheus, variables.
import { PROMETHEUS_DATASOURCE_UID } from './stack';

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
export function timeseriesPanel(spec: PanelSpec, id: number, gridPos: GridPos, repeat?: string): Record<string, unknown> {
  return {
    id,
    type: 'timeseries',
    title: repeat ? `${spec.title} · $${repeat}` : spec.title,
    datasource: PROMETHEUS_DATASOURCE,
    gridPos,
    ...(repeat ? { repeat, repeatDirection: 'h', maxPerRow: 4 } : {}),
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: spec.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: PROMETHEUS_DATASOURCE, expr: t.expr, legendFormat: t.legend })),
  };
}

/** A dashboard variable over the values of a Prometheus label, several selectable and All selected at first. */
export function labelValuesVariable(name: string, label: string, query: string, refId: string): Record<string, unknown> {
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

export interface DashboardSpec {
  uid: string;
  title: string;
  tags: string[];
  refresh: string;
  /** How far back the time range starts, e.g. `now-3h`; it ends now. */
  from: string;
  variables: Record<string, unknown>[];
  panels: Record<string, unknown>[];
}

/** A read-only dashboard in UTC. */
export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: spec.tags,
    timezone: 'utc',
    schemaVersion: 39,
    editable: false,
    refresh: spec.refresh,
    time: { from: spec.from, to: 'now' },
    templating: { list: spec.variables },
    panels: spec.panels,
  };
}
