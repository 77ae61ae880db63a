// The log-export dashboard against the catalogue it queries and the metrics the collector exports.
import { describe, expect, it } from 'vitest';
import { ATHENA_DATASOURCE_UID, datasourcesOf, PROMETHEUS_DATASOURCE_UID } from '../../generators/telemetry';
import { ALERT_METRICS } from './alerts';
import { DATABASE, datasetTables } from './api';
import { dashboardExpressions, errorsPerNamespaceSql, logExportDashboard } from './dashboard';

const logs = datasetTables({ bucket: 'b', clusters: ['aws'], namespaces: ['default'] }).find((t) => t.name === 'logs')!;

describe('log-export dashboard', () => {
  it('counts error lines per namespace and hour over the catalogue’s logs table and its partitions', () => {
    const sql = errorsPerNamespaceSql();
    expect(sql).toContain(`FROM ${DATABASE}.${logs.name}\n`);
    const known = new Set([...logs.columns.map((c) => c.name), ...logs.partitionKeys]);
    const used = ['cluster', 'namespace', 'dt', 'hour', 'body'];
    for (const column of used) {
      expect(known, column).toContain(column);
      expect(sql).toMatch(new RegExp(`\\b${column}\\b`));
    }
    // The range prunes partitions: dt bounded on both sides by the dashboard's time range.
    expect(sql).toMatch(/WHERE dt BETWEEN '\$\{__from:date:YYYY-MM-DD\}' AND '\$\{__to:date:YYYY-MM-DD\}'/);
  });

  it('reads Prometheus for the pipeline and Athena for what reached S3', () => {
    const model = logExportDashboard();
    expect([...datasourcesOf(model)].sort()).toEqual([ATHENA_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID].sort());
    const athena = (model.panels as any[]).filter((p) => p.datasource.uid === ATHENA_DATASOURCE_UID);
    expect(athena.map((p) => p.targets[0].rawSQL)).toEqual([errorsPerNamespaceSql()]);
  });

  it('graphs only metrics the collector exports (the end-to-end test checks them)', () => {
    const metrics = new Set(dashboardExpressions().flatMap((e) => e.match(/otelcol_[a-z_]+/g) ?? []));
    for (const metric of metrics) expect(ALERT_METRICS).toContain(metric);
  });
});
