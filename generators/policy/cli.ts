// npm run policy: the security gate over the rendered output of every cluster.
import { runCli } from '../cli/run';
import { estate } from '../clusters';
import { repoRoot } from '../repo';
import { formatReport, loadPolicyInput, runPolicy } from './gate';

runCli(() => {
  const report = runPolicy(loadPolicyInput(repoRoot, estate));
  (report.violations.length ? console.error : console.log)(formatReport(report));
  if (report.violations.length) process.exitCode = 1;
});
