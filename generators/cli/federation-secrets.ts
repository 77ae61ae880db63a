// npm run federation-secrets: issues (or rotates) the federation mTLS material as SOPS-encrypted Secrets.
import { issueFederationSecrets } from '../../platform/monitoring/federation-secrets';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { repoRoot, runCli } from './run';

runCli(() => {
  for (const file of issueFederationSecrets(repoRoot, estate, catalogue)) console.log(`wrote ${file}`);
});
