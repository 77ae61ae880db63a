// The mandatory rules of the aws-bootstrap policy pack. Companion resources (a bucket's encryption, a rule's security
// group) are found through the engine's property dependencies, which preview provides before any ID exists.
import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import {
  API_PORT,
  BUCKETS_WITHOUT_EXPIRY,
  CONTROL_PLANE_IGNORED_CHANGES,
  JUSTIFIED_WILDCARDS,
  ROLE_TAG,
  TERMINATING_TRANSITION,
  WORKER_GROUP_IGNORED_CHANGES,
} from './conventions';
import { kmsPolicies } from './kms-rules';

export const TYPES = {
  bucket: 'aws:s3/bucket:Bucket',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownershipControls: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  iamPolicy: 'aws:iam/policy:Policy',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  userPolicy: 'aws:iam/userPolicy:UserPolicy',
  groupPolicy: 'aws:iam/groupPolicy:GroupPolicy',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  securityGroupRule: 'aws:ec2/securityGroupRule:SecurityGroupRule',
  ingressRule: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  loadBalancer: 'aws:lb/loadBalancer:LoadBalancer',
  instance: 'aws:ec2/instance:Instance',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  volume: 'aws:ebs/volume:Volume',
  autoscalingGroup: 'aws:autoscaling/group:Group',
  lifecycleHook: 'aws:autoscaling/lifecycleHook:LifecycleHook',
  ecrRepository: 'aws:ecr/repository:Repository',
  role: 'aws:iam/role:Role',
} as const;

const WORLD = ['0.0.0.0/0', '::/0'];
const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

function dependsOn(resource: PolicyResource, property: string, target: PolicyResource): boolean {
  return (resource.propertyDependencies[property] ?? []).some((dependency) => dependency.urn === target.urn);
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function statements(policy: unknown): Statement[] | undefined {
  try {
    const document = typeof policy === 'string' ? JSON.parse(policy) : policy;
    return list(document?.Statement) as Statement[];
  } catch {
    return undefined;
  }
}

/** A stack rule over every bucket and the companion resources of one kind that configure it. */
function bucketRule(
  name: string,
  description: string,
  companionType: string,
  check: (companions: PolicyResource[], bucket: PolicyResource) => string | undefined,
): StackValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: 'mandatory',
    validateStack: (args, reportViolation) => {
      for (const bucket of args.resources.filter((r) => r.type === TYPES.bucket)) {
        const companions = args.resources.filter((r) => r.type === companionType && dependsOn(r, 'bucket', bucket));
        const problem = check(companions, bucket);
        if (problem) reportViolation(`bucket ${bucket.name}: ${problem}`, bucket.urn);
      }
    },
  };
}

const bucketsPrivate: StackValidationPolicy = {
  name: 's3-bucket-private',
  description:
    'Buckets block public access (all four settings), enforce bucket-owner object ownership and grant no public ACL.',
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    for (const bucket of args.resources.filter((r) => r.type === TYPES.bucket)) {
      const of = (type: string) => args.resources.filter((r) => r.type === type && dependsOn(r, 'bucket', bucket));
      const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'];
      if (!of(TYPES.publicAccessBlock).some((block) => flags.every((flag) => block.props[flag] === true))) {
        reportViolation(`bucket ${bucket.name}: no public access block with ${flags.join(', ')} all true`, bucket.urn);
      }
      if (
        !of(TYPES.ownershipControls).some((controls) => controls.props.rule?.objectOwnership === 'BucketOwnerEnforced')
      ) {
        reportViolation(
          `bucket ${bucket.name}: no ownership controls with BucketOwnerEnforced (ACLs stay enabled)`,
          bucket.urn,
        );
      }
      if (bucket.props.acl !== undefined && bucket.props.acl !== 'private') {
        reportViolation(`bucket ${bucket.name}: canned ACL ${bucket.props.acl} is not private`, bucket.urn);
      }
    }
  },
};

const bucketsEncrypted = bucketRule(
  's3-bucket-encrypted',
  'Buckets have default server-side encryption (SSE-S3 or SSE-KMS).',
  TYPES.encryption,
  (configs) =>
    configs.some((config) =>
      list(config.props.rules).some((rule: any) =>
        SSE_ALGORITHMS.includes(rule?.applyServerSideEncryptionByDefault?.sseAlgorithm),
      ),
    )
      ? undefined
      : `no default encryption with one of ${SSE_ALGORITHMS.join(', ')}`,
);

const bucketsTlsOnly = bucketRule(
  's3-bucket-tls-only',
  'Bucket policies deny every request that does not use TLS (aws:SecureTransport false).',
  TYPES.bucketPolicy,
  (policies) =>
    policies.some((policy) =>
      (statements(policy.props.policy) ?? []).some(
        (s) =>
          s.Effect === 'Deny' &&
          (s.Principal === '*' || (s.Principal as { AWS?: unknown })?.AWS === '*') &&
          list(s.Action).includes('s3:*') &&
          String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      ),
    )
      ? undefined
      : 'no bucket policy that denies s3:* to everyone when aws:SecureTransport is false',
);

const bucketsWithLifecycle = bucketRule(
  's3-bucket-lifecycle',
  'Buckets have an enabled lifecycle rule with a transition, an expiration and an abort of incomplete multipart uploads; ' +
    'buckets justified in BUCKETS_WITHOUT_EXPIRY instead expire noncurrent versions and expire nothing current.',
  TYPES.lifecycle,
  (configs, bucket) => {
    const enabled = configs
      .flatMap((config) => list(config.props.rules))
      .filter(
        (rule: any) => rule?.status === 'Enabled' && rule.abortIncompleteMultipartUpload?.daysAfterInitiation > 0,
      );
    if (bucket.name in BUCKETS_WITHOUT_EXPIRY) {
      return enabled.some((rule: any) => rule.noncurrentVersionExpiration?.noncurrentDays > 0) &&
        !configs.some((config) => list(config.props.rules).some((rule: any) => rule?.expiration !== undefined))
        ? undefined
        : 'no enabled lifecycle rule with noncurrentVersionExpiration and abortIncompleteMultipartUpload, or a rule expires current objects (BUCKETS_WITHOUT_EXPIRY)';
    }
    return enabled.some((rule: any) => list(rule.transitions).length > 0 && rule.expiration?.days > 0)
      ? undefined
      : 'no enabled lifecycle rule with transitions, expiration.days and abortIncompleteMultipartUpload';
  },
);

const isWildcardAction = (action: string) => action === '*' || /^[\w-]+:\*$/.test(action);

const iamNoWildcards: ResourceValidationPolicy = {
  name: 'iam-no-wildcards',
  description: `IAM Allow statements name their actions and resources: no "*" action, no "service:*", no NotAction, and no "*" resource unless its Sid is justified (${Object.keys(JUSTIFIED_WILDCARDS).join(', ')}).`,
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    const policyTypes: string[] = [TYPES.iamPolicy, TYPES.rolePolicy, TYPES.userPolicy, TYPES.groupPolicy];
    if (!policyTypes.includes(args.type)) return;
    const parsed = statements(args.props.policy);
    if (!parsed) {
      reportViolation(`${args.name}: the policy document is not JSON`);
      return;
    }
    parsed.forEach((s, i) => {
      if (s.Effect !== 'Allow') return;
      const label = `${args.name}: statement ${s.Sid ?? i}`;
      if (s.NotAction !== undefined) reportViolation(`${label} uses NotAction with Allow`);
      const wildcards = list(s.Action).filter(isWildcardAction);
      if (wildcards.length) reportViolation(`${label} allows the wildcard action ${wildcards.join(', ')}`);
      if (list(s.Resource).includes('*') && !(s.Sid && s.Sid in JUSTIFIED_WILDCARDS)) {
        reportViolation(
          `${label} allows resource "*" without a justification (add its Sid to JUSTIFIED_WILDCARDS with the reason)`,
        );
      }
    });
  },
};

/** TCP 6443 exactly, on a security group attached to an internet-facing network load balancer. */
function isPublicApiListener(rule: PolicyResource, resources: PolicyResource[]): boolean {
  const { ipProtocol, protocol, fromPort, toPort } = rule.props;
  if ((ipProtocol ?? protocol) !== 'tcp' || fromPort !== API_PORT || toPort !== API_PORT) return false;
  const groups = rule.propertyDependencies.securityGroupId ?? [];
  return resources.some(
    (lb) =>
      lb.type === TYPES.loadBalancer &&
      lb.props.loadBalancerType === 'network' &&
      lb.props.internal === false &&
      groups.some((group) => dependsOn(lb, 'securityGroups', group)),
  );
}

const noWorldIngress: StackValidationPolicy = {
  name: 'sg-no-world-ingress',
  description: `No security-group ingress from 0.0.0.0/0 or ::/0, except TCP ${API_PORT} on an internet-facing API load balancer.`,
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    for (const r of args.resources) {
      if (
        r.type === TYPES.ingressRule &&
        WORLD.includes(r.props.cidrIpv4 ?? r.props.cidrIpv6) &&
        !isPublicApiListener(r, args.resources)
      ) {
        reportViolation(
          `${r.name}: ingress from ${r.props.cidrIpv4 ?? r.props.cidrIpv6} on ${r.props.ipProtocol} ${r.props.fromPort}-${r.props.toPort}`,
          r.urn,
        );
      }
      if (r.type === TYPES.securityGroupRule && r.props.type === 'ingress') {
        const world = [...list<string>(r.props.cidrBlocks), ...list<string>(r.props.ipv6CidrBlocks)].filter((c) =>
          WORLD.includes(c),
        );
        if (world.length && !isPublicApiListener(r, args.resources))
          reportViolation(`${r.name}: ingress from ${world.join(', ')}`, r.urn);
      }
      if (r.type === TYPES.securityGroup) {
        for (const ingress of list<any>(r.props.ingress)) {
          const world = [...list<string>(ingress.cidrBlocks), ...list<string>(ingress.ipv6CidrBlocks)].filter((c) =>
            WORLD.includes(c),
          );
          if (world.length)
            reportViolation(
              `${r.name}: inline ingress from ${world.join(', ')} on ${ingress.protocol} ${ingress.fromPort}-${ingress.toPort}`,
              r.urn,
            );
        }
      }
    }
  },
};

const imdsv2Required: ResourceValidationPolicy = {
  name: 'imdsv2-required',
  description:
    'Instances and launch templates require IMDSv2 tokens with a hop limit of 1 (user-data holds the Talos secrets).',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.instance && args.type !== TYPES.launchTemplate) return;
    const options = args.props.metadataOptions ?? {};
    if (options.httpTokens !== 'required')
      reportViolation(`${args.name}: metadataOptions.httpTokens is ${options.httpTokens ?? 'unset'}, not required`);
    if (options.httpPutResponseHopLimit !== 1) {
      reportViolation(
        `${args.name}: metadataOptions.httpPutResponseHopLimit is ${options.httpPutResponseHopLimit ?? 'unset'}, not 1`,
      );
    }
  },
};

const ebsEncrypted: ResourceValidationPolicy = {
  name: 'ebs-encrypted',
  description:
    'Every EBS volume is encrypted: instance root and data volumes, launch-template mappings and standalone volumes.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    const { props, name } = args;
    if (args.type === TYPES.instance) {
      if (props.rootBlockDevice?.encrypted !== true) reportViolation(`${name}: rootBlockDevice.encrypted is not true`);
      list<any>(props.ebsBlockDevices).forEach((device, i) => {
        if (device?.encrypted !== true) reportViolation(`${name}: ebsBlockDevices[${i}] is not encrypted`);
      });
    }
    if (args.type === TYPES.launchTemplate) {
      const mappings = list<any>(props.blockDeviceMappings).filter((mapping) => mapping?.ebs);
      if (!mappings.length)
        reportViolation(`${name}: no EBS block device mapping, so the root volume takes the AMI's unencrypted default`);
      mappings.forEach((mapping, i) => {
        if (String(mapping.ebs.encrypted) !== 'true')
          reportViolation(`${name}: blockDeviceMappings[${i}].ebs.encrypted is not true`);
      });
    }
    if (args.type === TYPES.volume && props.encrypted !== true) reportViolation(`${name}: encrypted is not true`);
  },
};

const isControlPlane = (tags: Record<string, unknown> | undefined) => tags?.[ROLE_TAG] === 'controlplane';

const controlPlaneNotInAsg: StackValidationPolicy = {
  name: 'controlplane-not-in-asg',
  description: `Control-plane nodes (tag ${ROLE_TAG}=controlplane) are never in an Auto Scaling Group: etcd members must not be replaced behind its back.`,
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    const templates = args.resources.filter((r) => r.type === TYPES.launchTemplate);
    for (const group of args.resources.filter((r) => r.type === TYPES.autoscalingGroup)) {
      if (list<any>(group.props.tags).some((tag) => tag?.key === ROLE_TAG && tag?.value === 'controlplane')) {
        reportViolation(`${group.name}: tagged ${ROLE_TAG}=controlplane`, group.urn);
      }
      for (const template of templates) {
        const used = dependsOn(group, 'launchTemplate', template) || dependsOn(group, 'mixedInstancesPolicy', template);
        const controlPlane =
          isControlPlane(template.props.tags) ||
          list<any>(template.props.tagSpecifications).some((spec) => isControlPlane(spec?.tags));
        if (used && controlPlane)
          reportViolation(`${group.name}: launches control-plane template ${template.name}`, group.urn);
      }
    }
  },
};

/** The engine hands each resource's options to the policy as `opts` (@pulumi/policy 1.21.0 PolicyResourceOptions). */
const controlPlaneIgnoresUserDataAndAmi: ResourceValidationPolicy = {
  name: 'controlplane-ignores-userdata-and-ami',
  description:
    `Control-plane instances (tag ${ROLE_TAG}=controlplane) ignore changes to ` +
    `${CONTROL_PLANE_IGNORED_CHANGES.join(' and ')}: otherwise \`pulumi up\` stops all of them at once for new ` +
    'user-data, or replaces them for a new AMI.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.instance || !isControlPlane(args.props.tags)) return;
    const missing = CONTROL_PLANE_IGNORED_CHANGES.filter((field) => !args.opts.ignoreChanges.includes(field));
    if (missing.length) {
      reportViolation(`${args.name}: ignoreChanges lacks ${missing.join(', ')} (use CONTROL_PLANE_IGNORED_CHANGES)`);
    }
  },
};

const hasTerminatingHook = (group: PolicyResource, resources: PolicyResource[]) =>
  list<any>(group.props.initialLifecycleHooks).some((hook) => hook?.lifecycleTransition === TERMINATING_TRANSITION) ||
  resources.some(
    (r) =>
      r.type === TYPES.lifecycleHook &&
      r.props.lifecycleTransition === TERMINATING_TRANSITION &&
      dependsOn(r, 'autoscalingGroupName', group),
  );

const asgTerminationHook: StackValidationPolicy = {
  name: 'asg-termination-hook',
  description:
    `Every Auto Scaling Group has a ${TERMINATING_TRANSITION} lifecycle hook: scale-in, rebalancing and instance ` +
    'refresh then wait for the node termination handler to drain the node, so PodDisruptionBudgets hold.',
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    for (const group of args.resources.filter((r) => r.type === TYPES.autoscalingGroup)) {
      if (!hasTerminatingHook(group, args.resources))
        reportViolation(`${group.name}: no ${TERMINATING_TRANSITION} lifecycle hook`, group.urn);
    }
  },
};

const asgSizeOwnedByAutoscaler: ResourceValidationPolicy = {
  name: 'asg-desired-capacity-ignored',
  description: `Auto Scaling Groups ignore changes to ${WORKER_GROUP_IGNORED_CHANGES.join(', ')}: the cluster autoscaler owns the size, and \`pulumi up\` must not reset it.`,
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.autoscalingGroup) return;
    const missing = WORKER_GROUP_IGNORED_CHANGES.filter((field) => !args.opts.ignoreChanges.includes(field));
    if (missing.length)
      reportViolation(`${args.name}: ignoreChanges lacks ${missing.join(', ')} (use WORKER_GROUP_IGNORED_CHANGES)`);
  },
};

const ecrImmutableScanned: ResourceValidationPolicy = {
  name: 'ecr-immutable-scanned',
  description: 'ECR repositories have immutable tags (a released tag never changes what it runs) and scan on push.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.ecrRepository) return;
    if (args.props.imageTagMutability !== 'IMMUTABLE')
      reportViolation(
        `${args.name}: imageTagMutability is ${args.props.imageTagMutability ?? 'unset (MUTABLE)'}, not IMMUTABLE`,
      );
    if (args.props.imageScanningConfiguration?.scanOnPush !== true)
      reportViolation(`${args.name}: imageScanningConfiguration.scanOnPush is not true`);
  },
};

const GITHUB_SUBJECT = 'token.actions.githubusercontent.com:sub';
/** `repo:<owner>/<name>:<rest>` with a literal owner and name: a wildcard may only narrow the ref within it. */
const ONE_REPOSITORY = /^repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+:[^*?]/;

const oidcTrustOneRepository: ResourceValidationPolicy = {
  name: 'oidc-trust-one-repository',
  description:
    `Roles trusted through GitHub's OIDC provider require ${GITHUB_SUBJECT} and name one repository in every value: ` +
    'no owner or repository wildcard, or any repository on GitHub could assume them.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.role) return;
    for (const [i, s] of (statements(args.props.assumeRolePolicy) ?? []).entries()) {
      const federated = String((s.Principal as { Federated?: unknown } | undefined)?.Federated ?? '');
      const conditions = Object.values(s.Condition ?? {});
      const mentionsGithub =
        federated.includes('token.actions.githubusercontent.com') ||
        conditions.some((c) => Object.keys(c).some((key) => key.startsWith('token.actions.githubusercontent.com:')));
      if (s.Effect !== 'Allow' || !mentionsGithub) continue;
      const subjects = conditions.flatMap((c) => list<unknown>(c[GITHUB_SUBJECT] as unknown[]));
      const label = `${args.name}: statement ${s.Sid ?? i}`;
      if (!subjects.length) reportViolation(`${label} trusts GitHub tokens without a ${GITHUB_SUBJECT} condition`);
      for (const subject of subjects) {
        if (typeof subject !== 'string' || !ONE_REPOSITORY.test(subject))
          reportViolation(
            `${label} trusts ${JSON.stringify(subject)}, which is not one repository (repo:<owner>/<name>:…)`,
          );
      }
    }
  },
};

export const policies: Policies = [
  bucketsPrivate,
  bucketsEncrypted,
  bucketsTlsOnly,
  bucketsWithLifecycle,
  iamNoWildcards,
  noWorldIngress,
  imdsv2Required,
  ebsEncrypted,
  controlPlaneNotInAsg,
  controlPlaneIgnoresUserDataAndAmi,
  asgTerminationHook,
  asgSizeOwnedByAutoscaler,
  ecrImmutableScanned,
  oidcTrustOneRepository,
  ...kmsPolicies,
];
