// The role the pull-request workflow assumes through GitHub's OIDC provider to run `pulumi preview`: trusted for pull
// requests of this repository only, and read-only: it reads the stack's state and decrypts its secrets, and calls the
// AWS APIs the program's data sources read; it can change nothing.
import * as aws from '@pulumi/aws';
import type { Estate } from '../../generators/model';
import type { Settings } from './config';
import { githubTrustPolicy } from './github-oidc';
import { previewRoleName, pullRequestSubject } from './preview';

/** The program's reads at preview time: its data sources (AZs, the Talos AMI), the state, the secrets key. */
export function previewPolicy(settings: Settings): Record<string, unknown> {
  const { stateBucket, secretsKeyArn } = settings.preview;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PreviewDataSources',
        Effect: 'Allow',
        Action: ['ec2:DescribeAvailabilityZones', 'ec2:DescribeImages'],
        Resource: '*',
      },
      { Sid: 'ReadState', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${stateBucket}` },
      { Sid: 'ReadStateObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${stateBucket}/*` },
      { Sid: 'DecryptStackSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: secretsKeyArn },
    ],
  };
}

export function declarePreviewRole(
  settings: Settings,
  estate: Estate,
  github: aws.iam.OpenIdConnectProvider,
  tags: Record<string, string>,
): aws.iam.Role {
  const name = previewRoleName(settings.cluster.name);
  const role = new aws.iam.Role(name, {
    name,
    maxSessionDuration: 3600,
    assumeRolePolicy: githubTrustPolicy(github, { exactly: pullRequestSubject(estate) }),
    tags,
  });
  new aws.iam.RolePolicy(name, { role: role.id, policy: JSON.stringify(previewPolicy(settings)) });
  return role;
}
