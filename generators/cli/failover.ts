// npm run failover -- --to <cluster>: moves the primary site (estate.database.primarySite), renders, and prints what
// each cluster receives. Commit the model and clusters/ together and open the pull request (runbook:
// platform/cloudnative-pg/README.md).
import { parseArgs } from 'node:util';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { failover } from '../failover';
import { renderReport, SUMMARY_LIMITS } from '../diff/report';
import { MODEL_FILE } from '../model-check';
import { repoRoot, runCli } from './run';

const USAGE = `usage: npm run failover -- --to <${estate.clusters.map((c) => c.name).join('|')}>`;

runCli(() => {
  const { values } = parseArgs({ options: { to: { type: 'string' } } });
  if (!values.to) throw new Error(USAGE);
  const { from, to, changes } = failover(repoRoot, estate, catalogue, values.to);
  console.log(`primary site: ${from} -> ${to} (${MODEL_FILE} database.primarySite), clusters/ rendered\n`);
  process.stdout.write(
    renderReport(changes, { base: `the committed model (primary ${from})`, limits: SUMMARY_LIMITS }),
  );
  console.log(`\ncommit ${MODEL_FILE} and clusters/ together, then open the pull request`);
});
