// npm run policy: the security gate over the rendered output of every cluster.
import { runCli } from './run';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { assertValidModel } from '../model-check';
import { allowListOf } from '../policy/allow-list';
import { chartsOf } from '../registries';
import { repoRoot } from '../repo';
import { formatReport, loadPolicyInput, runPolicy } from '../policy/gate';

runCli(() => {
  // The gate reads the model's clusters: a broken model fails here, naming the field, not as a passing report.
  assertValidModel(estate, catalogue);
  const report = runPolicy(loadPolicyInput(repoRoot, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
  (report.violations.length ? console.error : console.log)(formatReport(report));
  if (report.violations.length) process.exitCode = 1;
});
