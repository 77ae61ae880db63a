// The fixed names of the analysis stack's roles, which the KMS key policies (encryption.ts) name before the roles
// exist (analysis.ts, compaction.ts declare them).

/** The Amazon Managed Grafana workspace's role (permission type CUSTOMER_MANAGED). */
export const GRAFANA_ROLE = (cluster: string) => `${cluster}-grafana`;
/** The role EventBridge Scheduler runs the Parquet compaction with. */
export const COMPACTION_ROLE = (cluster: string) => `${cluster}-parquet-compaction`;
