// barman-cloud, the tool CloudNativePG's operand archives WAL and takes base backups with, from PyPI at the versions
// generators/versions.ts pins, in a virtualenv under .cache/barman-cloud that the drill's setup creates once.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';

export const BARMAN_CACHE = join(
  repoRoot,
  '.cache',
  'barman-cloud',
  `barman-${versions.barman}-boto3-${versions.boto3}`,
);
const COMPLETE = '.installed';
const PYTHON = '/usr/bin/python3';

function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(' ')}\` failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000)}`);
  }
}

/** The virtualenv's bin folder, installing it first if needed (a virtualenv cannot move, so it installs in place). */
export function barmanCloudBin(): string {
  const bin = join(BARMAN_CACHE, 'bin');
  if (existsSync(join(BARMAN_CACHE, COMPLETE))) return bin;
  rmSync(BARMAN_CACHE, { recursive: true, force: true });
  // Debian's interpreter, not one under a user's home: PostgreSQL runs the archive command as its own account.
  // It needs Debian's python3-venv package.
  run(PYTHON, ['-m', 'venv', BARMAN_CACHE]);
  run(join(bin, 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `barman[cloud]==${versions.barman}`,
    `boto3==${versions.boto3}`,
  ]);
  writeFileSync(join(BARMAN_CACHE, COMPLETE), `${versions.barman} ${versions.boto3}\n`);
  return bin;
}

/** The arguments every barman-cloud command takes to reach `server`'s prefix on the S3 server at `endpoint`. */
export const objectStore = (endpoint: string, bucket: string, server: string) => [
  '--endpoint-url',
  endpoint,
  '--cloud-provider',
  'aws-s3',
  `s3://${bucket}/`,
  server,
];

/** What boto3 reads: any key does for the test server; the region keeps boto3 from asking for one. */
export const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'drill',
  AWS_SECRET_ACCESS_KEY: 'drill',
  AWS_DEFAULT_REGION: 'eu-central-1',
};
