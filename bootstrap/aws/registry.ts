// ECR: a private repository per image this repository builds (generators/images.ts, as the components declare them),
// which the nodes may only pull from (kubelet's credential provider uses the instance role; control planes run the
// log agent's DaemonSet too), and which only this repository's image workflows push to, on a release tag,
// through GitHub's OIDC tokens (no stored AWS keys).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { IMAGE_PUSH_ROLE, type ContainerImage } from '../../generators/images';
import { irsaRoleName } from '../../generators/irsa';
import type { Settings } from './config';
import { githubTrustPolicy } from './github-oidc';

/**
 * Release tags are immutable, so tagged images only ever expire when a newer hundred exist; untagged manifests (the
 * layers of a failed or superseded push) go after a week.
 */
export const ECR_LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: 'expire untagged images after 7 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'keep the newest 100 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
      action: { type: 'expire' },
    },
  ],
};

const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const PUSH_ACTIONS = [
  ...PULL_ACTIONS,
  'ecr:CompleteLayerUpload',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

/** `owner/name` of the estate's Git repository URL (https, ssh or scp-like). */
export function githubRepository(url: string): string {
  const match = /github\.com[/:]([^/]+)\/([^/]+?)(?:\.git)?$/.exec(url);
  if (!match) throw new Error(`generators/estate/clusters.ts: repository.url ${url} is not a GitHub repository`);
  return `${match[1]}/${match[2]}`;
}

/** The token subjects of the release-tag runs (`<image>/v<semver>`, generators/images.ts) of this repository only. */
export const pushSubjects = (repository: string, images: readonly ContainerImage[]) =>
  images.map((image) => `repo:${repository}:ref:refs/tags/${image.name}/v*`);

export interface Registry {
  repositories: Record<string, aws.ecr.Repository>;
  pushRole: aws.iam.Role;
}

export function declareRegistry(
  settings: Settings,
  images: readonly ContainerImage[],
  repositoryUrl: string,
  nodeRoles: Record<'controlplane' | 'worker', aws.iam.Role>,
  github: aws.iam.OpenIdConnectProvider,
  tags: Record<string, string>,
): Registry {
  const name = settings.cluster.name;
  const repositories = Object.fromEntries(
    images.map((image) => {
      const repository = new aws.ecr.Repository(`ecr-${image.name}`, {
        name: image.name,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'KMS' }],
        tags,
      });
      new aws.ecr.LifecyclePolicy(`ecr-${image.name}`, {
        repository: repository.name,
        policy: JSON.stringify(ECR_LIFECYCLE_POLICY),
      });
      return [image.name, repository] as const;
    }),
  );
  const arns = Object.values(repositories).map((r) => r.arn);
  const policy = (sid: string, actions: string[]) =>
    pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'PullAuthorization', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Sid: sid, Effect: 'Allow', Action: actions, Resource: arns },
      ],
    });
  for (const [role, nodeRole] of Object.entries(nodeRoles)) {
    new aws.iam.RolePolicy(`${name}-${role}-ecr-pull`, {
      role: nodeRole.id,
      policy: policy('PullOwnImages', PULL_ACTIONS),
    });
  }

  const pushRole = new aws.iam.Role('image-push', {
    name: irsaRoleName(name, IMAGE_PUSH_ROLE),
    assumeRolePolicy: githubTrustPolicy(github, { like: pushSubjects(githubRepository(repositoryUrl), images) }),
    tags,
  });
  new aws.iam.RolePolicy('image-push', { role: pushRole.id, policy: policy('PushOwnImages', PUSH_ACTIONS) });
  return { repositories, pushRole };
}
