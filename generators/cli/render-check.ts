import { estate } from '../estate/clusters';
import { renderEstate } from '../render';
import { findDrift } from '../writer';
import { repoRoot, runCli } from './run';
import { catalogue } from '../estate/catalogue';

runCli(() => {
  const drift = findDrift(repoRoot, renderEstate(estate, catalogue));
  if (!drift.length) {
    console.log('clusters/ matches the generators: no drift');
    return;
  }
  for (const d of drift) {
    console.error(`cluster ${d.cluster}:`);
    for (const f of d.added) console.error(`  added     ${f}`);
    for (const f of d.changed) console.error(`  changed   ${f}`);
    for (const f of d.orphaned) console.error(`  orphaned  ${f}`);
  }
  console.error('clusters/ is out of date with the generators. Run `npm run render` and commit the result.');
  process.exitCode = 1;
});
