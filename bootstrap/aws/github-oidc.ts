// GitHub Actions' OIDC provider: the one identity provider the repository's workflows assume roles through (the image
// push role, the pull-request preview role). An account holds one provider per issuer URL, so it is declared once.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { IRSA_AUDIENCE } from '../../generators/irsa';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** Its tokens carry `aud` sts.amazonaws.com when asked for that audience. */
export const GITHUB_OIDC_ISSUER = `https://${GITHUB_OIDC_HOST}`;

export function declareGithubOidc(tags: Record<string, string>): aws.iam.OpenIdConnectProvider {
  return new aws.iam.OpenIdConnectProvider('github-actions', {
    url: GITHUB_OIDC_ISSUER,
    clientIdLists: [IRSA_AUDIENCE],
    tags,
  });
}

/** A role's trust in runs of this repository's workflows: `sub` exactly one subject, or like one of the patterns. */
export function githubTrustPolicy(
  github: aws.iam.OpenIdConnectProvider,
  sub: { exactly: string } | { like: string[] },
): pulumi.Output<string> {
  const aud = { [`${GITHUB_OIDC_HOST}:aud`]: IRSA_AUDIENCE };
  const key = `${GITHUB_OIDC_HOST}:sub`;
  const Condition =
    'exactly' in sub
      ? { StringEquals: { ...aud, [key]: sub.exactly } }
      : { StringEquals: aud, StringLike: { [key]: sub.like } };
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: github.arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition },
    ],
  });
}
