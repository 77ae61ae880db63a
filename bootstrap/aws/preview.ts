// What the pull-request preview job and the preview role agree on, without Pulumi: the role's name and trust, and the
// environment the workflow runs `pulumi preview` in (npm run pulumi-preview -- env).
import { repositoryWebUrl } from '../../generators/flux';
import type { Estate } from '../../generators/model';
import { versions } from '../../generators/versions';
import type { Settings } from './config';

/**
 * The `sub` claim of a token issued to a workflow run for a `pull_request` event: `repo:<owner>/<repo>:pull_request`
 * (GitHub Docs, "OpenID Connect reference", subject claims for pull_request events). A fork's pull request gets no
 * token with `id-token: write`, and a push, a tag or an environment has another subject.
 */
export function pullRequestSubject(estate: Pick<Estate, 'repository'>): string {
  const repository = new URL(repositoryWebUrl(estate.repository)).pathname.slice(1);
  return `repo:${repository}:pull_request`;
}

/** Fixed, so the workflow knows the ARN before the stack exists. */
export function previewRoleName(cluster: string): string {
  return `${cluster}-pulumi-preview`;
}

/**
 * `KEY=value` lines for $GITHUB_ENV: the pinned CLI, the stack's S3 backend and the role to assume. Pulumi's S3
 * backend URL takes the bucket's region as a query parameter (`s3://<bucket>?region=<region>`).
 */
export function previewEnvironment(settings: Settings): string {
  const { cluster } = settings;
  return [
    `PULUMI_VERSION=${versions.pulumiCli}`,
    `PULUMI_BACKEND_URL=s3://${settings.preview.stateBucket}?region=${settings.region}`,
    `PREVIEW_ROLE_ARN=arn:aws:iam::${cluster.accountId}:role/${previewRoleName(cluster.name)}`,
    `PREVIEW_STACK=${settings.stack}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}
