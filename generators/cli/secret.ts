// npm run secret -- <cluster> <namespace> <name> [--from-file KEY=path]… [--stdin KEY]: see SECRET_USAGE.
import { runCli } from './run';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { repoRoot } from '../repo';
import { createSecret, parseEntries, SECRET_USAGE } from '../secrets/secret';

runCli(() => {
  const [cluster, namespace, name, ...rest] = process.argv.slice(2);
  if (!cluster || !namespace || !name) throw new Error(SECRET_USAGE);
  const path = createSecret(repoRoot, estate, { cluster, namespace, name, entries: parseEntries(rest) }, catalogue);
  console.log(`wrote ${path}, encrypted to cluster "${cluster}"'s age key; commit it with the rendered output`);
});
