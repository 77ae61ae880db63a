// npm run grafana -- sync --outputs <stack outputs JSON> [--dry-run]: provisions Amazon Managed Grafana (folder, data
// sources, dashboards) from Git; the token of a workspace service account (Admin role) is read from GRAFANA_TOKEN.
// --dry-run sends GETs only and prints what would change.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { GrafanaSyncError, loadAnalysisOutputs, managedDashboards, syncGrafana } from '../grafana';
import { runCli } from './run';

const USAGE = 'usage: GRAFANA_TOKEN=<service-account token> npm run grafana -- sync --outputs <file> [--dry-run]';

runCli(async () => {
  const { values, positionals } = parseArgs({
    options: { outputs: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.join(' ') !== 'sync' || !values.outputs) throw new GrafanaSyncError(USAGE);
  const outputs = loadAnalysisOutputs(resolve(values.outputs), estate);
  const token = process.env.GRAFANA_TOKEN ?? '';
  if (!token.trim()) throw new GrafanaSyncError(`GRAFANA_TOKEN is not set (nothing was sent)\n${USAGE}`);
  const dryRun = values['dry-run'];
  const changes = await syncGrafana({
    outputs,
    token,
    dashboards: managedDashboards(estate, catalogue, outputs.cluster),
    dryRun,
    revision: process.env.GITHUB_SHA ?? 'local',
  });
  const target = `${outputs.analysis.grafanaUrl} (${outputs.analysis.grafanaWorkspaceId})`;
  console.log(`${dryRun ? 'dry run, nothing sent but GETs: ' : ''}${target}`);
  for (const c of changes)
    console.log(`  ${dryRun && c.verb !== 'unchanged' ? `would ${c.verb}` : c.verb} ${c.kind} ${c.uid}: ${c.title}`);
  const changed = changes.filter((c) => c.verb !== 'unchanged').length;
  console.log(
    changed === 0
      ? 'nothing to change'
      : `${changed} ${dryRun ? 'to change' : 'changed'}, ${changes.length - changed} unchanged`,
  );
});
