// The three stages of the local PR gate, each as its own npm script (render-check.ts, validate.ts, policy.ts) and
// all three in one process (`npm run gate`, gate.ts). A stage prints its report and returns its exit code; bad input
// throws, and the caller's runCli (or the gate) turns it into one message and exit code 1.
import { performance } from 'node:perf_hooks';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { assertValidModel } from '../model-check';
import { allowListOf } from '../policy/allow-list';
import { formatReport as formatPolicy, loadPolicyInput, runPolicy } from '../policy/gate';
import { chartsOf, validationExtensionsOf } from '../registries';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { formatReport as formatValidation, validateTree } from '../validate/validate';
import { findDrift } from '../writer';

export interface ValidateFlags {
  /** `--no-cache`: a clean run that neither reads nor writes the pass and parse caches. */
  clean: boolean;
  /** `--timings`: the wall time of each phase, on stderr. */
  timings: boolean;
}

export function validateFlags(argv: readonly string[]): ValidateFlags {
  return { clean: argv.includes('--no-cache'), timings: argv.includes('--timings') };
}

/** `npm run render:check`: the committed clusters/ against a render in memory. */
export function renderCheck(): number {
  const drift = findDrift(repoRoot, renderEstate(estate, catalogue));
  if (!drift.length) {
    console.log('clusters/ matches the generators: no drift');
    return 0;
  }
  for (const d of drift) {
    console.error(`cluster ${d.cluster}:`);
    for (const f of d.added) console.error(`  added     ${f}`);
    for (const f of d.changed) console.error(`  changed   ${f}`);
    for (const f of d.orphaned) console.error(`  orphaned  ${f}`);
    for (const problem of d.secrets) console.error(`  secret    ${problem}`);
  }
  const files = drift.some((d) => d.added.length || d.changed.length || d.orphaned.length);
  if (files) console.error('clusters/ is out of date with the generators. Run `npm run render` and commit the result.');
  if (drift.some((d) => d.secrets.length))
    console.error(
      'A Secret file does not carry what its component declares: create it again with the command that wrote it ' +
        '(`npm run secret`, or the component command its README names), then commit it.',
    );
  return 1;
}

/** `npm run validate`: kubeconform, structure and repo checks over clusters/ and flux-system/. */
export async function validate(flags: ValidateFlags): Promise<number> {
  const startUp = process.uptime();
  const started = performance.now();
  assertValidModel(estate, catalogue);
  const report = await validateTree(
    repoRoot,
    estate.clusters,
    validationExtensionsOf(catalogue),
    flags.clean ? { passCache: false, parseCache: false } : {},
  );
  const lines = formatValidation(report);
  if (flags.timings) {
    console.error(`  ${startUp.toFixed(3).padStart(7)} s  start-up (node, tsx, imports)`);
    for (const span of report.spans) console.error(`  ${span.seconds.toFixed(3).padStart(7)} s  ${span.label}`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (report.problems.length) {
    console.error(lines.join('\n'));
    console.error(
      `validation failed: ${report.problems.length} problems in ${report.objectCount} objects (${seconds} s)`,
    );
    return 1;
  }
  console.log(lines.join('\n'));
  console.log(`all ${report.objectCount} objects valid (${seconds} s)`);
  return 0;
}

/** `npm run policy`: the security gate over the rendered output of every cluster. */
export function policy(): number {
  // The gate reads the model's clusters: a broken model fails here, naming the field, not as a passing report.
  assertValidModel(estate, catalogue);
  const report = runPolicy(loadPolicyInput(repoRoot, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
  (report.violations.length ? console.error : console.log)(formatPolicy(report));
  return report.violations.length ? 1 : 0;
}
