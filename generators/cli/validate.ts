import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { assertValidModel } from '../model-check';
import { validationExtensionsOf } from '../registries';
import { formatReport, validateTree } from '../validate/validate';
import { repoRoot, runCli } from './run';

runCli(async () => {
  const startUp = process.uptime();
  const started = performance.now();
  assertValidModel(estate, catalogue);
  // `npm run validate -- --no-cache`: a clean run that neither reads nor writes the pass and parse caches.
  const clean = process.argv.includes('--no-cache');
  const report = await validateTree(
    repoRoot,
    estate.clusters,
    validationExtensionsOf(catalogue),
    clean ? { passCache: false, parseCache: false } : {},
  );
  const lines = formatReport(report);
  // `npm run validate -- --timings`: where the time went, phase by phase.
  if (process.argv.includes('--timings')) {
    console.error(`  ${startUp.toFixed(3).padStart(7)} s  start-up (node, tsx, imports)`);
    for (const span of report.spans) console.error(`  ${span.seconds.toFixed(3).padStart(7)} s  ${span.label}`);
  }
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
