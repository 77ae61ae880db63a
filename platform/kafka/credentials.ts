// npm run kafka-credentials -- <cluster>: issues the cluster CA and a SCRAM password per KafkaUser, and writes every
// Secret that holds them, SOPS-encrypted to the cluster's age key:
//   kafka/events-cluster-ca-cert (ca.crt) and kafka/events-cluster-ca (ca.key)   what Strimzi signs the brokers with
//   kafka/kafka-<user> (password)                                               what the KafkaUser sets
//   <client namespace>/kafka-<user> (password, ca.crt)                          what the client reads
// The key and the passwords pass from openssl and memory to sops' stdin: no plaintext touches the disk.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Catalogue } from '../../generators/component';
import type { Estate } from '../../generators/model';
import { renderEstate, type SecretRef } from '../../generators/render';
import { writeSecret } from '../../generators/secrets/secret';
import { KAFKA_CA_KEY, KAFKA_CLUSTER, KAFKA_NAMESPACE, KAFKA_PASSWORD_KEY, kafkaCredentialsSecret } from './api';
import { CLUSTER_CA } from './index';
import type { KafkaValues } from './values';

export const KAFKA_CREDENTIALS_USAGE = 'usage: npm run kafka-credentials -- <cluster>';
/** The CA's lifetime; the KafkaClusterCaExpiresSoon alert fires CA_EXPIRY_DAYS before its end. */
export const CA_DAYS = 1825;

const openssl = (args: string[]) =>
  execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A self-signed CA that can sign the brokers' certificates only (pathlen 0). The key is RSA in PKCS#8 PEM: Strimzi
 * 1.2.0 reads it as such (OpenSslCertIssuer and KafkaAgentUtils: KeyFactory "RSA", PKCS8EncodedKeySpec).
 */
export function issueClusterCa(generation: number, days = CA_DAYS): { cert: string; key: string } {
  // One call writes the key (`-keyout -`) and then the certificate to stdout.
  const out = openssl([
    ...['req', '-x509', '-newkey', 'rsa:4096', '-nodes', '-keyout', '-', '-days', String(days)],
    ...['-subj', `/O=hybrid-gitops/CN=${KAFKA_CLUSTER}-cluster-ca v${generation}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  const pem = (label: string) => {
    const match = new RegExp(`-----BEGIN ${label}-----\\n[^-]+-----END ${label}-----\\n`).exec(out);
    if (!match) throw new Error(`openssl req printed no ${label}`);
    return match[0];
  };
  return { cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') };
}

/** Issues new material and writes every Secret that carries it; returns the files written. */
export function issueKafkaCredentials(root: string, estate: Estate, catalogue: Catalogue, name: string): string[] {
  const cluster = estate.clusters.find((c) => c.name === name);
  if (!cluster)
    throw new Error(`unknown cluster ${JSON.stringify(name)}; known: ${estate.clusters.map((c) => c.name).join(', ')}`);
  const kafka = cluster.platform.kafka as KafkaValues | undefined;
  if (!kafka) throw new Error(`cluster "${name}" runs no Kafka (platform.kafka): it has no credentials to issue`);
  const declared = renderEstate(estate, catalogue).secrets.filter((s) => s.cluster === name);
  const find = (namespace: string, secret: string) =>
    declared.find((s) => s.namespace === namespace && s.name === secret);

  const passwords = new Map(kafka.users.map((u) => [u.name, randomBytes(24).toString('base64url')]));
  const writes: { ref: SecretRef; values: Record<string, string> }[] = [];
  const problems: string[] = [];
  kafka.users.forEach((user, i) => {
    const secret = kafkaCredentialsSecret(user.name);
    const copies = declared.filter((s) => s.name === secret && s.namespace !== KAFKA_NAMESPACE);
    if (!copies.some((s) => s.namespace === user.namespace))
      problems.push(
        `platform.kafka.users[${i}] (${user.name}) runs in namespace "${user.namespace}", but no component there ` +
          `declares Secret ${user.namespace}/${secret}: its client would have no credentials. Declare it with ` +
          'declareKafkaCredentials (platform/kafka/api.ts), or drop the user',
      );
    for (const ref of [find(KAFKA_NAMESPACE, secret), ...copies])
      if (ref) writes.push({ ref, values: { [KAFKA_PASSWORD_KEY]: passwords.get(user.name)! } });
  });
  for (const { name: secret } of [CLUSTER_CA.cert, CLUSTER_CA.key]) {
    const ref = find(KAFKA_NAMESPACE, secret);
    if (!ref) problems.push(`the kafka component declares no Secret ${KAFKA_NAMESPACE}/${secret}`);
    else writes.push({ ref, values: {} });
  }
  const ca = issueClusterCa(kafka.caGeneration ?? 0);
  const material: Record<string, string> = { [KAFKA_CA_KEY]: ca.cert, [CLUSTER_CA.key.key]: ca.key };
  const entries = writes.map(({ ref, values }) => {
    const unknown = ref.keys.filter((k) => !(k in values) && !(k in material));
    if (unknown.length)
      problems.push(`${ref.path}: Secret ${ref.namespace}/${ref.name} declares ${unknown.join(', ')}, not issued here`);
    return new Map(ref.keys.map((k) => [k, Buffer.from(values[k] ?? material[k] ?? '')]));
  });
  if (problems.length) throw new Error(`${problems.join('\n')}\n(nothing was written)`);
  return writes.map(({ ref }, i) => writeSecret(root, cluster, ref, entries[i]!));
}
