import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalogue } from '../component';
import { estate } from '../estate/clusters';
import type { Cluster, Estate } from '../model';
import type { Component } from '../component';
import { goTool } from '../go-tools';
import { loadPolicyInput, runPolicy } from '../policy/gate';
import { renderEstate } from '../render';
import { repoRoot } from '../repo';
import { findDrift, writeRendering } from '../writer';
import { createSecret, parseEntries } from './secret';
import { creationRule, SOPS_CONFIG, sopsConfigProblems } from './sops';

const PASSWORD = 'correct-horse-battery-staple';
const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfixture\n-----END CERTIFICATE-----\n');

/** An app that declares one Secret on every cluster and references it by name only. */
const shop: Component<Record<string, never>> = {
  name: 'shop',
  version: '1.0.0',
  keys: {},
  validate: () => [],
  render: (ctx) =>
    ctx.secret('apps', 'shop', 'db-credentials', ['ca.crt', 'password'], { labels: { 'example.com/owner': 'shop' } }),
};
const catalogue: Catalogue = { platform: {}, apps: { shop } };

let root: string;
let keys: Record<string, string>;
let testEstate: Estate;

function ageKey(name: string): { file: string; recipient: string } {
  const file = join(root, `${name}.agekey`);
  execFileSync(goTool('age-keygen'), ['-o', file], { stdio: 'ignore' });
  return { file, recipient: execFileSync(goTool('age-keygen'), ['-y', file], { encoding: 'utf8' }).trim() };
}

function sops(args: string[], keyFile: string) {
  return spawnSync(goTool('sops'), args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, SOPS_AGE_KEY_FILE: keyFile },
  });
}

function writeSopsConfig(rules: unknown[]): void {
  writeFileSync(join(root, SOPS_CONFIG), stringify({ creation_rules: rules }));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'secrets-'));
  const generated = Object.fromEntries(estate.clusters.map((c) => [c.name, ageKey(c.name)]));
  keys = Object.fromEntries(Object.entries(generated).map(([name, k]) => [name, k.file]));
  testEstate = {
    ...estate,
    clusters: estate.clusters.map(
      (c) =>
        ({
          ...c,
          flux: { ...c.flux, ageRecipient: generated[c.name]!.recipient },
          platform: {},
          apps: { shop: {} },
        }) as unknown as Cluster,
    ),
  };
  writeSopsConfig(testEstate.clusters.map(creationRule));
  writeRendering(root, renderEstate(testEstate, catalogue));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run secret with the real sops and age', () => {
  const request = () => ({
    cluster: 'aws',
    namespace: 'shop',
    name: 'db-credentials',
    entries: new Map([
      ['password', Buffer.from(PASSWORD)],
      ['ca.crt', CERT],
    ]),
  });

  it('encrypts a declared Secret to its cluster only, without plaintext, and decrypts back', () => {
    const path = createSecret(root, testEstate, request(), catalogue);
    expect(path).toBe('clusters/aws/apps/shop/secret-db-credentials.sops.yaml');

    const file = readFileSync(join(root, path), 'utf8');
    for (const plain of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), 'MIIBfixture', CERT.toString('base64')])
      expect(file).not.toContain(plain);
    const encrypted = parse(file);
    // The declared labels are written in plaintext, beside the encrypted data: render:check compares them.
    expect(encrypted).toMatchObject({ kind: 'Secret', metadata: { name: 'db-credentials', namespace: 'shop' } });
    expect(encrypted.metadata.labels).toEqual({ 'example.com/owner': 'shop' });
    expect(findDrift(root, renderEstate(testEstate, catalogue)).flatMap((d) => d.secrets)).toEqual([]);
    expect(encrypted.sops.age.map((a: { recipient: string }) => a.recipient)).toEqual([
      testEstate.clusters[0]!.flux.ageRecipient,
    ]);

    const decrypted = sops(['decrypt', join(root, path)], keys.aws!);
    expect(decrypted.status, decrypted.stderr).toBe(0);
    expect(parse(decrypted.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-credentials', namespace: 'shop', labels: { 'example.com/owner': 'shop' } },
      type: 'Opaque',
      data: { 'ca.crt': CERT.toString('base64'), password: Buffer.from(PASSWORD).toString('base64') },
    });

    const otherCluster = sops(['decrypt', join(root, path)], keys.onprem!);
    expect(otherCluster.status).not.toBe(0);
    expect(otherCluster.stderr).toContain('no master key was able to decrypt the file');

    // The data key itself is an age file that only the cluster's identity opens.
    const dataKey = (identity: string) =>
      spawnSync(goTool('age'), ['--decrypt', '--identity', identity], { input: encrypted.sops.age[0].enc });
    expect(dataKey(keys.aws!).status).toBe(0);
    expect(dataKey(keys.aws!).stdout.length).toBe(32);
    expect(dataKey(keys.onprem!).stderr.toString()).toContain('no identity matched any of the recipients');
  });

  it('passes the policy gate, which flags the same Secret encrypted to the other cluster', () => {
    createSecret(root, testEstate, request(), catalogue);
    const onpremPath = 'clusters/onprem/apps/shop/secret-db-credentials.sops.yaml';
    writeFileSync(
      join(root, onpremPath),
      readFileSync(join(root, 'clusters/aws/apps/shop/secret-db-credentials.sops.yaml')),
    );
    // The test tree runs no flux-feedback: the cluster-wide Flux rules fail there too, and are not under test here.
    const violations = runPolicy(loadPolicyInput(root, testEstate, []), []).violations.filter(
      (v) => !v.rule.startsWith('flux-'),
    );
    expect(violations).toMatchObject([
      { rule: 'secret-recipient', clusters: ['onprem'], file: onpremPath, object: 'Secret/shop/db-credentials' },
    ]);
    expect(violations[0]!.message).toContain('is encrypted for aws');
  });

  it('refuses a Secret no component declares, saying how to declare it', () => {
    expect(() => createSecret(root, testEstate, { ...request(), name: 'api-token' }, catalogue)).toThrow(
      `Secret shop/api-token is not declared for cluster "aws" (declared: shop/db-credentials). Declare it in the component's render with ctx.secret('<layer>', 'shop', 'api-token')`,
    );
    expect(() => createSecret(root, testEstate, { ...request(), cluster: 'gcp' }, catalogue)).toThrow(
      'unknown cluster "gcp"; known: aws, onprem',
    );
  });

  it('refuses keys the consumer does not read, missing keys and empty values, writing nothing', () => {
    const path = join(root, 'clusters/aws/apps/shop/secret-db-credentials.sops.yaml');
    rmSync(path, { force: true });
    const withEntries = (entries: [string, string][]) => ({
      ...request(),
      entries: new Map(entries.map(([k, v]) => [k, Buffer.from(v)])),
    });
    expect(() =>
      createSecret(
        root,
        testEstate,
        withEntries([
          ['ca.crt', 'x'],
          ['password', 'y'],
          ['passwrd', 'z'],
        ]),
        catalogue,
      ),
    ).toThrow(
      'Secret shop/db-credentials declares the keys ca.crt, password; passwrd is not read by its consumer (nothing was written)',
    );
    expect(() => createSecret(root, testEstate, withEntries([['password', 'y']]), catalogue)).toThrow(
      'ca.crt is missing',
    );
    expect(() =>
      createSecret(
        root,
        testEstate,
        withEntries([
          ['ca.crt', 'x'],
          ['password', ''],
        ]),
        catalogue,
      ),
    ).toThrow('key password has an empty value');
    expect(existsSync(path)).toBe(false);
  });

  it('refuses to encrypt when .sops.yaml would send the Secret to another key', () => {
    const [aws, onprem] = testEstate.clusters.map(creationRule) as [
      ReturnType<typeof creationRule>,
      ReturnType<typeof creationRule>,
    ];
    writeSopsConfig([{ ...aws, age: onprem.age }, onprem]);
    try {
      expect(() => createSecret(root, testEstate, request(), catalogue)).toThrow(
        `${SOPS_CONFIG} does not fit the cluster model`,
      );
    } finally {
      writeSopsConfig([aws, onprem]);
    }
  });
});

describe('the secret command', () => {
  const cli = (...args: string[]) =>
    spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), ['generators/cli/secret.ts', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

  it('exits 1 with the usage, or with the reason a Secret is refused', () => {
    expect(cli('aws').stderr).toContain(
      'usage: npm run secret -- <cluster> <namespace> <name> [--from-file KEY=path]… [--stdin KEY]',
    );
    const undeclared = cli('aws', 'default', 'not-declared-anywhere', 'password=x');
    expect(undeclared.status).toBe(1);
    expect(undeclared.stderr).toContain('Secret default/not-declared-anywhere is not declared for cluster "aws"');
  });
});

describe('secret arguments', () => {
  it('read KEY=value and --from-file KEY=path', () => {
    const sources = {
      readFile: (path: string) => Buffer.from(`file ${path}`),
      readStdin: () => Buffer.from('s3cret\n'),
    };
    const args = [
      'user=admin',
      'url=postgres://db?sslmode=require',
      '--from-file',
      'tls.crt=/certs/tls.crt',
      '--stdin',
      'pw',
    ];
    const entries = parseEntries(args, sources);
    expect(Object.fromEntries([...entries].map(([k, v]) => [k, v.toString()]))).toEqual({
      user: 'admin',
      url: 'postgres://db?sslmode=require',
      'tls.crt': 'file /certs/tls.crt',
      pw: 's3cret',
    });
  });

  it.each([
    [['password'], 'expected --from-file KEY=path, --stdin KEY or KEY=value, got "password"'],
    [['=x'], 'expected --from-file KEY=path'],
    [['--stdin'], 'got "--stdin" without a KEY'],
    [['a b=x'], 'key "a b" is not a valid Secret data key'],
    [['a=1', 'a=2'], 'key "a" is given twice'],
    [['--from-file'], 'expected --from-file KEY=path, --stdin KEY or KEY=value, got "--from-file"'],
    [['--from-file', 'a=/nonexistent/file'], '--from-file a=/nonexistent/file: cannot read the file (ENOENT)'],
    [[], 'give at least one key'],
  ])('reject %j', (args, message) => {
    expect(() => parseEntries(args)).toThrow(message);
  });
});

describe('.sops.yaml', () => {
  it('holds the rule of every cluster in the model', () => {
    const text = readFileSync(join(repoRoot, SOPS_CONFIG), 'utf8');
    for (const cluster of estate.clusters) expect(sopsConfigProblems(text, cluster)).toEqual([]);
  });

  it('fails when a catch-all rule shadows a cluster', () => {
    const cluster = estate.clusters[0]!;
    const text = stringify({ creation_rules: [{ age: 'age1other' }, creationRule(cluster)] });
    expect(sopsConfigProblems(text, cluster)).toEqual([
      `creation_rules[0].age is "age1other", but cluster "${cluster.name}" decrypts with ${cluster.flux.ageRecipient} only`,
      'creation_rules[0].encrypted_regex is null; use "^(data|stringData)$"',
    ]);
  });
});
