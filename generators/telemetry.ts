// What components declare about their metrics, and the building blocks of Grafana dashboards: Prometheus rule groups
// (record names follow level:metric:operations) and time-series panels over the clusters' Prometheus data source.

/** The uid of the Prometheus data source that the monitoring stack provisions; every panel reads it. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

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

/** An alerting rule with its severity and a one-line summary. */
export const alertRule = (name: string, expr: string, duration: string, severity: string, summary: string) => ({
  alert: name,
  expr,
  for: duration,
  labels: { severity },
  annotations: { summary },
});
