// The preview summary on digests shaped like `pulumi preview --json`: stateful replacements and deletions flagged,
// updates and stateless replacements not, bad input named; and the CLI the workflow runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';
import { parsePreview, renderPreview, risks, type PreviewDigest } from './preview-summary';

const urn = (type: string, name: string) => `urn:pulumi:aws::aws-bootstrap::${type}::${name}`;
const BUCKET = urn('aws:s3/bucket:Bucket', 'log-archive');
const digest: PreviewDigest = {
  steps: [
    { op: 'same', urn: urn('aws:ec2/vpc:Vpc', 'aws') },
    // A replacement shows as three steps of one URN.
    { op: 'create-replacement', urn: BUCKET, replaceReasons: ['bucket'] },
    { op: 'replace', urn: BUCKET, replaceReasons: ['bucket'] },
    { op: 'delete-replaced', urn: BUCKET },
    { op: 'delete', urn: urn('aws:ec2/instance:Instance', 'aws-controlplane-2') },
    { op: 'update', urn: urn('aws:s3/bucket:Bucket', 'oidc-issuer') },
    { op: 'replace', urn: urn('aws:ec2/securityGroup:SecurityGroup', 'aws-worker') },
    { op: 'create', urn: urn('aws:iam/role:Role', 'aws-pulumi-preview') },
  ],
  changeSummary: { same: 1, replace: 2, delete: 1, update: 1, create: 1 },
};

describe('preview summary', () => {
  it('flags each stateful replacement and deletion once, with what it loses', () => {
    expect(risks(digest)).toEqual([
      expect.objectContaining({
        op: 'replace',
        type: 'aws:s3/bucket:Bucket',
        name: 'log-archive',
        reasons: ['bucket'],
      }),
      expect.objectContaining({ op: 'delete', type: 'aws:ec2/instance:Instance', name: 'aws-controlplane-2' }),
    ]);
    const markdown = renderPreview('aws', digest);
    expect(markdown).toContain('| create | update | replace | delete | unchanged |');
    expect(markdown).toContain('| 1 | 1 | 2 | 1 | 1 |');
    expect(markdown).toContain('### ⚠️ Replacements and deletions of stateful resources');
    expect(markdown).toContain(
      '- **replace** `aws:s3/bucket:Bucket` `log-archive` (because of `bucket`): loses its objects',
    );
    expect(markdown).toContain('- **delete** `aws:ec2/instance:Instance` `aws-controlplane-2`');
    expect(markdown).toContain('| update | `aws:s3/bucket:Bucket` | `oidc-issuer` |');
  });

  it('flags nothing for updates of stateful resources and replacements of stateless ones', () => {
    const quiet = { steps: digest.steps!.filter((s) => !s.urn.endsWith('log-archive') && s.op !== 'delete') };
    expect(risks(quiet)).toEqual([]);
    expect(renderPreview('aws', quiet)).not.toContain('⚠️');
    expect(renderPreview('aws', { steps: [] })).toContain('No resource changes.');
  });

  it('lists the errors pulumi reported', () => {
    const failed = { diagnostics: [{ severity: 'error', message: 'aws-bootstrap:preview is missing\n' }] };
    expect(renderPreview('aws', failed)).toContain('### Errors\n\n- aws-bootstrap:preview is missing');
  });

  it('names the file and the problem of input that is no preview', () => {
    expect(() => parsePreview('preview.json', 'Error: no stack')).toThrow(/^preview\.json: not the JSON of/);
    expect(() => parsePreview('preview.json', '{"steps": {}}')).toThrow('preview.json: steps must be a list');
    expect(() => parsePreview('preview.json', '{"steps": [{"op": "create"}]}')).toThrow(
      'preview.json: steps[0] has no op or urn',
    );
  });
});

describe('npm run pulumi-preview', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulumi-preview-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    spawnSync('npx', ['tsx', 'generators/cli/pulumi-preview.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });

  it('appends the summary to the job summary file', () => {
    writeFileSync(join(dir, 'preview.json'), JSON.stringify(digest));
    writeFileSync(join(dir, 'summary.md'), '# earlier step\n');
    const run = cli('summary', join(dir, 'preview.json'), '--summary', join(dir, 'summary.md'));
    expect(run.status).toBe(0);
    const text = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(text.startsWith('# earlier step\n## Pulumi preview of stack aws')).toBe(true);
  });

  it("prints the job's environment from the validated stack config, and fails on a stack without a file", () => {
    const run = cli('env');
    expect(run.stdout).toBe(
      [
        `PULUMI_VERSION=${versions.pulumiCli}`,
        'PULUMI_BACKEND_URL=s3://acme-estate-pulumi-state?region=eu-central-1',
        'PREVIEW_ROLE_ARN=arn:aws:iam::111122223333:role/aws-pulumi-preview',
        'PREVIEW_STACK=aws',
        '',
      ].join('\n'),
    );
    const missing = cli('env', 'gcp');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('bootstrap/aws/Pulumi.gcp.yaml: no such stack file');
  });
});
