// IAM roles for service accounts (IRSA) on aws clusters: the one naming of the roles that bootstrap/aws declares and
// that the rendered pods assume, and how a pod gets its web-identity credentials.

/** The IRSA roles bootstrap/aws declares for each aws cluster. */
export type IrsaRole = 'log-writer' | 'ebs-csi-controller';

/** The audience of the projected service-account token that STS accepts (the OIDC provider's client id). */
export const IRSA_AUDIENCE = 'sts.amazonaws.com';
const TOKEN_DIR = `/var/run/secrets/${IRSA_AUDIENCE}/serviceaccount`;

/** The IAM role's name: fixed, so the ARN is known before `pulumi up` runs. */
export function irsaRoleName(cluster: string, role: IrsaRole): string {
  return `${cluster}-${role}`;
}

export function irsaRoleArn(cluster: { name: string; accountId: string }, role: IrsaRole): string {
  return `arn:aws:iam::${cluster.accountId}:role/${irsaRoleName(cluster.name, role)}`;
}

/**
 * What a container needs to assume `roleArn` through STS: the role, a projected service-account token for STS and its
 * mount. The nodes' IMDSv2 hop limit of 1 keeps pods on the pod network away from the instance role.
 */
export function irsaCredentials(roleArn: string) {
  return {
    env: [
      { name: 'AWS_ROLE_ARN', value: roleArn },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${TOKEN_DIR}/token` },
    ],
    volumes: [{ name: 'aws-token', projected: { sources: [{ serviceAccountToken: { audience: IRSA_AUDIENCE, expirationSeconds: 86400, path: 'token' } }] } }],
    mounts: [{ name: 'aws-token', mountPath: TOKEN_DIR, readOnly: true }],
  };
}

/**
 * The OIDC documents STS fetches from the issuer, as paths under it: talos-config (bootstrap/talos) writes them to
 * `out/<cluster>/oidc/<path>` from the cluster's service-account key, bootstrap/aws publishes them at `<issuer>/<path>`.
 */
export const OIDC_DOCUMENT_PATHS = ['.well-known/openid-configuration', 'openid/v1/jwks'] as const;

/** Where the API server says its keys are: the JWKS document under the issuer. */
export function jwksUri(issuer: string): string {
  return `${issuer}/${OIDC_DOCUMENT_PATHS[1]}`;
}
