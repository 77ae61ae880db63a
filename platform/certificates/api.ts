// cert-manager's contract with other components: the issuer every certificate of a cluster names. cdk8s-free.

export const NAMESPACE = 'cert-manager';
export const CERT_MANAGER_API = 'cert-manager.io/v1';
/**
 * The ClusterIssuer of each cluster: ACME DNS-01 through Route 53 on aws clusters, the cluster's internal CA on metal
 * clusters (platform/certificates/README.md says why).
 */
export const CLUSTER_ISSUER = 'edge';
