// GitHub Actions' OIDC provider: the one identity provider the repository's workflows assume roles through (the image
// push role, the pull-request preview role). An account holds one provider per issuer URL, so it is declared once.
import * as aws from '@pulumi/aws';
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
