// npm run kafka-credentials -- <cluster>: issues (or rotates) the Kafka CA and users' passwords as SOPS Secrets.
import { issueKafkaCredentials, KAFKA_CREDENTIALS_USAGE } from '../../platform/kafka/credentials';
import { catalogue } from '../estate/catalogue';
import { estate } from '../estate/clusters';
import { repoRoot, runCli } from './run';

runCli(() => {
  const [cluster, ...rest] = process.argv.slice(2);
  if (!cluster || rest.length) throw new Error(KAFKA_CREDENTIALS_USAGE);
  for (const file of issueKafkaCredentials(repoRoot, estate, catalogue, cluster)) console.log(`wrote ${file}`);
  console.log('commit them; the clients read the new password and CA when they restart (platform/kafka/README.md)');
});
