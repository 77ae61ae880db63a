// npm run secret -- <cluster> <namespace> <name> KEY=value… [--from-file KEY=path…]
import { runCli } from './run';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { repoRoot } from '../repo';
import { createSecret, parseEntries } from '../secrets/secret';

const USAGE = 'usage: npm run secret -- <cluster> <namespace> <name> KEY=value… [--from-file KEY=path…]';

runCli(() => {
  const [cluster, namespace, name, ...rest] = process.argv.slice(2);
  if (!cluster || !namespace || !name) throw new Error(USAGE);
  const path = createSecret(repoRoot, estate, { cluster, namespace, name, entries: parseEntries(rest) }, catalogue);
  console.log(`wrote ${path}, encrypted to cluster "${cluster}"'s age key; commit it with the rendered output`);
});
