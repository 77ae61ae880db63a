// The policy pack's rules on encryption at rest with customer-managed keys (bootstrap/aws/encryption.ts): keys
// rotate, their policies name exactly the principals that use them and only through a service, and the data that
// matters (the telemetry bucket, every node volume) is encrypted with such a key rather than an AWS-managed one.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from '@pulumi/policy';
import { BUCKETS_WITHOUT_EXPIRY } from './conventions';

const KMS_KEY = 'aws:kms/key:Key';
const BUCKET = 'aws:s3/bucket:Bucket';
const ENCRYPTION = 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration';
const INSTANCE = 'aws:ec2/instance:Instance';
const LAUNCH_TEMPLATE = 'aws:ec2/launchTemplate:LaunchTemplate';
const METRICS_WORKSPACE = 'aws:amp/workspace:Workspace';

/** Actions that administer a key without using it (encryption.ts KEY_ADMIN_ACTIONS). */
const ADMIN_ACTION = {
  test: (action: string) =>
    /^kms:(Create|Describe|Enable|List|Put|Update|Revoke|Disable|Get|Delete)\*?$/.test(action) ||
    /^kms:(TagResource|UntagResource|ScheduleKeyDeletion|CancelKeyDeletion)$/.test(action),
};

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function keyPolicyProblems(policy: unknown): string[] {
  let document: any;
  try {
    document = typeof policy === 'string' ? JSON.parse(policy) : policy;
  } catch {
    return ['its policy is not JSON'];
  }
  if (!document?.Statement)
    return ['it has no key policy (the default one lets every IAM policy of the account use it)'];
  return list<any>(document.Statement).flatMap((s, i) => {
    if (s.Effect !== 'Allow') return [];
    const at = `statement ${s.Sid ?? i}`;
    const principals = list<string>(s.Principal === '*' ? '*' : s.Principal?.AWS);
    const problems: string[] = [];
    if (!principals.length || principals.some((p) => p === '*' || /:root$/.test(p)))
      problems.push(`${at} allows ${JSON.stringify(s.Principal)}, not the named principals that use the key`);
    const actions = list<string>(s.Action);
    if (actions.some((a) => a === '*' || a === 'kms:*')) problems.push(`${at} allows kms:*`);
    const uses = actions.filter((a) => !ADMIN_ACTION.test(a) && a !== 'kms:CreateGrant');
    if (uses.length && !s.Condition?.StringEquals?.['kms:ViaService'])
      problems.push(`${at} allows ${uses.join(', ')} without a kms:ViaService condition`);
    if (actions.includes('kms:CreateGrant') && s.Condition?.Bool?.['kms:GrantIsForAWSResource'] !== 'true')
      problems.push(`${at} allows kms:CreateGrant without kms:GrantIsForAWSResource`);
    return problems;
  });
}

const keysRotateAndAreScoped: ResourceValidationPolicy = {
  name: 'kms-key-rotation-and-scope',
  description:
    'Customer-managed keys rotate, and their policies allow only named principals (no account root, no *), ' +
    'use only through a service (kms:ViaService) and grants only for AWS resources.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    if (args.type !== KMS_KEY) return;
    if (args.props.enableKeyRotation !== true) reportViolation(`${args.name}: enableKeyRotation is not true`);
    for (const problem of keyPolicyProblems(args.props.policy)) reportViolation(`${args.name}: ${problem}`);
  },
};

/** The property holds a key's ARN, or (in a preview, before the ARN exists) depends on a key of the stack. */
function usesKey(resource: PolicyResource, property: string, value: unknown, keys: PolicyResource[]): boolean {
  if (typeof value === 'string' && value.startsWith('arn:aws:kms:')) return true;
  return (resource.propertyDependencies[property] ?? []).some((d) => keys.some((k) => k.urn === d.urn));
}

const dataUnderCustomerKeys: StackValidationPolicy = {
  name: 'kms-customer-key-encrypts-data',
  description:
    'The data buckets (all but those in BUCKETS_WITHOUT_EXPIRY, which hold public documents) use SSE-KMS with a ' +
    "customer-managed key of the stack, and so does every instance's root volume, launch template volume and AMP " +
    'workspace (whose key is chosen at creation only).',
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    const keys = args.resources.filter((r) => r.type === KMS_KEY);
    for (const bucket of args.resources.filter((r) => r.type === BUCKET && !(r.name in BUCKETS_WITHOUT_EXPIRY))) {
      const configs = args.resources.filter(
        (r) => r.type === ENCRYPTION && (r.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn),
      );
      const ok = configs.some((c) =>
        list<any>(c.props.rules).some(
          (rule) =>
            rule?.applyServerSideEncryptionByDefault?.sseAlgorithm === 'aws:kms' &&
            usesKey(c, 'rules', rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, keys),
        ),
      );
      if (!ok)
        reportViolation(`bucket ${bucket.name}: not encrypted with SSE-KMS under a key of this stack`, bucket.urn);
    }
    for (const instance of args.resources.filter((r) => r.type === INSTANCE)) {
      if (!usesKey(instance, 'rootBlockDevice', instance.props.rootBlockDevice?.kmsKeyId, keys))
        reportViolation(`${instance.name}: rootBlockDevice.kmsKeyId is no key of this stack`, instance.urn);
    }
    for (const workspace of args.resources.filter((r) => r.type === METRICS_WORKSPACE)) {
      if (!usesKey(workspace, 'kmsKeyArn', workspace.props.kmsKeyArn, keys))
        reportViolation(`${workspace.name}: kmsKeyArn is no key of this stack`, workspace.urn);
    }
    for (const template of args.resources.filter((r) => r.type === LAUNCH_TEMPLATE)) {
      list<any>(template.props.blockDeviceMappings).forEach((mapping, i) => {
        if (mapping?.ebs && !usesKey(template, 'blockDeviceMappings', mapping.ebs.kmsKeyId, keys))
          reportViolation(
            `${template.name}: blockDeviceMappings[${i}].ebs.kmsKeyId is no key of this stack`,
            template.urn,
          );
      });
    }
  },
};

export const kmsPolicies = [keysRotateAndAreScoped, dataUnderCustomerKeys];
