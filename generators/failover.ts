// `npm run failover -- --to <cluster>`: makes another site primary by changing the one model field
// `database.primarySite` in generators/estate/clusters.ts, renders, and reports what the clusters receive: the
// promotion of one site's database and the demotion of the other's, and nothing else.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalogue } from './component';
import { compareManifests, type ClusterChanges } from './diff/changes';
import { manifestsInWorkingTree } from './diff/trees';
import type { Estate } from './model';
import { assertValidModel, MODEL_FILE } from './model-check';
import { renderEstate } from './render';
import { writeRendering } from './writer';

const PRIMARY_SITE = /^(\s*primarySite: )'([^']*)',$/gm;

/** The model file's text with `primarySite` set to `to`; it must hold the field exactly once. */
export function withPrimarySite(modelText: string, to: string): string {
  const found = [...modelText.matchAll(PRIMARY_SITE)];
  if (found.length !== 1)
    throw new Error(
      `${MODEL_FILE}: expected one line \`primarySite: '<cluster>',\` in database, found ${found.length}`,
    );
  return modelText.replace(PRIMARY_SITE, (_, indent: string) => `${indent}'${to}',`);
}

export interface FailoverResult {
  from: string;
  to: string;
  changes: ClusterChanges[];
}

/**
 * Makes `to` the primary site in the repository at `root`: checks the new model, edits the model file, renders
 * `clusters/` and returns what changed there. Nothing is written when `to` is unknown or already primary.
 */
export function failover(root: string, estate: Estate, catalogue: Catalogue, to: string): FailoverResult {
  const from = estate.database?.primarySite;
  if (!from) throw new Error(`${MODEL_FILE}: estate.database is missing, so there is no primary site to move`);
  const sites = estate.clusters.map((c) => c.name);
  if (!sites.includes(to))
    throw new Error(`${MODEL_FILE}: --to ${to}: no such cluster; use one of ${sites.join(', ')}`);
  if (to === from) throw new Error(`${MODEL_FILE}: --to ${to}: ${to} is already the primary site; nothing to change`);
  const next: Estate = { ...estate, database: { ...estate.database!, primarySite: to } };
  assertValidModel(next, catalogue);
  const modelPath = join(root, MODEL_FILE);
  const modelText = withPrimarySite(readFileSync(modelPath, 'utf8'), to);
  const before = manifestsInWorkingTree(root);
  const rendering = renderEstate(next, catalogue);
  writeFileSync(modelPath, modelText);
  writeRendering(root, rendering);
  return { from, to, changes: compareManifests(before, manifestsInWorkingTree(root)) };
}
