// npm run policy: the security gate over the rendered output of every cluster.
import { runCli } from './run';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { allowListOf } from '../policy/allow-list';
import { chartsOf } from '../registries';
import { repoRoot } from '../repo';
import { formatReport, loadPolicyInput, runPolicy } from '../policy/gate';

runCli(() => {
  const report = runPolicy(loadPolicyInput(repoRoot, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
  (report.violations.length ? console.error : console.log)(formatReport(report));
  if (report.violations.length) process.exitCode = 1;
});
