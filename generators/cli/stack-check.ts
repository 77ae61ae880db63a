// `npm run stack:check -- [--stack aws]`: checks bootstrap/aws/Pulumi.<stack>.yaml against the cluster model offline,
// with the validation `pulumi up` runs first (bootstrap/aws/config.ts), so a typo fails before any deployment.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { loadSettings, readStackConfig } from '../../bootstrap/aws/config';
import { estate } from '../estate/clusters';
import { decodeUtf8 } from '../manifests';
import { repoRoot, runCli } from './run';

runCli(() => {
  const { values } = parseArgs({ options: { stack: { type: 'string', default: 'aws' } } });
  const file = `bootstrap/aws/Pulumi.${values.stack}.yaml`;
  if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is missing: every aws cluster's stack has one`);
  const decoded = decodeUtf8(readFileSync(join(repoRoot, file)));
  if ('error' in decoded) throw new Error(`${file}: ${decoded.error}`);
  let config: unknown;
  try {
    config = (parse(decoded.text, { uniqueKeys: true }) as { config?: unknown } | null)?.config;
  } catch (error) {
    throw new Error(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new Error(`${file}: config must be a mapping`);
  // Pulumi hands structured values to the program as JSON text and plain ones as text.
  const asPulumi = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
  loadSettings(values.stack!, asPulumi['aws:region'], readStackConfig(asPulumi), estate);
  console.log(`${file} fits the cluster model`);
});
