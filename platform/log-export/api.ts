// The log-export component's contract: its namespace, service accounts, the datasets it writes and the write-only IAM
// identity it writes with (bootstrap/aws declares it from here). cdk8s-free.
import type { IrsaPolicyContext, IrsaRole } from '../../generators/irsa';
import { LOG_DATASETS } from './datasets';

export const NAMESPACE = 'log-export';
export const AGENT = 'log-export-agent';
export const CLUSTER_EXPORTER = 'log-export-cluster';

export function clusterObjectArns(bucket: string, cluster: string): string[] {
  return LOG_DATASETS.map((dataset) => `arn:aws:s3:::${bucket}/${dataset}/cluster=${cluster}/*`);
}

function putOnlyPolicy({ bucket, cluster }: IrsaPolicyContext): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteOwnClusterPrefix',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: clusterObjectArns(bucket, cluster),
      },
    ],
  };
}

/** May only s3:PutObject under its own cluster's prefixes: by IRSA on aws, by an IAM user's access key on-prem. */
export const LOG_WRITER_ROLE: IrsaRole = {
  name: 'log-writer',
  namespace: NAMESPACE,
  serviceAccounts: [AGENT, CLUSTER_EXPORTER],
  policy: putOnlyPolicy,
  accessKeyOutsideAws: true,
};

export {
  DATABASE,
  datasetPrefix,
  datasetTables,
  LOG_DATASETS,
  locationTemplate,
  objectKeys,
  PARQUET_PREFIX,
  parquetTableName,
  type CatalogueInput,
  type Dataset,
  type TableFormat,
  type TableSpec,
} from './datasets';
