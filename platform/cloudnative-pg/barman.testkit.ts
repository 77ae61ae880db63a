// barman-cloud, the tool CloudNativePG's operand archives WAL and takes base backups with, from PyPI at the versions
// generators/versions.ts pins, in a virtualenv under .cache/barman-cloud that the drill's setup creates once.
import { join } from 'node:path';
import { repoRoot } from '../../generators/repo';
import { pythonVenv } from '../../generators/testing/python-venv';
import { versions } from '../../generators/versions';

export const BARMAN_CACHE = join(
  repoRoot,
  '.cache',
  'barman-cloud',
  `barman-${versions.barman}-boto3-${versions.boto3}`,
);
/** The virtualenv's bin folder, installing it first if needed. */
export function barmanCloudBin(): string {
  return pythonVenv(BARMAN_CACHE, [`barman[cloud]==${versions.barman}`, `boto3==${versions.boto3}`]);
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
