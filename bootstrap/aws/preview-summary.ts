// The pull-request preview in the job summary: `pulumi preview --json` read back, its steps counted and listed, and a
// replacement or deletion of a resource that holds state flagged, as the change summary flags risky Kubernetes changes.
import type { OpType } from '@pulumi/pulumi/automation';

/** The part of `pulumi preview --json` read here (PreviewDigest, github.com/pulumi/pulumi sdk/go/common/display). */
export interface PreviewDigest {
  steps?: { op: OpType; urn: string; replaceReasons?: string[] }[];
  changeSummary?: Partial<Record<OpType, number>>;
  diagnostics?: { severity?: string; message?: string; urn?: string }[];
}

/** What losing or recreating each resource type of this stack costs; anything else is recreated without loss. */
export const STATEFUL_TYPES: Record<string, string> = {
  'aws:s3/bucket:Bucket': 'its objects (logs, events, states, etcd snapshots or the OIDC documents)',
  'aws:ec2/instance:Instance': 'a control plane and its etcd member',
  'aws:ebs/volume:Volume': "the volume's data",
  'aws:ec2/vpc:Vpc': 'every subnet, node and endpoint in it',
  'aws:ec2/eip:Eip': 'a public address others may allow-list',
  'aws:ec2/vpnConnection:VpnConnection': "the tunnels' addresses and keys, which the on-prem router holds",
  'aws:ec2/customerGateway:CustomerGateway': 'the VPN connection that uses it',
  'aws:lb/loadBalancer:LoadBalancer': 'the API endpoint name in every machine config and kubeconfig',
  'aws:cloudfront/distribution:Distribution': 'the service-account issuer URL, which every IRSA role and token trusts',
  'aws:iam/openIdConnectProvider:OpenIdConnectProvider': 'the trust of every role federated through it',
  'aws:iam/accessKey:AccessKey': "an on-prem component's key: its SOPS Secret must be issued again",
};

/** The ops that destroy the old resource: a deletion, or either half of a replacement. */
const DESTRUCTIVE: ReadonlySet<OpType> = new Set<OpType>([
  'delete',
  'replace',
  'create-replacement',
  'delete-replaced',
  'discard-replaced',
  'import-replacement',
]);
const SHOWN: readonly OpType[] = ['create', 'update', 'replace', 'delete'];

/** `urn:pulumi:<stack>::<project>::<type>::<name>` (a parent's type may be joined in with `$`). */
function typeAndName(urn: string): { type: string; name: string } {
  const parts = urn.split('::');
  return { type: (parts[2] ?? '').split('$').pop() ?? '', name: parts[3] ?? urn };
}

/** `file`'s text as a preview digest, or an error naming the file and what is wrong. */
export function parsePreview(file: string, text: string): PreviewDigest {
  let digest: unknown;
  try {
    digest = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not the JSON of \`pulumi preview --json\` (${(error as Error).message})`);
  }
  const steps = (digest as PreviewDigest | null)?.steps;
  if (typeof digest !== 'object' || digest === null || (steps !== undefined && !Array.isArray(steps)))
    throw new Error(`${file}: steps must be a list of preview steps`);
  (steps ?? []).forEach((step, i) => {
    if (typeof step?.op !== 'string' || typeof step?.urn !== 'string')
      throw new Error(`${file}: steps[${i}] has no op or urn`);
  });
  return digest as PreviewDigest;
}

export interface Risk {
  op: OpType;
  type: string;
  name: string;
  loses: string;
  reasons: string[];
}

/** Replacements and deletions of stateful resources, one per resource (a replacement has several steps). */
export function risks(digest: PreviewDigest): Risk[] {
  const found = new Map<string, Risk>();
  for (const step of digest.steps ?? []) {
    const { type, name } = typeAndName(step.urn);
    const loses = STATEFUL_TYPES[type];
    if (!loses || !DESTRUCTIVE.has(step.op)) continue;
    const seen = found.get(step.urn);
    const op = step.op === 'delete' ? 'delete' : 'replace';
    const reasons = [...new Set([...(seen?.reasons ?? []), ...(step.replaceReasons ?? [])])];
    found.set(step.urn, { op, type, name, loses, reasons });
  }
  return [...found.values()];
}

export function renderPreview(stack: string, digest: PreviewDigest): string {
  const counts = digest.changeSummary ?? {};
  const out = [`## Pulumi preview of stack ${stack}\n\n`];
  out.push(`| ${SHOWN.join(' | ')} | unchanged |\n|${'---:|'.repeat(SHOWN.length + 1)}\n`);
  out.push(`| ${SHOWN.map((op) => counts[op] ?? 0).join(' | ')} | ${counts.same ?? 0} |\n`);
  const flagged = risks(digest);
  if (flagged.length) {
    out.push('\n### ⚠️ Replacements and deletions of stateful resources\n\n');
    for (const r of flagged) {
      const why = r.reasons.length ? ` (because of ${r.reasons.map((p) => `\`${p}\``).join(', ')})` : '';
      out.push(`- **${r.op}** \`${r.type}\` \`${r.name}\`${why}: loses ${r.loses}\n`);
    }
  }
  const changed = (digest.steps ?? []).filter((s) => s.op !== 'same' && s.op !== 'read');
  if (changed.length) {
    out.push('\n| op | type | name |\n|---|---|---|\n');
    for (const s of changed) {
      const { type, name } = typeAndName(s.urn);
      out.push(`| ${s.op} | \`${type}\` | \`${name}\` |\n`);
    }
  } else out.push('\nNo resource changes.\n');
  const errors = (digest.diagnostics ?? []).filter((d) => d.severity === 'error');
  if (errors.length) {
    out.push('\n### Errors\n\n');
    for (const d of errors) out.push(`- ${(d.message ?? '').trim().replaceAll('\n', ' ')}\n`);
  }
  return out.join('');
}
