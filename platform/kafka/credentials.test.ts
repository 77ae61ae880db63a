// npm run kafka-credentials with the real openssl, sops and age: every copy of each Secret is written, encrypted to
// the cluster only, with the labels and annotations Strimzi selects on; the CA is one Strimzi can sign with; a user
// without a client, or a cluster without Kafka, writes nothing.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { listFiles } from '../../generators/layout';
import type { Estate } from '../../generators/model';
import { renderEstate } from '../../generators/render';
import { findDrift, writeRendering } from '../../generators/writer';
import { CA_DAYS, issueKafkaCredentials } from './credentials';
import { type CredentialsTree, credentialsTree, KAFKA_DIR } from './credentials.testkit';
import type { KafkaValues } from './values';

let tree: CredentialsTree;
let root: string;
let testEstate: Estate;
const KAFKA = KAFKA_DIR;

const withKafka = (edit: (k: KafkaValues) => void): Estate => {
  const copy = structuredClone(testEstate);
  edit(copy.clusters.find((c) => c.name === 'onprem')!.platform.kafka as unknown as KafkaValues);
  return copy;
};

/** The Secret with its values as text. */
function decrypted(path: string): { metadata: any; data: Record<string, string> } {
  const { metadata, data } = tree.decrypt(path);
  return { metadata, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString()])) };
}

const files = () =>
  Object.fromEntries(listFiles(join(root, 'clusters')).map((f) => [f, readFileSync(f, 'utf8')] as const));

beforeAll(() => {
  tree = credentialsTree('kafka-credentials-');
  ({ root, estate: testEstate } = tree);
});
afterAll(() => tree?.dispose());

describe('npm run kafka-credentials', () => {
  it('writes the CA for Strimzi, and each password to the KafkaUser and to its client, to the cluster only', () => {
    const written = issueKafkaCredentials(root, testEstate, catalogue, 'onprem');
    expect(written.sort()).toEqual(
      [
        'clusters/onprem/apps/task-tracker/secret-kafka-task-tracker.sops.yaml',
        `${KAFKA}/secret-events-cluster-ca-cert.sops.yaml`,
        `${KAFKA}/secret-events-cluster-ca.sops.yaml`,
        `${KAFKA}/secret-kafka-log-export.sops.yaml`,
        `${KAFKA}/secret-kafka-task-stream.sops.yaml`,
        `${KAFKA}/secret-kafka-task-tracker.sops.yaml`,
        'clusters/onprem/platform-controllers/log-export/secret-kafka-log-export.sops.yaml',
        'clusters/onprem/platform-controllers/streaming/secret-kafka-task-stream.sops.yaml',
      ].sort(),
    );

    const cert = decrypted(`${KAFKA}/secret-events-cluster-ca-cert.sops.yaml`);
    const key = decrypted(`${KAFKA}/secret-events-cluster-ca.sops.yaml`);
    const strimzi = { 'strimzi.io/kind': 'Kafka', 'strimzi.io/cluster': 'events' };
    expect(cert.metadata).toEqual({
      name: 'events-cluster-ca-cert',
      namespace: 'kafka',
      labels: strimzi,
      annotations: { 'strimzi.io/ca-cert-generation': '0' },
    });
    expect(key.metadata.annotations).toEqual({ 'strimzi.io/ca-key-generation': '0' });
    expect(Object.keys(key.data)).toEqual(['ca.key']);
    const ca = new X509Certificate(cert.data['ca.crt']!);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('O=hybrid-gitops\nCN=events-cluster-ca v0');
    const days = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(CA_DAYS);
    // Strimzi reads the key as RSA in PKCS#8 (OpenSslCertIssuer at 1.2.0).
    expect(key.data['ca.key']).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const privateKey = createPrivateKey(key.data['ca.key']!);
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(ca.checkPrivateKey(privateKey)).toBe(true);

    const passwords = new Set<string>();
    for (const [user, client] of [
      ['task-tracker', 'apps/task-tracker'],
      ['task-stream', 'platform-controllers/streaming'],
      ['log-export', 'platform-controllers/log-export'],
    ] as const) {
      const operator = decrypted(`${KAFKA}/secret-kafka-${user}.sops.yaml`);
      const copy = decrypted(`clusters/onprem/${client}/secret-kafka-${user}.sops.yaml`);
      expect(operator.data).toEqual({ password: expect.stringMatching(/^[-_A-Za-z0-9]{32}$/) });
      expect(copy.data).toEqual({ password: operator.data.password, 'ca.crt': cert.data['ca.crt'] });
      passwords.add(operator.data.password!);
      for (const file of [
        `${KAFKA}/secret-kafka-${user}.sops.yaml`,
        `clusters/onprem/${client}/secret-kafka-${user}.sops.yaml`,
      ])
        expect(readFileSync(join(root, file), 'utf8')).not.toContain(operator.data.password);
    }
    expect(passwords.size).toBe(3);
    expect(findDrift(root, renderEstate(testEstate, catalogue))).toEqual([]);
    expect(readFileSync(join(root, `${KAFKA}/secret-events-cluster-ca.sops.yaml`), 'utf8')).not.toContain(
      'PRIVATE KEY',
    );
  });

  it('a user whose namespace runs no client that declares its Secret: fails naming the user, writes nothing', () => {
    issueKafkaCredentials(root, testEstate, catalogue, 'onprem');
    const before = files();
    const orphan = withKafka((k) =>
      k.users.push({
        name: 'reporting',
        namespace: 'reporting',
        acls: [{ resource: 'topic', name: 'task-events', operations: ['Read'] }],
      }),
    );
    expect(() => issueKafkaCredentials(root, orphan, catalogue, 'onprem')).toThrow(
      'platform.kafka.users[3] (reporting) runs in namespace "reporting", but no component there declares Secret ' +
        'reporting/kafka-reporting',
    );
    expect(files()).toEqual(before);
  });

  it('a cluster without Kafka, or one not in the model, is refused', () => {
    expect(() => issueKafkaCredentials(root, testEstate, catalogue, 'aws')).toThrow(
      'cluster "aws" runs no Kafka (platform.kafka)',
    );
    expect(() => issueKafkaCredentials(root, testEstate, catalogue, 'edge')).toThrow('unknown cluster "edge"');
  });

  it('a raised caGeneration issues a CA whose Secrets carry it, so that Strimzi rolls the brokers', () => {
    const next = withKafka((k) => (k.caGeneration = 1));
    writeRendering(root, renderEstate(next, catalogue));
    issueKafkaCredentials(root, next, catalogue, 'onprem');
    const cert = decrypted(`${KAFKA}/secret-events-cluster-ca-cert.sops.yaml`);
    expect(cert.metadata.annotations).toEqual({ 'strimzi.io/ca-cert-generation': '1' });
    expect(new X509Certificate(cert.data['ca.crt']!).subject).toContain('CN=events-cluster-ca v1');
    // The files written for generation 0 are stale against the model now: render:check names them.
    expect(findDrift(root, renderEstate(testEstate, catalogue)).flatMap((d) => d.secrets)).toEqual([
      expect.stringContaining(`${KAFKA}/secret-events-cluster-ca-cert.sops.yaml: metadata is`),
      expect.stringContaining(`${KAFKA}/secret-events-cluster-ca.sops.yaml: metadata is`),
    ]);
  });
});
