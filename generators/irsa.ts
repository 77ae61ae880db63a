// IAM roles for service accounts (IRSA) on aws clusters: what a component declares about the roles its pods assume,
// the one naming of those roles (bootstrap/aws declares them, the rendered pods assume them), and how a pod gets its
// web-identity credentials.

/** What a role's permissions may refer to: all of it is known before `pulumi up` runs. */
export interface IrsaPolicyContext {
  cluster: string;
  region: string;
  /** The AWS account bootstrap/aws deploys into (the aws cluster's `accountId`). */
  accountId: string;
  /** The telemetry bucket of the estate (`logArchive.bucket`). */
  bucket: string;
  /** The databases' backup bucket (`database.backups.bucket`), when the estate has databases. */
  backupBucket?: string;
  /** The Amazon Managed Service for Prometheus workspace that the aws cluster remote-writes to, when it does. */
  metricsWorkspaceId?: string;
}

/** An IAM role that a component's service accounts assume on aws clusters. */
export interface IrsaRole {
  /** The IAM role is named `<cluster>-<name>` (irsaRoleName). */
  name: string;
  namespace: string;
  /** Exactly these service accounts may assume it. */
  serviceAccounts: readonly string[];
  /** Its permissions: an IAM policy document. */
  policy(ctx: IrsaPolicyContext): Record<string, unknown>;
  /**
   * Outside AWS (metal clusters), the component authenticates with the access key of an IAM user with the same
   * policy instead, kept in a SOPS Secret. @default false: the role exists on aws clusters only
   */
  accessKeyOutsideAws?: boolean;
}

/** The audience of the projected service-account token that STS accepts (the OIDC provider's client id). */
export const IRSA_AUDIENCE = 'sts.amazonaws.com';
const TOKEN_DIR = `/var/run/secrets/${IRSA_AUDIENCE}/serviceaccount`;

/** The IAM role's name: fixed, so the ARN is known before `pulumi up` runs. */
export function irsaRoleName(cluster: string, role: Pick<IrsaRole, 'name'>): string {
  return `${cluster}-${role.name}`;
}

export function irsaRoleArn(cluster: { name: string; accountId: string }, role: Pick<IrsaRole, 'name'>): string {
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
    volumes: [
      {
        name: 'aws-token',
        projected: {
          sources: [{ serviceAccountToken: { audience: IRSA_AUDIENCE, expirationSeconds: 86400, path: 'token' } }],
        },
      },
    ],
    mounts: [{ name: 'aws-token', mountPath: TOKEN_DIR, readOnly: true }],
  };
}

/**
 * The OIDC documents STS fetches from the issuer, as paths under it: talos-config (bootstrap/talos) writes them to
 * `out/<cluster>/oidc/<path>` from the cluster's service-account key, bootstrap/aws publishes them at
 * `<issuer>/<path>`.
 */
export const OIDC_DOCUMENT_PATHS = ['.well-known/openid-configuration', 'openid/v1/jwks'] as const;

/** Where the API server says its keys are: the JWKS document under the issuer. */
export function jwksUri(issuer: string): string {
  return `${issuer}/${OIDC_DOCUMENT_PATHS[1]}`;
}
