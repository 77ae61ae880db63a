import type { PolicyResource } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { BUCKETS_WITHOUT_EXPIRY, JUSTIFIED_WILDCARDS, ROLE_TAG, TERMINATING_TRANSITION } from './conventions';
import { policyResource, violations } from './harness.testkit';
import { TYPES } from './rules';

const bucket = policyResource(TYPES.bucket, 'logs', { bucket: 'logs' });
const goodBucketCompanions = () => [
  policyResource(
    TYPES.publicAccessBlock,
    'pab',
    { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { bucket: [bucket] },
  ),
  policyResource(
    TYPES.ownershipControls,
    'own',
    { rule: { objectOwnership: 'BucketOwnerEnforced' } },
    { bucket: [bucket] },
  ),
  policyResource(
    TYPES.encryption,
    'sse',
    { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
    { bucket: [bucket] },
  ),
  policyResource(TYPES.bucketPolicy, 'tls', { policy: tlsOnlyPolicy() }, { bucket: [bucket] }),
  policyResource(
    TYPES.lifecycle,
    'life',
    {
      rules: [
        {
          id: 'r',
          status: 'Enabled',
          transitions: [{ days: 30, storageClass: 'STANDARD_IA' }],
          expiration: { days: 400 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    { bucket: [bucket] },
  ),
];

function tlsOnlyPolicy(condition: unknown = 'false'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*'],
        Condition: { Bool: { 'aws:SecureTransport': condition } },
      },
    ],
  });
}

const BUCKET_POLICIES = ['s3-bucket-private', 's3-bucket-encrypted', 's3-bucket-tls-only', 's3-bucket-lifecycle'];

describe('bucket policies', () => {
  it.each(BUCKET_POLICIES)('%s passes a private, encrypted, TLS-only bucket with a lifecycle', async (name) => {
    expect(await violations(name, [bucket, ...goodBucketCompanions()])).toEqual([]);
  });

  it.each(BUCKET_POLICIES)('%s fails a bare bucket', async (name) => {
    expect(await violations(name, [bucket])).toHaveLength(name === 's3-bucket-private' ? 2 : 1);
  });

  it('s3-bucket-private fails when one of the four public-access settings is off', async () => {
    const companions = goodBucketCompanions();
    companions[0]!.props.restrictPublicBuckets = false;
    expect(await violations('s3-bucket-private', [bucket, ...companions])).toEqual([
      expect.stringContaining('no public access block'),
    ]);
  });

  it('s3-bucket-private fails when object ownership still allows ACLs', async () => {
    const companions = goodBucketCompanions();
    companions[1]!.props.rule.objectOwnership = 'ObjectWriter';
    expect(await violations('s3-bucket-private', [bucket, ...companions])).toEqual([
      expect.stringContaining('BucketOwnerEnforced'),
    ]);
  });

  it('s3-bucket-private fails a public-read canned ACL', async () => {
    const publicBucket = policyResource(TYPES.bucket, 'logs', { bucket: 'logs', acl: 'public-read' });
    const companions = goodBucketCompanions().map((c) => ({ ...c, propertyDependencies: { bucket: [publicBucket] } }));
    expect(await violations('s3-bucket-private', [publicBucket, ...companions])).toEqual([
      expect.stringContaining('public-read'),
    ]);
  });

  it('companions of another bucket do not count', async () => {
    const other = policyResource(TYPES.bucket, 'other', { bucket: 'other' });
    expect(await violations('s3-bucket-encrypted', [bucket, other, ...goodBucketCompanions()])).toEqual([
      expect.stringContaining('bucket other'),
    ]);
  });

  it('s3-bucket-encrypted fails an unknown algorithm', async () => {
    const companions = goodBucketCompanions();
    companions[2]!.props.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = 'none';
    expect(await violations('s3-bucket-encrypted', [bucket, ...companions])).toHaveLength(1);
  });

  it('s3-bucket-tls-only fails a policy whose condition denies TLS requests instead', async () => {
    const companions = goodBucketCompanions();
    companions[3]!.props.policy = tlsOnlyPolicy('true');
    expect(await violations('s3-bucket-tls-only', [bucket, ...companions])).toHaveLength(1);
  });

  it('s3-bucket-lifecycle fails a rule without abortIncompleteMultipartUpload, and a disabled rule', async () => {
    const noAbort = goodBucketCompanions();
    delete noAbort[4]!.props.rules[0].abortIncompleteMultipartUpload;
    expect(await violations('s3-bucket-lifecycle', [bucket, ...noAbort])).toHaveLength(1);
    const disabled = goodBucketCompanions();
    disabled[4]!.props.rules[0].status = 'Disabled';
    expect(await violations('s3-bucket-lifecycle', [bucket, ...disabled])).toHaveLength(1);
  });

  it('s3-bucket-lifecycle lets a bucket of BUCKETS_WITHOUT_EXPIRY keep its current objects, but no other bucket', async () => {
    const lifecycle = (b: PolicyResource, rule: object) =>
      policyResource(
        TYPES.lifecycle,
        `${b.name}-life`,
        { rules: [{ id: 'r', status: 'Enabled', ...rule }] },
        { bucket: [b] },
      );
    const keepCurrent = {
      noncurrentVersionExpiration: { noncurrentDays: 7 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    };
    const exempt = policyResource(TYPES.bucket, Object.keys(BUCKETS_WITHOUT_EXPIRY)[0]!, { bucket: 'documents' });
    expect(await violations('s3-bucket-lifecycle', [exempt, lifecycle(exempt, keepCurrent)])).toEqual([]);
    expect(
      await violations('s3-bucket-lifecycle', [
        exempt,
        lifecycle(exempt, { ...keepCurrent, expiration: { days: 400 } }),
      ]),
    ).toHaveLength(1);
    expect(
      await violations('s3-bucket-lifecycle', [
        exempt,
        lifecycle(exempt, { abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }),
      ]),
    ).toHaveLength(1);
    expect(await violations('s3-bucket-lifecycle', [bucket, lifecycle(bucket, keepCurrent)])).toHaveLength(1);
  });
});

describe('iam-no-wildcards', () => {
  const document = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  const rolePolicy = (...statements: object[]) =>
    policyResource(TYPES.rolePolicy, 'p', { role: 'r', policy: document(...statements) });

  it('passes named actions on named resources, Deny statements and justified Describe-on-*', async () => {
    const sid = Object.keys(JUSTIFIED_WILDCARDS)[0]!;
    expect(
      await violations('iam-no-wildcards', [
        rolePolicy(
          { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/logs/cluster=aws/*' },
          { Sid: sid, Effect: 'Allow', Action: ['ec2:Describe*'], Resource: '*' },
          { Effect: 'Deny', Action: 's3:*', Resource: '*' },
        ),
      ]),
    ).toEqual([]);
  });

  it.each([
    ['action *', { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::logs/*' }, 'wildcard action *'],
    [
      'a whole service',
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:*'], Resource: 'arn:aws:s3:::logs/*' },
      'wildcard action s3:*',
    ],
    [
      'resource * without justification',
      { Sid: 'Convenient', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*' },
      'statement Convenient allows resource "*"',
    ],
    ['NotAction', { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::logs/*' }, 'NotAction'],
  ])('fails %s', async (_, statement, message) => {
    expect(await violations('iam-no-wildcards', [rolePolicy(statement)])).toEqual([expect.stringContaining(message)]);
  });

  it('checks managed and user policies too, and rejects a document that is not JSON', async () => {
    const star = document({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(await violations('iam-no-wildcards', [policyResource(TYPES.iamPolicy, 'm', { policy: star })])).toHaveLength(
      2,
    );
    expect(
      await violations('iam-no-wildcards', [policyResource(TYPES.userPolicy, 'u', { policy: star })]),
    ).toHaveLength(2);
    expect(
      await violations('iam-no-wildcards', [policyResource(TYPES.rolePolicy, 'x', { policy: '{not json' })]),
    ).toEqual([expect.stringContaining('not JSON')]);
  });
});

describe('sg-no-world-ingress', () => {
  const group = policyResource(TYPES.securityGroup, 'api-lb', { vpcId: 'vpc' });
  const rule = (props: Record<string, unknown>) =>
    policyResource(
      TYPES.ingressRule,
      'rule',
      { ipProtocol: 'tcp', fromPort: 6443, toPort: 6443, ...props },
      { securityGroupId: [group] },
    );
  const loadBalancer = (internal: boolean) =>
    policyResource(TYPES.loadBalancer, 'api', { loadBalancerType: 'network', internal }, { securityGroups: [group] });

  it('passes ingress from private CIDRs and the public API listener on an internet-facing NLB', async () => {
    expect(await violations('sg-no-world-ingress', [group, rule({ cidrIpv4: '10.50.0.0/24' })])).toEqual([]);
    expect(
      await violations('sg-no-world-ingress', [group, loadBalancer(false), rule({ cidrIpv4: '0.0.0.0/0' })]),
    ).toEqual([]);
  });

  it.each([
    ['the API port on an internal NLB', [loadBalancer(true), rule({ cidrIpv4: '0.0.0.0/0' })]],
    [
      'another port on the public NLB group',
      [loadBalancer(false), rule({ cidrIpv4: '0.0.0.0/0', fromPort: 50000, toPort: 50000 })],
    ],
    ['IPv6 world without a load balancer', [rule({ cidrIpv6: '::/0' })]],
    [
      'a legacy SecurityGroupRule',
      [
        policyResource(TYPES.securityGroupRule, 'legacy', {
          type: 'ingress',
          protocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ['0.0.0.0/0'],
        }),
      ],
    ],
    [
      'an inline ingress block',
      [
        policyResource(TYPES.securityGroup, 'inline', {
          ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: ['0.0.0.0/0'] }],
        }),
      ],
    ],
  ])('fails world ingress on %s', async (_, resources) => {
    expect(await violations('sg-no-world-ingress', [group, ...(resources as PolicyResource[])])).toHaveLength(1);
  });
});

describe('imdsv2-required and ebs-encrypted', () => {
  const goodInstance = () =>
    policyResource(TYPES.instance, 'cp', {
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: 'gp3' },
    });
  const goodTemplate = () =>
    policyResource(TYPES.launchTemplate, 'worker', {
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true', volumeType: 'gp3' } }],
    });

  it('pass an instance and a launch template that require tokens, one hop, encrypted volumes', async () => {
    expect(await violations('imdsv2-required', [goodInstance(), goodTemplate()])).toEqual([]);
    expect(
      await violations('ebs-encrypted', [
        goodInstance(),
        goodTemplate(),
        policyResource(TYPES.volume, 'v', { encrypted: true }),
      ]),
    ).toEqual([]);
  });

  it('imdsv2-required fails optional tokens and a hop limit of 2', async () => {
    const optional = goodInstance();
    optional.props.metadataOptions.httpTokens = 'optional';
    const twoHops = goodTemplate();
    twoHops.props.metadataOptions.httpPutResponseHopLimit = 2;
    expect(await violations('imdsv2-required', [optional, twoHops])).toEqual([
      expect.stringContaining('httpTokens is optional'),
      expect.stringContaining('httpPutResponseHopLimit is 2'),
    ]);
    expect(await violations('imdsv2-required', [policyResource(TYPES.instance, 'bare', {})])).toHaveLength(2);
  });

  it('ebs-encrypted fails an unencrypted root, data volume, template mapping, missing mapping and volume', async () => {
    const root = goodInstance();
    root.props.rootBlockDevice.encrypted = false;
    const data = goodInstance();
    data.props.ebsBlockDevices = [{ deviceName: '/dev/sdf', encrypted: false }];
    const mapping = goodTemplate();
    mapping.props.blockDeviceMappings[0].ebs.encrypted = 'false';
    const noMapping = policyResource(TYPES.launchTemplate, 'bare', {});
    const volume = policyResource(TYPES.volume, 'v', { encrypted: false });
    for (const bad of [root, data, mapping, noMapping, volume])
      expect(await violations('ebs-encrypted', [bad])).toHaveLength(1);
  });
});

describe('controlplane-not-in-asg', () => {
  const template = (role: string) => policyResource(TYPES.launchTemplate, `${role}-lt`, { tags: { [ROLE_TAG]: role } });
  const group = (launchTemplate: PolicyResource, tags: object[] = []) =>
    policyResource(TYPES.autoscalingGroup, 'asg', { tags }, { launchTemplate: [launchTemplate] });

  it('passes a worker group', async () => {
    const worker = template('worker');
    expect(
      await violations('controlplane-not-in-asg', [
        worker,
        group(worker, [{ key: ROLE_TAG, value: 'worker', propagateAtLaunch: true }]),
      ]),
    ).toEqual([]);
  });

  it('fails a group that launches a control-plane template, and a group tagged control plane', async () => {
    const controlPlane = template('controlplane');
    expect(await violations('controlplane-not-in-asg', [controlPlane, group(controlPlane)])).toEqual([
      expect.stringContaining('control-plane template'),
    ]);
    const worker = template('worker');
    expect(
      await violations('controlplane-not-in-asg', [
        worker,
        group(worker, [{ key: ROLE_TAG, value: 'controlplane', propagateAtLaunch: true }]),
      ]),
    ).toEqual([expect.stringContaining(`tagged ${ROLE_TAG}=controlplane`)]);
  });

  it('sees the role in tagSpecifications too', async () => {
    const specified = policyResource(TYPES.launchTemplate, 'lt', {
      tagSpecifications: [{ resourceType: 'instance', tags: { [ROLE_TAG]: 'controlplane' } }],
    });
    expect(await violations('controlplane-not-in-asg', [specified, group(specified)])).toHaveLength(1);
  });
});

describe('issue 23 defect 3: controlplane-ignores-userdata-and-ami', () => {
  const instance = (role: string, ignoreChanges: string[]) =>
    policyResource(TYPES.instance, `${role}-0`, { tags: { [ROLE_TAG]: role } }, {}, { ignoreChanges });
  const RULE = 'controlplane-ignores-userdata-and-ami';

  it('passes a control plane that ignores both, and a worker instance that ignores neither', async () => {
    expect(await violations(RULE, [instance('controlplane', ['userData', 'ami']), instance('worker', [])])).toEqual([]);
    expect(await violations(RULE, [instance('controlplane', ['tags', 'ami', 'userData'])])).toEqual([]);
  });

  it.each([
    ['nothing ignored', [], 'ignoreChanges lacks userData, ami'],
    ['only the AMI ignored', ['ami'], 'ignoreChanges lacks userData'],
    ['only the user-data ignored', ['userData'], 'ignoreChanges lacks ami'],
    ['the base64 field instead of the one the program sets', ['userDataBase64', 'ami'], 'ignoreChanges lacks userData'],
  ])('fails a control plane with %s', async (_, ignored, message) => {
    const found = await violations(RULE, [instance('controlplane', ignored)]);
    expect(found).toEqual([expect.stringContaining(`controlplane-0: ${message}`)]);
  });
});

describe('issue 16: asg-termination-hook', () => {
  const group = policyResource(TYPES.autoscalingGroup, 'workers', {});
  const hook = (transition: string, of = group) =>
    policyResource(TYPES.lifecycleHook, 'hook', { lifecycleTransition: transition }, { autoscalingGroupName: [of] });

  it('passes a group with a terminating hook, as a resource or an initial hook', async () => {
    expect(await violations('asg-termination-hook', [group, hook(TERMINATING_TRANSITION)])).toEqual([]);
    const initial = policyResource(TYPES.autoscalingGroup, 'initial', {
      initialLifecycleHooks: [{ name: 'drain', lifecycleTransition: TERMINATING_TRANSITION }],
    });
    expect(await violations('asg-termination-hook', [initial])).toEqual([]);
  });

  it('fails a group without a hook, with only a launching hook, or whose hook is on another group', async () => {
    const message = [`workers: no ${TERMINATING_TRANSITION} lifecycle hook`];
    expect(await violations('asg-termination-hook', [group])).toEqual(message);
    expect(await violations('asg-termination-hook', [group, hook('autoscaling:EC2_INSTANCE_LAUNCHING')])).toEqual(
      message,
    );
    const other = policyResource(TYPES.autoscalingGroup, 'other', {});
    expect(await violations('asg-termination-hook', [group, other, hook(TERMINATING_TRANSITION, other)])).toEqual(
      message,
    );
  });
});

describe('issue 16: asg-desired-capacity-ignored', () => {
  const group = (ignoreChanges: string[]) =>
    policyResource(TYPES.autoscalingGroup, 'workers', {}, {}, { ignoreChanges });

  it('passes a group that ignores desiredCapacity, fails one that does not', async () => {
    expect(await violations('asg-desired-capacity-ignored', [group(['desiredCapacity'])])).toEqual([]);
    expect(await violations('asg-desired-capacity-ignored', [group(['minSize'])])).toEqual([
      'workers: ignoreChanges lacks desiredCapacity (use WORKER_GROUP_IGNORED_CHANGES)',
    ]);
  });
});

describe('issue 16: ecr-immutable-scanned', () => {
  const repository = (props: Record<string, unknown>) => policyResource(TYPES.ecrRepository, 'ecr-app', props);
  const good = { imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } };

  it('passes an immutable repository that scans on push', async () => {
    expect(await violations('ecr-immutable-scanned', [repository(good)])).toEqual([]);
  });

  it.each([
    [
      'mutable tags',
      { ...good, imageTagMutability: 'MUTABLE' },
      'ecr-app: imageTagMutability is MUTABLE, not IMMUTABLE',
    ],
    [
      'the default mutability',
      { imageScanningConfiguration: { scanOnPush: true } },
      'ecr-app: imageTagMutability is unset (MUTABLE), not IMMUTABLE',
    ],
    [
      'no scan on push',
      { ...good, imageScanningConfiguration: { scanOnPush: false } },
      'ecr-app: imageScanningConfiguration.scanOnPush is not true',
    ],
    [
      'no scanning configuration',
      { imageTagMutability: 'IMMUTABLE' },
      'ecr-app: imageScanningConfiguration.scanOnPush is not true',
    ],
  ])('fails a repository with %s', async (_, props, message) => {
    expect(await violations('ecr-immutable-scanned', [repository(props)])).toEqual([message]);
  });
});

describe('issue 16: oidc-trust-one-repository', () => {
  const role = (subjects: unknown, extra: Record<string, unknown> = {}) =>
    policyResource(TYPES.role, 'image-push', {
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: 'arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com' },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', ...extra },
              ...(subjects === undefined
                ? {}
                : { StringLike: { 'token.actions.githubusercontent.com:sub': subjects } }),
            },
          },
        ],
      }),
    });

  it('passes a role trusting ref patterns of one repository, and ignores roles of other providers', async () => {
    expect(
      await violations('oidc-trust-one-repository', [
        role(['repo:acme/platform:ref:refs/tags/app/v*', 'repo:acme/platform:environment:prod']),
      ]),
    ).toEqual([]);
    const ec2 = policyResource(TYPES.role, 'node', {
      assumeRolePolicy: JSON.stringify({
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    expect(await violations('oidc-trust-one-repository', [ec2])).toEqual([]);
  });

  it.each([
    ['every repository of the owner', 'repo:acme/*'],
    ['every repository', 'repo:*'],
    ['a repository name pattern', 'repo:acme/platform-*:ref:refs/heads/main'],
    ['any ref of any owner', 'repo:*/platform:ref:refs/heads/main'],
    ['the whole repository by a trailing wildcard', 'repo:acme/platform:*'],
    ['a bare wildcard', '*'],
  ])('fails a role trusting %s', async (_, subject) => {
    expect(await violations('oidc-trust-one-repository', [role([subject])])).toEqual([
      `image-push: statement 0 trusts ${JSON.stringify(subject)}, which is not one repository (repo:<owner>/<name>:…)`,
    ]);
  });

  it('fails a role that trusts GitHub tokens without a subject condition', async () => {
    expect(await violations('oidc-trust-one-repository', [role(undefined)])).toEqual([
      'image-push: statement 0 trusts GitHub tokens without a token.actions.githubusercontent.com:sub condition',
    ]);
  });
});
