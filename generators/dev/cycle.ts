// One turn of the local loop (`npm run dev`): render the working tree, then what each cluster receives against the
// last commit, then validation and policy, each step printed as it ends with its time. The caller hands in the model
// and the catalogue it imported afresh, so the core names no component.
import { performance } from 'node:perf_hooks';
import type { Catalogue } from '../component';
import { renderReport, SUMMARY_LIMITS } from '../diff/report';
import { changesAgainst } from '../diff/trees';
import type { Estate } from '../model';
import { allowListOf } from '../policy/allow-list';
import { formatReport as formatPolicy, loadPolicyInput, runPolicy } from '../policy/gate';
import { chartsOf, validationExtensionsOf } from '../registries';
import { renderEstate } from '../render';
import { formatReport as formatValidation, validateTree } from '../validate/validate';
import { writeRendering } from '../writer';

/** What a step prints: a verdict line, then its detail indented. */
interface Outcome {
  ok: boolean;
  summary: string;
  detail?: string[];
}

export type Print = (line: string) => void;

async function step(print: Print, name: string, run: () => Outcome | Promise<Outcome>): Promise<boolean> {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcome = { ok: false, summary: 'error', detail: message.split('\n') };
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(`${name.padEnd(9)} ${(outcome.ok ? 'ok' : 'FAILED').padEnd(7)}${outcome.summary} (${seconds} s)`);
  for (const line of outcome.detail ?? []) print(`  ${line}`);
  return outcome.ok;
}

/** Renders into `root` and checks the result; false when a step failed (after a failed render nothing else runs). */
export async function renderAndCheck(
  root: string,
  estate: Estate,
  catalogue: Catalogue,
  print: Print,
): Promise<boolean> {
  const rendered = await step(print, 'render', () => {
    const rendering = renderEstate(estate, catalogue);
    writeRendering(root, rendering);
    return { ok: true, summary: `${rendering.objectCount} objects in ${rendering.files.size} files` };
  });
  if (!rendered) return false;
  const changed = await step(print, 'changes', () => {
    const { commit, changes } = changesAgainst(root, 'HEAD');
    const counts = changes.map((c) => {
      const n = c.added.length + c.changed.length + c.removed.length;
      return `${c.cluster} ${n ? `+${c.added.length} ~${c.changed.length} -${c.removed.length}` : 'unchanged'}`;
    });
    const report = renderReport(changes, { base: `HEAD (${commit.slice(0, 12)})`, limits: SUMMARY_LIMITS });
    return { ok: true, summary: `against HEAD: ${counts.join(', ')}`, detail: report.trimEnd().split('\n') };
  });
  const valid = await step(print, 'validate', async () => {
    const report = await validateTree(root, estate.clusters, validationExtensionsOf(catalogue));
    const problems = formatValidation(report).slice(0, report.problems.length);
    const summary = `${report.objectCount} objects, ${problems.length} problems`;
    return { ok: !problems.length, summary, detail: problems };
  });
  const allowed = await step(print, 'policy', () => {
    const report = runPolicy(loadPolicyInput(root, estate, chartsOf(catalogue)), allowListOf(estate, catalogue));
    const ok = !report.violations.length;
    // The violations section of the gate's report: the text before its first blank line.
    const detail = ok ? [] : (formatPolicy(report).split('\n\n')[0] ?? '').split('\n');
    return { ok, summary: `${report.violations.length} violations, ${report.allowed.length} allowed`, detail };
  });
  return changed && valid && allowed;
}
