// CloudNativePG: the operator from its pinned release manifest, both database roles rendered from the model's one
// primary-site field, each orientation valid against the pinned CRDs and passing the policy gate, and the checks that
// reject two primaries or none (the model check and the repo check over rendered objects).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import type { ManifestDoc } from '../../generators/manifests';
import type { Estate } from '../../generators/model';
import { findProblems } from '../../generators/model-check';
import { loadPolicyInput, runPolicy } from '../../generators/policy/gate';
import { allowListOf } from '../../generators/policy/allow-list';
import { chartsOf, validationExtensionsOf } from '../../generators/registries';
import { renderEstate } from '../../generators/render';
import { repoRoot } from '../../generators/repo';
import { componentDocs, gateProblems } from '../../generators/testing/component-gates.testkit';
import { validateTree } from '../../generators/validate/validate';
import { versions } from '../../generators/versions';
import { archivePolicy, backupPrefix } from './api';
import { primaryCheck } from './check';
import { releaseObjects } from './index';

const flipped = (to: string): Estate => {
  const copy = structuredClone(estate) as Estate;
  copy.database!.primarySite = to;
  return copy;
};
const databases = (model: Estate = estate) =>
  componentDocs('task-tracker', model).filter((d) => d.object.kind === 'Cluster');
const of = (docs: ManifestDoc[], cluster: string) => docs.find((d) => d.cluster === cluster)!.object as any;

/** The whole rendering of `model`, on disk with the committed SOPS files and flux-system/, for the gates. */
function renderedTree(model: Estate): string {
  const root = mkdtempSync(join(tmpdir(), 'cnpg-tree-'));
  for (const [file, text] of renderEstate(model, catalogue).files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  for (const file of readdirSync(join(repoRoot, 'clusters'), { recursive: true, encoding: 'utf8' }))
    if (file.endsWith('.sops.yaml')) cpSync(join(repoRoot, 'clusters', file), join(root, 'clusters', file));
  cpSync(join(repoRoot, '.sops.yaml'), join(root, '.sops.yaml'));
  cpSync(join(repoRoot, 'flux-system'), join(root, 'flux-system'), { recursive: true });
  return root;
}

describe('cloudnative-pg operator', () => {
  it('installs the release manifest of the pinned module, its image pinned and pulled IfNotPresent', () => {
    const objects = componentDocs('cloudnative-pg').filter((d) => d.cluster === 'aws');
    const kinds = (list: { kind?: string }[]) => list.map((o) => o.kind).sort();
    // Everything the release holds but its Namespace, which the component renders with Pod Security labels.
    expect(kinds(objects.map((d) => d.object)).filter((k) => k !== 'NetworkPolicy')).toEqual(
      [...kinds(releaseObjects()), 'Namespace'].sort(),
    );
    const deployment = objects.find((d) => d.object.kind === 'Deployment')!.object as any;
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      image: `ghcr.io/cloudnative-pg/cloudnative-pg:${versions.cloudnativePg}`,
      imagePullPolicy: 'IfNotPresent',
    });
    const namespace = objects.find((d) => d.object.kind === 'Namespace')!.object as any;
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('its committed files match the generators and pass validation and the policy gate', async () => {
    expect(await gateProblems('cloudnative-pg')).toEqual({ drift: [], policy: [], validate: [] });
  });
});

describe('the tasks database across the sites', () => {
  it('renders both roles from estate.database.primarySite alone', () => {
    for (const [primary, replica] of [
      ['onprem', 'aws'],
      ['aws', 'onprem'],
    ] as const) {
      const docs = databases(flipped(primary));
      const p = of(docs, primary);
      const r = of(docs, replica);
      expect(p.spec.replica).toEqual({
        self: `task-tracker-db-${primary}`,
        primary: `task-tracker-db-${primary}`,
        source: `task-tracker-db-${replica}`,
      });
      expect(r.spec.replica).toEqual({
        self: `task-tracker-db-${replica}`,
        primary: `task-tracker-db-${primary}`,
        source: `task-tracker-db-${primary}`,
      });
      expect(p.spec.bootstrap.initdb).toMatchObject({ database: 'app', owner: 'app' });
      expect(r.spec.bootstrap.recovery).toMatchObject({ source: `task-tracker-db-${primary}` });
      // Each site archives to its own prefix, encrypted, and can read the other's.
      for (const [site, cluster] of [
        [primary, p],
        [replica, r],
      ] as const) {
        expect(cluster.spec.backup.barmanObjectStore).toMatchObject({
          destinationPath: `s3://${estate.database!.backups.bucket}/`,
          serverName: `task-tracker-db-${site}`,
          wal: { encryption: 'AES256' },
          data: { encryption: 'AES256' },
        });
        expect(cluster.spec.externalClusters.map((e: any) => e.barmanObjectStore.serverName)).toEqual([
          'task-tracker-db-aws',
          'task-tracker-db-onprem',
        ]);
        expect(cluster.spec.postgresql.parameters.archive_timeout).toBe('1min');
      }
      const backups = componentDocs('task-tracker', flipped(primary)).filter(
        (d) => d.object.kind === 'ScheduledBackup',
      );
      expect(backups.map((d) => d.cluster)).toEqual([primary]);
    }
  });

  it('uses IRSA on aws and the SOPS access key on metal', () => {
    const docs = databases();
    expect(of(docs, 'aws').spec.backup.barmanObjectStore.s3Credentials).toEqual({ inheritFromIAMRole: true });
    expect(of(docs, 'aws').spec.env).toContainEqual({
      name: 'AWS_ROLE_ARN',
      value: 'arn:aws:iam::111122223333:role/aws-task-tracker-db',
    });
    expect(of(docs, 'onprem').spec.backup.barmanObjectStore.s3Credentials.secretAccessKey).toEqual({
      name: 'task-tracker-db-s3',
      key: 'ACCESS_SECRET_KEY',
    });
  });

  it('lets each cluster write only under its own prefix', () => {
    const policy = archivePolicy('task-tracker-db', {
      cluster: 'onprem',
      region: 'eu-central-1',
      accountId: '111122223333',
      bucket: 'logs',
      backupBucket: 'dbs',
    }) as any;
    const writes = policy.Statement.filter((s: any) => s.Action.includes('s3:PutObject'));
    expect(writes).toEqual([
      expect.objectContaining({ Resource: `arn:aws:s3:::dbs/${backupPrefix('task-tracker-db', 'onprem')}*` }),
    ]);
    expect(policy.Statement.flatMap((s: any) => s.Action)).not.toContain('s3:*');
    expect(() =>
      archivePolicy('task-tracker-db', { cluster: 'onprem', region: 'r', accountId: '1', bucket: 'logs' }),
    ).toThrow(/no database.backups.bucket/);
  });

  it('passes validation against the pinned CRDs and the policy gate in the failed-over orientation too', async () => {
    const root = renderedTree(flipped('aws'));
    const report = await validateTree(root, estate.clusters, validationExtensionsOf(catalogue));
    expect(report.problems).toEqual([]);
    const policy = runPolicy(loadPolicyInput(root, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
    expect(policy.violations).toEqual([]);
  });

  it('fails validation for a field the pinned CRD does not have', async () => {
    const root = renderedTree(estate);
    const path = join(root, 'clusters/aws/apps/task-tracker/cluster-task-tracker-db.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('  replica:\n', '  replica:\n    promote: true\n'));
    const report = await validateTree(root, estate.clusters, validationExtensionsOf(catalogue));
    const file = 'clusters/aws/apps/task-tracker/cluster-task-tracker-db.yaml';
    expect(report.problems.map((p) => `${p.file} ${p.object} ${p.message}`)).toContainEqual(
      expect.stringMatching(new RegExp(`^${file} Cluster/task-tracker/task-tracker-db .*promote`)),
    );
  });
});

describe('exactly one primary', () => {
  const docs = databases();
  const withReplica = (doc: ManifestDoc, replica: object): ManifestDoc => ({
    ...doc,
    object: { ...doc.object, spec: { ...(doc.object as any).spec, replica } },
  });

  it('accepts the rendered estate', () => {
    expect(primaryCheck.run(docs)).toEqual([]);
  });

  it('rejects two primaries in the rendered objects, naming both', () => {
    const aws = docs.find((d) => d.cluster === 'aws')!;
    const both = [
      docs.find((d) => d.cluster === 'onprem')!,
      withReplica(aws, { self: 'a', primary: 'a', source: 'b' }),
    ];
    const problems = primaryCheck.run(both);
    expect(problems.map((p) => `${p.file} ${p.path}: ${p.message}`)).toContain(
      'clusters/aws/apps/task-tracker/cluster-task-tracker-db.yaml spec.replica.primary: ' +
        'is primary on onprem and aws: exactly one site may be',
    );
  });

  it('rejects no primary in the rendered objects', () => {
    const onprem = docs.find((d) => d.cluster === 'onprem')!;
    const none = [
      docs.find((d) => d.cluster === 'aws')!,
      withReplica(onprem, { self: 'x', primary: 'task-tracker-db-aws' }),
    ];
    expect(primaryCheck.run(none).map((p) => p.message)).toContain(
      'no site is primary (aws, onprem all follow another)',
    );
  });

  const model = (change: (d: any) => void) => {
    const copy = structuredClone(estate) as any;
    change(copy.database);
    return findProblems(copy, catalogue);
  };
  it('the model check rejects two primary sites, none, or one that is no cluster', () => {
    expect(findProblems(estate, catalogue)).toEqual([]);
    expect(model((d) => (d.primarySite = ['aws', 'onprem']))).toEqual([
      'estate: field database.primarySite names 2 sites (aws, onprem): exactly one site is primary',
    ]);
    expect(model((d) => delete d.primarySite)).toEqual([
      'estate: field database.primarySite is missing: exactly one site is primary; use one of aws, onprem',
    ]);
    expect(model((d) => (d.primarySite = 'eu-west'))).toEqual([
      'estate: field database.primarySite "eu-west" is no cluster of the estate, so no site is primary; ' +
        'use one of aws, onprem',
    ]);
    expect(model((d) => (d.backups.retentionDays = 0))).toEqual([
      'estate: field database.backups.retentionDays must be a whole number of days, got 0',
    ]);
  });
});
