// What a cluster's SOPS setup must look like: its creation rule in .sops.yaml and the recipients of an encrypted file.
import { parse } from 'yaml';
import type { Cluster } from '../model';

export const SOPS_CONFIG = '.sops.yaml';
/** Only these keys of a Secret are encrypted: kind, name and namespace stay readable in reviews. */
export const ENCRYPTED_REGEX = '^(data|stringData)$';
/** Master key types other than age; a cluster's rule must not add any (only the cluster can decrypt its secrets). */
const OTHER_KEY_TYPES = ['pgp', 'kms', 'gcp_kms', 'azure_keyvault', 'hc_vault_transit_uri', 'hckms', 'key_groups'];

export interface CreationRule {
  path_regex?: string;
  encrypted_regex?: string;
  age?: string;
  [key: string]: unknown;
}

/** The creation rule that .sops.yaml must hold for the cluster. */
export function creationRule(cluster: Cluster): CreationRule {
  return { path_regex: `^${cluster.flux.path}/.*`, encrypted_regex: ENCRYPTED_REGEX, age: cluster.flux.ageRecipient };
}

/** What is wrong with the cluster's rule in the text of .sops.yaml (empty when sops encrypts its files as the model says). */
export function sopsConfigProblems(text: string | undefined, cluster: Cluster): string[] {
  if (text === undefined) return [`${SOPS_CONFIG} is missing`];
  let rules: CreationRule[];
  try {
    rules = (parse(text) as { creation_rules?: CreationRule[] } | null)?.creation_rules ?? [];
  } catch (error) {
    return [`${SOPS_CONFIG} is not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  const sample = `${cluster.flux.path}/apps/example/secret-example.sops.yaml`;
  const index = rules.findIndex((r) => !r.path_regex || new RegExp(r.path_regex).test(sample));
  const rule = rules[index];
  if (!rule) return [`no creation rule matches ${cluster.flux.path}/; add ${JSON.stringify(creationRule(cluster))}`];
  const at = `creation_rules[${index}]`;
  const problems: string[] = [];
  const recipients = (rule.age ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (recipients.length !== 1 || recipients[0] !== cluster.flux.ageRecipient) {
    problems.push(
      `${at}.age is ${JSON.stringify(rule.age ?? null)}, but cluster "${cluster.name}" decrypts with ${cluster.flux.ageRecipient} only`,
    );
  }
  if (rule.encrypted_regex !== ENCRYPTED_REGEX) {
    problems.push(
      `${at}.encrypted_regex is ${JSON.stringify(rule.encrypted_regex ?? null)}; use ${JSON.stringify(ENCRYPTED_REGEX)}`,
    );
  }
  for (const key of OTHER_KEY_TYPES.filter((k) => k in rule))
    problems.push(`${at}.${key} adds a key other than the cluster's age recipient`);
  return problems;
}

/** The age recipients an encrypted file's `sops` metadata grants access to (also inside key groups). */
export function ageRecipients(sops: unknown): string[] {
  const meta = sops as
    | { age?: { recipient?: string }[]; key_groups?: { age?: { recipient?: string }[] }[] }
    | undefined;
  const entries = [...(meta?.age ?? []), ...(meta?.key_groups ?? []).flatMap((g) => g.age ?? [])];
  return entries.map((e) => e.recipient ?? '').sort();
}

const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:.*,type:\w+\]$/s;

export function isEncryptedValue(value: unknown): boolean {
  return typeof value === 'string' && ENCRYPTED_VALUE.test(value);
}
