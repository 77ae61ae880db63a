// `npm run diff -- --base <ref> [--summary <file>] [--full <file>]`: what each cluster receives from this change.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, runCli } from './run';
import { FULL_LIMITS, renderReport, SUMMARY_LIMITS } from '../diff/report';
import { changesAgainst } from '../diff/trees';

const usage =
  'usage: npm run diff -- --base <git ref> [--summary <file to append the bounded summary to>] [--full <file for the full report>]';

runCli(() => {
  const { values } = parseArgs({
    options: { base: { type: 'string' }, summary: { type: 'string' }, full: { type: 'string' } },
  });
  if (!values.base) throw new Error(usage);
  const { commit, changes } = changesAgainst(repoRoot, values.base);
  const base = `${values.base} (${commit.slice(0, 12)})`;
  const summary = renderReport(changes, {
    base,
    limits: SUMMARY_LIMITS,
    fullReportName: values.full && `\`${basename(values.full)}\``,
  });
  if (values.full) {
    const path = resolve(values.full);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderReport(changes, { base, limits: FULL_LIMITS }));
  }
  if (values.summary) appendFileSync(values.summary, summary);
  else process.stdout.write(summary);
});
