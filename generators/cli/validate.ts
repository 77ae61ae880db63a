import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { assertValidModel } from '../model-check';
import { validationExtensionsOf } from '../registries';
import { formatReport, validateTree } from '../validate/validate';
import { repoRoot, runCli } from './run';

runCli(async () => {
  const started = performance.now();
  assertValidModel(estate, catalogue);
  const report = await validateTree(repoRoot, estate.clusters, validationExtensionsOf(catalogue));
  const lines = formatReport(report);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (report.problems.length) {
    console.error(lines.join('\n'));
    console.error(
      `validation failed: ${report.problems.length} problems in ${report.objectCount} objects (${seconds} s)`,
    );
    process.exitCode = 1;
  } else {
    console.log(lines.join('\n'));
    console.log(`all ${report.objectCount} objects valid (${seconds} s)`);
  }
});
