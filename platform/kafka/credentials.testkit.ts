// A tree rendered from the real estate into a temporary folder, with onprem's SOPS recipient swapped for a throw-away
// age key, for the tests of `npm run kafka-credentials`; `decrypt` reads a Secret file as Flux would.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { catalogue } from '../../generators/estate/catalogue';
import { estate } from '../../generators/estate/clusters';
import { goTool } from '../../generators/go-tools';
import type { Estate } from '../../generators/model';
import { renderEstate } from '../../generators/render';
import { creationRule, SOPS_CONFIG } from '../../generators/secrets/sops';
import { writeRendering } from '../../generators/writer';

export const KAFKA_DIR = 'clusters/onprem/platform-configs/kafka';

export interface CredentialsTree {
  root: string;
  estate: Estate;
  /** The rendered files, by repo-relative path. */
  files: Map<string, string>;
  /** A Secret file's metadata and its data, decoded. */
  decrypt(path: string): { metadata: any; data: Record<string, Buffer> };
  dispose(): void;
}

export function credentialsTree(prefix: string): CredentialsTree {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const keyFile = join(root, 'onprem.agekey');
  execFileSync(goTool('age-keygen'), ['-o', keyFile], { stdio: 'ignore' });
  const recipient = execFileSync(goTool('age-keygen'), ['-y', keyFile], { encoding: 'utf8' }).trim();
  const swapped: Estate = {
    ...estate,
    clusters: estate.clusters.map((c) =>
      c.name === 'onprem' ? { ...c, flux: { ...c.flux, ageRecipient: recipient } } : c,
    ),
  };
  writeFileSync(join(root, SOPS_CONFIG), stringify({ creation_rules: swapped.clusters.map(creationRule) }));
  const rendering = renderEstate(swapped, catalogue);
  writeRendering(root, rendering);
  return {
    root,
    estate: swapped,
    files: rendering.files,
    decrypt(path) {
      const run = spawnSync(goTool('sops'), ['decrypt', join(root, path)], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, SOPS_AGE_KEY_FILE: keyFile },
      });
      if (run.status !== 0) throw new Error(`${path}: ${run.stderr}`);
      const secret = parse(run.stdout) as { metadata: unknown; data: Record<string, string> };
      const data = Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const);
      return { metadata: secret.metadata, data: Object.fromEntries(data) };
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
